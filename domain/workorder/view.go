package workorder

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// UnitWork is an installation or a swap of units recorded on an order.
type UnitWork struct {
	ID           uuid.UUID
	WorkOrderID  uuid.UUID
	Install      bool   // an installation; otherwise a swap of Kind
	Kind         string // "terminal" or "sim", for swaps
	VehicleID    uuid.UUID
	TerminalID   uuid.UUID // installations
	SimID        uuid.UUID // installations
	OldID, NewID uuid.UUID // swaps
	Reason       string    // swaps
	PhotoIDs     []uuid.UUID
	TechnicianID uuid.UUID
	At           time.Time
}

// Custody tells what was installed and swapped on orders. The service asks
// only about orders it has shown the actor may see.
type Custody interface {
	// UnitWork lists the installations and swaps of the orders, oldest
	// first, in one query.
	UnitWork(ctx context.Context, orderIDs []uuid.UUID) (map[uuid.UUID][]UnitWork, error)
}

// View is an order as one caller reads it: with the units installed and
// swapped on it, and the actions that caller may take now.
type View struct {
	Order
	Work    []UnitWork
	Allowed []Action
}

// Read returns one order the actor may see, as the actor sees it.
func (s *Service) Read(ctx context.Context, id uuid.UUID) (View, error) {
	o, err := s.Get(ctx, id)
	if err != nil {
		return View{}, err
	}
	return s.view(ctx, o)
}

// views shows orders the actor has been allowed to see, reading their unit
// work in one query.
func (s *Service) views(ctx context.Context, orders []Order) ([]View, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]uuid.UUID, len(orders))
	for i, o := range orders {
		ids[i] = o.ID
	}
	work, err := s.custody.UnitWork(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("show work orders: %w", err)
	}
	out := make([]View, len(orders))
	for i, o := range orders {
		w := work[o.ID]
		out[i] = View{Order: o, Work: w, Allowed: AllowedActions(actor, o, factsOf(w))}
	}
	return out, nil
}

// view shows one order the actor has been allowed to see.
func (s *Service) view(ctx context.Context, o Order) (View, error) {
	vs, err := s.views(ctx, []Order{o})
	if err != nil {
		return View{}, err
	}
	return vs[0], nil
}

// facts reads what the rules need to know of other aggregates about o.
func (s *Service) facts(ctx context.Context, o Order) (Facts, error) {
	work, err := s.custody.UnitWork(ctx, []uuid.UUID{o.ID})
	if err != nil {
		return Facts{}, err
	}
	return factsOf(work[o.ID]), nil
}

// changeWork keeps the unit work a change read to judge the order, so that
// showing the order after the change does not read it again: no lifecycle
// action records installations or swaps.
type changeWork struct {
	id   uuid.UUID
	work []UnitWork
	read bool
}

// facts reads o's unit work, once, and what the rules make of it.
func (c *changeWork) facts(ctx context.Context, s *Service, o Order) (Facts, error) {
	if !c.read || c.id != o.ID {
		work, err := s.custody.UnitWork(ctx, []uuid.UUID{o.ID})
		if err != nil {
			return Facts{}, err
		}
		c.id, c.work, c.read = o.ID, work[o.ID], true
	}
	return factsOf(c.work), nil
}

// view shows o after the change, from the unit work read to judge it.
func (c *changeWork) view(ctx context.Context, s *Service, o Order) (View, error) {
	if !c.read || c.id != o.ID {
		return s.view(ctx, o)
	}
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return View{}, err
	}
	return View{Order: o, Work: c.work, Allowed: AllowedActions(actor, o, factsOf(c.work))}, nil
}
