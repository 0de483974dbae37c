// Package customer is the fleet-owner aggregate.
package customer

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Customer is a fleet owner.
type Customer struct {
	ID          uuid.UUID
	Name        string
	ContactName string
	Phone       string
	Address     string
	Notes       *string
	// SMSOptOut: the contact gets no SMS (退订).
	SMSOptOut bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SearchText is what the list's q filter matches.
func (c Customer) SearchText() string { return domain.SearchText(c.Name, c.ContactName, c.Phone) }

// NewCustomer is the input of Create.
type NewCustomer struct {
	Name, ContactName, Phone, Address string
	Notes                             *string
}

// Update is the input of Update; absent fields stay as they are.
type Update struct {
	Name, ContactName, Phone, Address *string
	Notes                             domain.Patch[string]
	SMSOptOut                         *bool
}

// Filter narrows List.
type Filter struct {
	Query string
	// OnlyID restricts the list to one customer (a customer user's own).
	OnlyID uuid.UUID
}

// Repository is the storage the customer service needs.
type Repository interface {
	Insert(ctx context.Context, c Customer) error
	Update(ctx context.Context, c Customer) error
	ByID(ctx context.Context, id uuid.UUID) (Customer, error)
	List(ctx context.Context, f Filter, p domain.PageRequest) (domain.Page[Customer], error)
}

// Service manages customers.
type Service struct {
	repo   Repository
	tx     domain.Transactor
	events domain.EventLog
	clock  domain.Clock
}

// NewService wires the customer service.
func NewService(repo Repository, tx domain.Transactor, events domain.EventLog, clock domain.Clock) *Service {
	return &Service{repo: repo, tx: tx, events: events, clock: clock}
}

// readers may see customers at all; customer users only their own.
func canRead(a domain.Actor) bool {
	return a.IsStaff() || a.Is(domain.RoleFinance, domain.RoleCustomer)
}

// Create records a customer (admin, manager, dispatcher).
func (s *Service) Create(ctx context.Context, in NewCustomer) (Customer, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Customer{}, err
	}
	if !actor.IsStaff() {
		return Customer{}, domain.Forbidden("only staff may create customers")
	}
	var fe domain.FieldErrors
	now := s.clock.Now()
	c := Customer{
		ID:          domain.NewID(),
		Name:        domain.Text(&fe, "name", in.Name, 1, 200),
		ContactName: domain.Text(&fe, "contact_name", in.ContactName, 1, 100),
		Phone:       domain.Phone(&fe, "phone", in.Phone),
		Address:     domain.Text(&fe, "address", in.Address, 1, 500),
		Notes:       domain.OptionalText(&fe, "notes", in.Notes, 2000),
		CreatedAt:   now,
		UpdatedAt:   now,
	}
	if err := fe.Err(); err != nil {
		return Customer{}, err
	}
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.Insert(ctx, c); err != nil {
			return err
		}
		return s.events.Append(ctx, domain.NewEvent("customer", c.ID, "customer.created", actor.UserID, now, map[string]any{"name": c.Name}))
	})
	if err != nil {
		return Customer{}, fmt.Errorf("create customer: %w", err)
	}
	return c, nil
}

// Get returns one customer the actor may see.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (Customer, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Customer{}, err
	}
	if !canRead(actor) || !actor.CanSeeCustomer(id) {
		return Customer{}, domain.NotFound("customer")
	}
	return s.repo.ByID(ctx, id)
}

// List pages through the customers the actor may see.
func (s *Service) List(ctx context.Context, f Filter, p domain.PageRequest) (domain.Page[Customer], error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return domain.Page[Customer]{}, err
	}
	if !canRead(actor) {
		return domain.Page[Customer]{}, domain.Forbidden("this role may not list customers")
	}
	if actor.Role == domain.RoleCustomer {
		f.OnlyID = actor.CustomerID
	}
	return s.repo.List(ctx, f, p.Normalize())
}

// Update changes a customer (admin, manager, dispatcher).
func (s *Service) Update(ctx context.Context, id uuid.UUID, in Update) (Customer, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Customer{}, err
	}
	if !actor.IsStaff() {
		if canRead(actor) && actor.CanSeeCustomer(id) {
			return Customer{}, domain.Forbidden("only staff may change customers")
		}
		return Customer{}, domain.NotFound("customer")
	}
	var out Customer
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		c, err := s.repo.ByID(ctx, id)
		if err != nil {
			return err
		}
		var fe domain.FieldErrors
		changes := map[string]any{}
		if in.Name != nil {
			c.Name = domain.Text(&fe, "name", *in.Name, 1, 200)
			changes["name"] = c.Name
		}
		if in.ContactName != nil {
			c.ContactName = domain.Text(&fe, "contact_name", *in.ContactName, 1, 100)
			changes["contact_name"] = c.ContactName
		}
		if in.Phone != nil {
			c.Phone = domain.Phone(&fe, "phone", *in.Phone)
			changes["phone"] = c.Phone
		}
		if in.Address != nil {
			c.Address = domain.Text(&fe, "address", *in.Address, 1, 500)
			changes["address"] = c.Address
		}
		if in.SMSOptOut != nil {
			c.SMSOptOut = *in.SMSOptOut
			changes["sms_opt_out"] = c.SMSOptOut
		}
		if in.Notes.Set {
			c.Notes = domain.OptionalText(&fe, "notes", in.Notes.Value, 2000)
			changes["notes"] = c.Notes
		}
		if err := fe.Err(); err != nil {
			return err
		}
		c.UpdatedAt = s.clock.Now()
		if err := s.repo.Update(ctx, c); err != nil {
			return err
		}
		out = c
		return s.events.Append(ctx, domain.NewEvent("customer", c.ID, "customer.updated", actor.UserID, c.UpdatedAt, changes))
	})
	if err != nil {
		return Customer{}, fmt.Errorf("update customer: %w", err)
	}
	return out, nil
}
