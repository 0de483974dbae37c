// Package feenotice puts an order's charges before the customer before the
// work is done (收费通知): a notice lists the charged lines and their total,
// and the customer accepts it in the portal, or signs on site, or declines.
// An order completes only once every charged line is on an accepted notice.
package feenotice

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Status is where a notice stands. Accepted and declined are final; a
// pending notice is superseded by a newer one.
type Status string

// The statuses.
const (
	Pending    Status = "pending"
	Accepted   Status = "accepted"
	Declined   Status = "declined"
	Superseded Status = "superseded"
)

// Via says how the customer accepted.
type Via string

// The ways to accept.
const (
	Portal Via = "portal"
	OnSite Via = "on_site"
)

// Line is one charged bill line on a notice, with what the bill charges
// for it.
type Line struct {
	LineID      uuid.UUID
	Kind        string
	Description string
	Amount      int64
	Charged     int64
}

// Notice is a fee notice.
type Notice struct {
	ID               uuid.UUID
	WorkOrderID      uuid.UUID
	Status           Status
	Lines            []Line
	Total            int64
	CreatedBy        uuid.UUID
	CreatedAt        time.Time
	DecidedAt        *time.Time
	DecidedBy        *uuid.UUID
	AcceptedVia      *Via
	SignedBy         *string
	SignaturePhotoID *uuid.UUID
	DeclineReason    *string
}

// Order is what notices need to know of a work order: who may act on it
// and its bill lines, each with what the bill charges for it.
type Order struct {
	ID           uuid.UUID
	CustomerID   uuid.UUID
	TechnicianID uuid.UUID
	Number       string
	Open         bool // neither closed nor cancelled
	Lines        []Line
}

// Orders answers for work orders as the actor in ctx may see them.
type Orders interface {
	Order(ctx context.Context, id uuid.UUID) (Order, error)
}

// Photos checks a signature, verified like every photo.
type Photos interface {
	// ReadySignature reports whether the photo is a ready photo of kind
	// signature on the order.
	ReadySignature(ctx context.Context, orderID, photoID uuid.UUID) (bool, error)
}

// Notifier tells the customer, queued in the caller's transaction.
type Notifier interface {
	Notify(ctx context.Context, topic string, orderID, customerID uuid.UUID, data map[string]any) error
}

// Repository stores notices.
type Repository interface {
	// LockOrder makes concurrent notices on one order take turns until the
	// transaction in ctx ends.
	LockOrder(ctx context.Context, orderID uuid.UUID) error
	Insert(ctx context.Context, n Notice) error
	ByID(ctx context.Context, id uuid.UUID) (Notice, error)
	List(ctx context.Context, orderID uuid.UUID, p domain.PageRequest) (domain.Page[Notice], error)
	// Covered are the order's lines on accepted notices.
	Covered(ctx context.Context, orderID uuid.UUID) (map[uuid.UUID]bool, error)
	// SupersedePending marks the order's pending notices superseded and
	// returns their ids.
	SupersedePending(ctx context.Context, orderID uuid.UUID) ([]uuid.UUID, error)
	// Decide saves n's decision if it is still pending; false otherwise.
	Decide(ctx context.Context, n Notice) (bool, error)
}

// Topic is the customer's text of a new notice.
const Topic = "work_order.fee_notice"

// Service issues notices and records the customer's answer.
type Service struct {
	repo     Repository
	orders   Orders
	photos   Photos
	notifier Notifier
	tx       domain.Transactor
	events   domain.EventLog
	clock    domain.Clock
}

// NewService wires fee notices.
func NewService(repo Repository, orders Orders, photos Photos, notifier Notifier, tx domain.Transactor, events domain.EventLog, clock domain.Clock) *Service {
	return &Service{repo: repo, orders: orders, photos: photos, notifier: notifier, tx: tx, events: events, clock: clock}
}

// Uncovered lists the charged lines that no accepted notice covers. It
// acts as the system: its caller has checked access.
func (s *Service) Uncovered(ctx context.Context, orderID uuid.UUID, lines []Line) ([]uuid.UUID, error) {
	covered, err := s.repo.Covered(ctx, orderID)
	if err != nil {
		return nil, err
	}
	out := []uuid.UUID{}
	for _, l := range lines {
		if l.Charged > 0 && !covered[l.LineID] {
			out = append(out, l.LineID)
		}
	}
	return out, nil
}

// Issue puts charged lines that no accepted notice covers on a new pending
// notice (the assigned technician or staff), superseding any pending one,
// and texts the customer. lineIDs nil means all such lines.
func (s *Service) Issue(ctx context.Context, orderID uuid.UUID, lineIDs []uuid.UUID) (Notice, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Notice{}, err
	}
	var out Notice
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		o, err := s.orders.Order(ctx, orderID)
		if err != nil {
			return err
		}
		if !actor.IsStaff() && !(actor.Role == domain.RoleTechnician && actor.UserID == o.TechnicianID) {
			return domain.Forbidden("only staff and the order's assigned technician issue fee notices")
		}
		if !o.Open {
			return domain.Conflict("the order is closed or cancelled")
		}
		if err := s.repo.LockOrder(ctx, o.ID); err != nil {
			return err
		}
		open, err := s.Uncovered(ctx, o.ID, o.Lines)
		if err != nil {
			return err
		}
		want := open
		if lineIDs != nil {
			want = nil
			for _, id := range lineIDs {
				if !slices.Contains(open, id) {
					return domain.Invalid("line_ids", "line "+id.String()+" is not a charged line of the order that no accepted notice covers")
				}
				if !slices.Contains(want, id) {
					want = append(want, id)
				}
			}
		}
		if len(want) == 0 {
			return domain.Conflict("every charged line of the order is on an accepted notice already")
		}
		n := Notice{ID: domain.NewID(), WorkOrderID: o.ID, Status: Pending, CreatedBy: actor.UserID, CreatedAt: s.clock.Now()}
		for _, l := range o.Lines {
			if slices.Contains(want, l.LineID) {
				n.Lines = append(n.Lines, l)
				n.Total += l.Charged
			}
		}
		old, err := s.repo.SupersedePending(ctx, o.ID)
		if err != nil {
			return err
		}
		for _, id := range old {
			err := s.events.Append(ctx, domain.NewEvent("work_order", o.ID, "work_order.fee_notice_superseded", actor.UserID, n.CreatedAt,
				map[string]any{"notice_id": id.String(), "by": n.ID.String()}))
			if err != nil {
				return err
			}
		}
		if err := s.repo.Insert(ctx, n); err != nil {
			return err
		}
		ids := make([]string, len(n.Lines))
		for i, l := range n.Lines {
			ids[i] = l.LineID.String()
		}
		err = s.events.Append(ctx, domain.NewEvent("work_order", o.ID, "work_order.fee_notice_issued", actor.UserID, n.CreatedAt,
			map[string]any{"notice_id": n.ID.String(), "line_ids": ids, "total": n.Total}))
		if err != nil {
			return err
		}
		out = n
		return s.notifier.Notify(ctx, Topic, o.ID, o.CustomerID, map[string]any{"number": o.Number, "notice_id": n.ID.String(), "total": n.Total})
	})
	if err != nil {
		return Notice{}, fmt.Errorf("issue fee notice: %w", err)
	}
	return out, nil
}

// visible finds a notice whose order the actor may see, and the order.
func (s *Service) visible(ctx context.Context, id uuid.UUID) (Notice, Order, error) {
	n, err := s.repo.ByID(ctx, id)
	if err != nil {
		return Notice{}, Order{}, err
	}
	o, err := s.orders.Order(ctx, n.WorkOrderID)
	if domain.KindOf(err) == domain.KindNotFound {
		return Notice{}, Order{}, domain.NotFound("fee notice")
	}
	return n, o, err
}

// Get is one notice, for whoever may see its order.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (Notice, error) {
	n, _, err := s.visible(ctx, id)
	return n, err
}

// List pages through an order's notices, oldest first.
func (s *Service) List(ctx context.Context, orderID uuid.UUID, p domain.PageRequest) (domain.Page[Notice], error) {
	if _, err := s.orders.Order(ctx, orderID); err != nil {
		return domain.Page[Notice]{}, err
	}
	return s.repo.List(ctx, orderID, p.Normalize())
}

// Signature is the customer's signature taken on site.
type Signature struct {
	SignedBy *string
	PhotoID  *uuid.UUID
}

// Accept records the customer's agreement: in the portal by the order's
// customer user, or on site by the assigned technician with the
// customer's signature.
func (s *Service) Accept(ctx context.Context, id uuid.UUID, sig Signature) (Notice, error) {
	return s.decide(ctx, id, "accept", func(ctx context.Context, actor domain.Actor, n *Notice, o Order) (string, map[string]any, error) {
		var fe domain.FieldErrors
		via := Portal
		data := map[string]any{}
		if actor.Role == domain.RoleTechnician {
			via = OnSite
			if sig.SignedBy == nil {
				fe.Add("signed_by", "is required on site: who signed for the customer")
			} else {
				name := domain.Text(&fe, "signed_by", *sig.SignedBy, 1, 100)
				n.SignedBy = &name
				data["signed_by"] = name
			}
			if sig.PhotoID == nil {
				fe.Add("signature_photo_id", "is required on site: a photo of kind signature on the order")
			} else {
				ok, err := s.photos.ReadySignature(ctx, o.ID, *sig.PhotoID)
				if err != nil {
					return "", nil, err
				}
				if !ok {
					fe.Add("signature_photo_id", "not a ready photo of kind signature on this order")
				}
				n.SignaturePhotoID = sig.PhotoID
				data["signature_photo_id"] = sig.PhotoID.String()
			}
		} else if sig.SignedBy != nil || sig.PhotoID != nil {
			fe.Add("signed_by", "only the technician on site records a signature; in the portal, accept with no body")
		}
		if err := fe.Err(); err != nil {
			return "", nil, err
		}
		n.Status, n.AcceptedVia = Accepted, &via
		data["via"] = string(via)
		return "work_order.fee_notice_accepted", data, nil
	})
}

// Decline records that the customer refused the charges.
func (s *Service) Decline(ctx context.Context, id uuid.UUID, reason string) (Notice, error) {
	return s.decide(ctx, id, "decline", func(_ context.Context, _ domain.Actor, n *Notice, _ Order) (string, map[string]any, error) {
		var fe domain.FieldErrors
		r := domain.Text(&fe, "reason", reason, 1, 500)
		if err := fe.Err(); err != nil {
			return "", nil, err
		}
		n.Status, n.DeclineReason = Declined, &r
		return "work_order.fee_notice_declined", map[string]any{"reason": r}, nil
	})
}

func (s *Service) decide(ctx context.Context, id uuid.UUID, verb string,
	fn func(ctx context.Context, actor domain.Actor, n *Notice, o Order) (string, map[string]any, error)) (Notice, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Notice{}, err
	}
	var out Notice
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		n, o, err := s.visible(ctx, id)
		if err != nil {
			return err
		}
		customer := actor.Role == domain.RoleCustomer && actor.CustomerID == o.CustomerID
		onSite := actor.Role == domain.RoleTechnician && actor.UserID == o.TechnicianID
		if !customer && !onSite {
			return domain.Forbidden("only the order's customer, or its technician on site, may %s a fee notice", verb)
		}
		if n.Status != Pending {
			return domain.Conflict("the notice is %s; only a pending notice can be decided", n.Status)
		}
		typ, data, err := fn(ctx, actor, &n, o)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		n.DecidedAt, n.DecidedBy = &now, &actor.UserID
		ok, err := s.repo.Decide(ctx, n)
		if err != nil {
			return err
		}
		if !ok {
			return domain.Conflict("the notice was decided or superseded meanwhile")
		}
		out = n
		data["notice_id"], data["total"] = n.ID.String(), n.Total
		return s.events.Append(ctx, domain.NewEvent("work_order", o.ID, typ, actor.UserID, now, data))
	})
	if err != nil {
		return Notice{}, fmt.Errorf("%s fee notice: %w", verb, err)
	}
	return out, nil
}
