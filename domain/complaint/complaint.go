// Package complaint handles complaints (投诉): recorded in full, classified by
// category and severity, each severity with its own deadlines to acknowledge
// and to resolve, followed to the end, and the customer told the result.
package complaint

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Status is where a complaint is.
type Status string

// The statuses.
const (
	Open         Status = "open"
	Acknowledged Status = "acknowledged"
	Resolved     Status = "resolved"
	Closed       Status = "closed"
)

// Severity decides the deadlines.
type Severity string

// The severities.
const (
	Minor    Severity = "minor"
	Major    Severity = "major"
	Critical Severity = "critical"
)

// Categories are the kinds of complaint.
var Categories = []string{"service_attitude", "response_time", "repair_quality", "billing", "product", "other"}

// Channels are how a complaint may come in.
var Channels = []string{"phone", "letter", "visit", "portal", "email"}

// Terms are the deadlines of each severity: to acknowledge, to resolve.
type Terms map[Severity][2]time.Duration

// DefaultTerms: critical 1 h / 24 h, major 4 h / 72 h, minor 24 h / 7 days.
func DefaultTerms() Terms {
	return Terms{Critical: {time.Hour, 24 * time.Hour}, Major: {4 * time.Hour, 72 * time.Hour}, Minor: {24 * time.Hour, 7 * 24 * time.Hour}}
}

// ParseTerms reads "critical=1h/24h,major=4h/72h"; missing severities keep their defaults.
func ParseTerms(s string) (Terms, error) {
	t := DefaultTerms()
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		ack, res, ok2 := strings.Cut(v, "/")
		a, err1 := time.ParseDuration(strings.TrimSpace(ack))
		r, err2 := time.ParseDuration(strings.TrimSpace(res))
		sev := Severity(strings.TrimSpace(k))
		if _, known := t[sev]; !ok || !ok2 || !known || err1 != nil || err2 != nil || a <= 0 || r < a {
			return nil, fmt.Errorf("complaint term %q: want severity=acknowledge/resolve, e.g. critical=1h/24h", part)
		}
		t[sev] = [2]time.Duration{a, r}
	}
	return t, nil
}

// Complaint is one complaint.
type Complaint struct {
	ID               uuid.UUID
	CustomerID       uuid.UUID
	WorkOrderID      uuid.UUID
	Channel          string
	Category         string
	Severity         Severity
	Description      string
	Status           Status
	Version          int
	OwnerID          uuid.UUID
	AcknowledgeBy    time.Time
	ResolveBy        time.Time
	Escalated        bool
	Resolution       *string
	CustomerInformed bool
	CreatedAt        time.Time
	UpdatedAt        time.Time
	AcknowledgedAt   *time.Time
	ResolvedAt       *time.Time
	ClosedAt         *time.Time
}

// Overdue reports whether a deadline is missed at now.
func (c Complaint) Overdue(now time.Time) bool {
	switch c.Status {
	case Open:
		return now.After(c.AcknowledgeBy) || now.After(c.ResolveBy)
	case Acknowledged:
		return now.After(c.ResolveBy)
	}
	return false
}

// Filter narrows List.
type Filter struct {
	Status     Status
	Severity   Severity
	CustomerID uuid.UUID
	Overdue    bool
	Now        time.Time
}

// Repository stores complaints.
type Repository interface {
	Insert(ctx context.Context, c Complaint) error
	// Update saves c if its stored version is still prevVersion.
	Update(ctx context.Context, c Complaint, prevVersion int) error
	ByID(ctx context.Context, id uuid.UUID) (Complaint, error)
	List(ctx context.Context, f Filter, p domain.PageRequest) (domain.Page[Complaint], error)
	// DueForEscalation lists overdue complaints not yet escalated, at most limit.
	DueForEscalation(ctx context.Context, now time.Time, limit int) ([]Complaint, error)
}

// Customers answers for customers and their orders, by id.
type Customers interface {
	CustomerExists(ctx context.Context, id uuid.UUID) (bool, error)
	// OrderOfCustomer reports whether the work order belongs to the customer.
	OrderOfCustomer(ctx context.Context, orderID, customerID uuid.UUID) (bool, error)
}

// Notifier tells the customer and subscribers, queued in the caller's transaction.
type Notifier interface {
	NotifyComplaint(ctx context.Context, topic string, complaintID, customerID uuid.UUID, data map[string]any) error
}

// Service handles complaints.
type Service struct {
	repo      Repository
	notifier  Notifier
	customers Customers
	tx        domain.Transactor
	events    domain.EventStore
	clock     domain.Clock
	terms     Terms
}

// NewService wires complaints.
func NewService(repo Repository, customers Customers, notifier Notifier, tx domain.Transactor, events domain.EventStore, clock domain.Clock,
	terms Terms) *Service {
	return &Service{repo: repo, customers: customers, notifier: notifier, tx: tx, events: events, clock: clock, terms: terms}
}

// Clock is the service's clock, for judging what is overdue.
func (s *Service) Clock() domain.Clock { return s.clock }

// NewComplaint is the input of Create.
type NewComplaint struct {
	CustomerID, WorkOrderID uuid.UUID
	Channel, Category       string
	Severity                Severity
	Description             string
}

// Create files a complaint; the actor owns it.
func (s *Service) Create(ctx context.Context, in NewComplaint) (Complaint, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Complaint{}, err
	}
	var fe domain.FieldErrors
	switch {
	case actor.IsStaff():
	case actor.Role == domain.RoleCustomer:
		if in.CustomerID != actor.CustomerID {
			fe.Add("customer_id", "a customer user complains for its own customer only")
		}
	default:
		return Complaint{}, domain.Forbidden("this role does not record complaints")
	}
	term, ok := s.terms[in.Severity]
	if !ok {
		fe.Add("severity", "must be minor, major or critical")
	}
	if !slices.Contains(Categories, in.Category) {
		fe.Add("category", "unknown category")
	}
	if !slices.Contains(Channels, in.Channel) {
		fe.Add("channel", "unknown channel")
	}
	now := s.clock.Now()
	c := Complaint{ID: domain.NewID(), CustomerID: in.CustomerID, WorkOrderID: in.WorkOrderID, Channel: in.Channel, Category: in.Category,
		Severity: in.Severity, Description: domain.Text(&fe, "description", in.Description, 1, 4000), Status: Open, Version: 1,
		OwnerID: actor.UserID, AcknowledgeBy: now.Add(term[0]), ResolveBy: now.Add(term[1]), CreatedAt: now, UpdatedAt: now}
	if err := fe.Err(); err != nil {
		return Complaint{}, err
	}
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		ok, err := s.customers.CustomerExists(ctx, c.CustomerID)
		if err != nil {
			return err
		}
		if !ok {
			return domain.Invalid("customer_id", "no such customer")
		}
		if c.WorkOrderID != uuid.Nil {
			ok, err := s.customers.OrderOfCustomer(ctx, c.WorkOrderID, c.CustomerID)
			if err != nil {
				return err
			}
			if !ok {
				return domain.Invalid("work_order_id", "not a work order of this customer")
			}
		}
		if err := s.repo.Insert(ctx, c); err != nil {
			return err
		}
		return s.events.Append(ctx, domain.NewEvent("complaint", c.ID, "created", actor.UserID, now,
			map[string]any{"severity": string(c.Severity), "category": c.Category}))
	})
	if err != nil {
		return Complaint{}, fmt.Errorf("file complaint: %w", err)
	}
	return c, nil
}

// visible is the complaint if the actor may see it.
func (s *Service) visible(ctx context.Context, id uuid.UUID) (domain.Actor, Complaint, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return actor, Complaint{}, err
	}
	c, err := s.repo.ByID(ctx, id)
	if err != nil {
		return actor, Complaint{}, err
	}
	if !actor.IsStaffOrOwner(c.CustomerID) {
		return actor, Complaint{}, domain.NotFound("complaint")
	}
	return actor, c, nil
}

// Get returns a complaint with its timeline.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (Complaint, []domain.Event, error) {
	_, c, err := s.visible(ctx, id)
	if err != nil {
		return Complaint{}, nil, err
	}
	evs, err := s.events.For(ctx, id)
	return c, evs, err
}

// List pages through complaints.
func (s *Service) List(ctx context.Context, f Filter, p domain.PageRequest) (domain.Page[Complaint], error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return domain.Page[Complaint]{}, err
	}
	switch {
	case actor.IsStaff():
	case actor.Role == domain.RoleCustomer:
		f.CustomerID = actor.CustomerID
	default:
		return domain.Page[Complaint]{}, domain.Forbidden("this role does not read complaints")
	}
	f.Now = s.clock.Now()
	return s.repo.List(ctx, f, p.Normalize())
}

// Action is a step of a complaint's handling.
type Action string

// The actions.
const (
	Acknowledge Action = "acknowledge"
	Resolve     Action = "resolve"
	Close       Action = "close"
	Reopen      Action = "reopen"
)

var from = map[Action][]Status{
	Acknowledge: {Open},
	Resolve:     {Acknowledged},
	Close:       {Resolved},
	Reopen:      {Resolved, Closed},
}

// Step is one action with its data.
type Step struct {
	Action           Action
	Resolution       string
	CustomerInformed bool
	Reason           string
}

func mayAct(a domain.Actor, c Complaint, act Action) bool {
	switch act {
	case Close:
		return a.Is(domain.RoleAdmin, domain.RoleManager)
	case Reopen:
		return a.IsStaff() || a.Role == domain.RoleCustomer && a.CustomerID == c.CustomerID
	}
	return a.IsStaff()
}

// Act performs a step: 404 when invisible, 403 by role, 409 by state, then
// If-Match (428, 412), then input (422), as for work orders.
func (s *Service) Act(ctx context.Context, id uuid.UUID, version *int, st Step) (Complaint, error) {
	var out Complaint
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		actor, c, err := s.visible(ctx, id)
		if err != nil {
			return err
		}
		if !mayAct(actor, c, st.Action) {
			return domain.Forbidden("your role may not %s this complaint", st.Action)
		}
		if !slices.Contains(from[st.Action], c.Status) {
			return domain.Conflict("a complaint that is %s allows no %s", c.Status, st.Action)
		}
		if version == nil {
			return &domain.Error{Kind: domain.KindPreconditionRequired, Detail: "send If-Match with the complaint's current ETag"}
		}
		if *version < 1 {
			return &domain.Error{Kind: domain.KindPreconditionFailed,
				Detail: fmt.Sprintf("If-Match names no version of this complaint (it is at version %d); send its current ETag", c.Version)}
		}
		if *version != c.Version {
			return &domain.Error{Kind: domain.KindPreconditionFailed, Detail: fmt.Sprintf("the complaint has changed: version %d, not %d", c.Version, *version)}
		}
		now := s.clock.Now()
		data := map[string]any{"from": string(c.Status)}
		var fe domain.FieldErrors
		switch st.Action {
		case Acknowledge:
			c.Status, c.AcknowledgedAt = Acknowledged, &now
		case Resolve:
			r := domain.Text(&fe, "resolution", st.Resolution, 1, 2000)
			if !st.CustomerInformed {
				fe.Add("customer_informed", "must be true: the customer is told the result before a complaint is resolved")
			}
			c.Status, c.ResolvedAt, c.Resolution, c.CustomerInformed = Resolved, &now, &r, true
			data["resolution"] = r
		case Close:
			c.Status, c.ClosedAt = Closed, &now
		case Reopen:
			data["reason"] = domain.Text(&fe, "reason", st.Reason, 1, 500)
			term := s.terms[c.Severity]
			c.Status, c.AcknowledgedAt, c.ResolvedAt, c.ClosedAt, c.Resolution, c.CustomerInformed = Open, nil, nil, nil, nil, false
			c.AcknowledgeBy, c.ResolveBy, c.Escalated = now.Add(term[0]), now.Add(term[1]), false
		}
		if err := fe.Err(); err != nil {
			return err
		}
		data["to"] = string(c.Status)
		prev := c.Version
		c.Version++
		c.UpdatedAt = now
		if err := s.repo.Update(ctx, c, prev); err != nil {
			return err
		}
		out = c
		switch st.Action {
		case Acknowledge:
			err = s.notifier.NotifyComplaint(ctx, "complaint.acknowledged", c.ID, c.CustomerID, map[string]any{"severity": string(c.Severity)})
		case Resolve:
			err = s.notifier.NotifyComplaint(ctx, "complaint.resolved", c.ID, c.CustomerID, map[string]any{"resolution": *c.Resolution})
		}
		if err != nil {
			return err
		}
		return s.events.Append(ctx, domain.NewEvent("complaint", c.ID, string(st.Action), actor.UserID, now, data))
	})
	if err != nil {
		return Complaint{}, fmt.Errorf("%s complaint: %w", st.Action, err)
	}
	return out, nil
}

// Escalate marks overdue complaints escalated, with an event each; the
// River job calls it. It acts as the system.
func (s *Service) Escalate(ctx context.Context) (int64, error) {
	now := s.clock.Now()
	var n int64
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		due, err := s.repo.DueForEscalation(ctx, now, 500)
		if err != nil {
			return err
		}
		for _, c := range due {
			prev := c.Version
			c.Escalated, c.Version, c.UpdatedAt = true, c.Version+1, now
			if err := s.repo.Update(ctx, c, prev); err != nil {
				return err
			}
			if err := s.notifier.NotifyComplaint(ctx, "complaint.escalated", c.ID, c.CustomerID, map[string]any{
				"severity": string(c.Severity), "status": string(c.Status)}); err != nil {
				return err
			}
			if err := s.events.Append(ctx, domain.NewEvent("complaint", c.ID, "escalated", uuid.Nil, now,
				map[string]any{"status": string(c.Status), "acknowledge_by": c.AcknowledgeBy, "resolve_by": c.ResolveBy})); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("escalate complaints: %w", err)
	}
	return n, nil
}
