// Package inquiry is the customer-service ledger of inquiries (咨询,
// 客服前台工作台帐): each answered at once or by an agreed time, and owned by
// the staff member who took it until it is handed over on record
// (首问负责制). An inquiry asked through the portal waits unowned in the
// desk's queue until someone takes it.
package inquiry

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Status is open (a reply is due) or answered.
type Status string

// The statuses.
const (
	Open     Status = "open"
	Answered Status = "answered"
)

// Channel is how the inquiry came in.
type Channel string

// The channels.
const (
	Phone  Channel = "phone"
	Letter Channel = "letter"
	Visit  Channel = "visit"
	Portal Channel = "portal"
	Email  Channel = "email"
)

// Inquiry is one entry of the ledger.
type Inquiry struct {
	ID          uuid.UUID
	CustomerID  uuid.UUID // zero for a caller who is not (yet) a customer
	CallerName  string
	CallerPhone string
	Channel     Channel
	Question    string
	Answer      *string
	ReplyDueAt  *time.Time
	Status      Status
	Version     int       // guards each change against a concurrent one
	OwnerID     uuid.UUID // zero while it waits in the desk's queue
	TakenBy     uuid.UUID // the staff member who first took it; zero while queued
	WorkOrderID uuid.UUID
	CreatedAt   time.Time
	UpdatedAt   time.Time
	AnsweredAt  *time.Time
}

// Overdue reports whether a reply is late at now.
func (q Inquiry) Overdue(now time.Time) bool {
	return q.Status == Open && q.ReplyDueAt != nil && q.ReplyDueAt.Before(now)
}

// NewInquiry is the input of Create.
type NewInquiry struct {
	CustomerID              uuid.UUID
	CallerName, CallerPhone string
	Channel                 Channel
	Question                string
	Answer                  *string
	ReplyDueAt              *time.Time
}

// Filter narrows List.
type Filter struct {
	Status     Status
	OwnerID    uuid.UUID
	Unowned    bool // the desk's queue: nobody has taken them yet
	CustomerID uuid.UUID
	Overdue    bool
	Now        time.Time
}

// Repository is the storage the ledger needs.
type Repository interface {
	Insert(ctx context.Context, q Inquiry) error
	// Update saves q if its stored version is still prevVersion; otherwise
	// a conflict, as another change got there first.
	Update(ctx context.Context, q Inquiry, prevVersion int) error
	ByID(ctx context.Context, id uuid.UUID) (Inquiry, error)
	List(ctx context.Context, f Filter, p domain.PageRequest) (domain.Page[Inquiry], error)
}

// Staff tells whether a user may own inquiries: an enabled admin, manager or dispatcher.
type Staff interface {
	IsDeskStaff(ctx context.Context, userID uuid.UUID) (bool, error)
	CustomerExists(ctx context.Context, id uuid.UUID) (bool, error)
}

// Service runs the ledger.
type Service struct {
	repo   Repository
	staff  Staff
	tx     domain.Transactor
	events domain.EventStore
	clock  domain.Clock
}

// NewService wires the ledger.
func NewService(repo Repository, staff Staff, tx domain.Transactor, events domain.EventStore, clock domain.Clock) *Service {
	return &Service{repo: repo, staff: staff, tx: tx, events: events, clock: clock}
}

// Clock is the ledger's clock, for judging what is overdue.
func (s *Service) Clock() domain.Clock { return s.clock }

func (s *Service) event(ctx context.Context, q Inquiry, typ string, actor uuid.UUID, data map[string]any) error {
	return s.events.Append(ctx, domain.NewEvent("inquiry", q.ID, typ, actor, q.UpdatedAt, data))
}

// Create records an inquiry. Staff own what they record; a customer user's
// question lands unowned in the desk's queue, to be taken by staff.
func (s *Service) Create(ctx context.Context, in NewInquiry) (Inquiry, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Inquiry{}, err
	}
	owner := actor.UserID
	var fe domain.FieldErrors
	switch {
	case actor.IsStaff():
	case actor.Role == domain.RoleCustomer:
		if in.Answer != nil || in.ReplyDueAt != nil {
			return Inquiry{}, domain.Forbidden("a customer user asks; the desk answers and agrees the reply time")
		}
		if in.CustomerID != uuid.Nil && in.CustomerID != actor.CustomerID {
			fe.Add("customer_id", "a customer user asks for its own customer only")
		}
		if in.Channel != Portal {
			fe.Add("channel", "a customer user's inquiries come through the portal")
		}
		in.CustomerID, owner = actor.CustomerID, uuid.Nil
	default:
		return Inquiry{}, domain.Forbidden("this role does not take inquiries")
	}
	now := s.clock.Now()
	q := Inquiry{ID: domain.NewID(), CustomerID: in.CustomerID, Channel: in.Channel, Status: Open, Version: 1, OwnerID: owner, TakenBy: owner,
		CreatedAt: now, UpdatedAt: now,
		CallerName:  domain.Text(&fe, "caller_name", in.CallerName, 1, 100),
		CallerPhone: domain.Phone(&fe, "caller_phone", in.CallerPhone),
		Question:    domain.Text(&fe, "question", in.Question, 1, 4000),
		Answer:      domain.OptionalText(&fe, "answer", in.Answer, 4000)}
	switch {
	case q.Answer != nil:
		q.Status, q.AnsweredAt = Answered, &now
	case owner == uuid.Nil:
		// Queued: the staff member who takes it agrees the reply time.
	case in.ReplyDueAt == nil:
		fe.Add("reply_due_at", "is required when the inquiry is not answered at once")
	case !in.ReplyDueAt.After(now):
		fe.Add("reply_due_at", "must be in the future")
	default:
		due := in.ReplyDueAt.UTC()
		q.ReplyDueAt = &due
	}
	if err := fe.Err(); err != nil {
		return Inquiry{}, err
	}
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if q.CustomerID != uuid.Nil {
			ok, err := s.staff.CustomerExists(ctx, q.CustomerID)
			if err != nil {
				return err
			}
			if !ok {
				return domain.Invalid("customer_id", "no such customer")
			}
		}
		if err := s.repo.Insert(ctx, q); err != nil {
			return err
		}
		return s.event(ctx, q, "created", actor.UserID, map[string]any{"status": string(q.Status), "channel": string(q.Channel)})
	})
	if err != nil {
		return Inquiry{}, fmt.Errorf("record inquiry: %w", err)
	}
	return q, nil
}

// visible is the inquiry if the actor may read it (404 otherwise).
func (s *Service) visible(ctx context.Context, id uuid.UUID) (domain.Actor, Inquiry, error) {
	return domain.ReadLedger(ctx, id, s.repo.ByID, func(q Inquiry) uuid.UUID { return q.CustomerID }, "inquiry")
}

// Get returns an inquiry and its timeline.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (Inquiry, []domain.Event, error) {
	_, q, err := s.visible(ctx, id)
	if err != nil {
		return Inquiry{}, nil, err
	}
	evs, err := s.events.For(ctx, id)
	return q, evs, err
}

// List pages through the ledger: staff every customer's, a customer user its own.
func (s *Service) List(ctx context.Context, f Filter, p domain.PageRequest) (domain.Page[Inquiry], error) {
	actor, err := domain.MustActor(ctx)
	if err == nil {
		f.CustomerID, err = actor.LedgerScope(f.CustomerID, "the inquiry ledger")
	}
	if err != nil {
		return domain.Page[Inquiry]{}, err
	}
	f.Now = s.clock.Now()
	return s.repo.List(ctx, f, p.Normalize())
}

// save writes q, one version on from prev, with its events, all at q.UpdatedAt.
func (s *Service) save(ctx context.Context, q *Inquiry, actor uuid.UUID, events ...event) error {
	prev := q.Version
	q.Version++
	if err := s.repo.Update(ctx, *q, prev); err != nil {
		return err
	}
	for _, e := range events {
		if err := s.event(ctx, *q, e.typ, actor, e.data); err != nil {
			return err
		}
	}
	return nil
}

// event is a timeline entry about to be written.
type event struct {
	typ  string
	data map[string]any
}

// take makes the actor the owner of a queued inquiry (首问负责制).
func take(q *Inquiry, actor uuid.UUID) event {
	q.OwnerID, q.TakenBy = actor, actor
	return event{"taken", map[string]any{"owner": actor.String()}}
}

// Take gives an open inquiry that nobody owns to the staff member who takes
// it first. Taking one already yours changes nothing; one owned by someone
// else is a conflict (ask for a handover).
func (s *Service) Take(ctx context.Context, id uuid.UUID, replyDueAt *time.Time) (Inquiry, error) {
	var out Inquiry
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		actor, q, err := s.visible(ctx, id)
		if err != nil {
			return err
		}
		if !actor.IsStaff() {
			return domain.Forbidden("only desk staff take inquiries")
		}
		out = q
		switch {
		case q.Status != Open:
			return domain.Conflict("the inquiry is answered already")
		case q.OwnerID == actor.UserID:
			return nil
		case q.OwnerID != uuid.Nil:
			return domain.Conflict("the inquiry is owned by %s already; ask for a handover", q.OwnerID)
		}
		q.UpdatedAt = s.clock.Now()
		if replyDueAt != nil {
			if !replyDueAt.After(q.UpdatedAt) {
				return domain.Invalid("reply_due_at", "must be in the future")
			}
			due := replyDueAt.UTC()
			q.ReplyDueAt = &due
		}
		e := take(&q, actor.UserID)
		if err := s.save(ctx, &q, actor.UserID, e); err != nil {
			return err
		}
		out = q
		return nil
	})
	if err != nil {
		return Inquiry{}, fmt.Errorf("take inquiry: %w", err)
	}
	return out, nil
}

// change runs fn on an open inquiry for its owner, a manager or an admin.
// Staff acting on an inquiry nobody owns take it first (首问负责制).
// Customer users never change inquiries.
func (s *Service) change(ctx context.Context, id uuid.UUID, what string, fn func(ctx context.Context, actor domain.Actor, q *Inquiry) (string, map[string]any, error)) (Inquiry, error) {
	var out Inquiry
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		actor, q, err := s.visible(ctx, id)
		if err != nil {
			return err
		}
		switch {
		case !actor.IsStaff():
			return domain.Forbidden("only desk staff %s inquiries", what)
		case q.OwnerID != uuid.Nil && q.OwnerID != actor.UserID && !actor.Is(domain.RoleAdmin, domain.RoleManager):
			return domain.Forbidden("only the inquiry's owner, a manager or an admin may %s it", what)
		}
		if q.Status != Open {
			return domain.Conflict("the inquiry is answered already")
		}
		q.UpdatedAt = s.clock.Now()
		var events []event
		if q.OwnerID == uuid.Nil {
			events = append(events, take(&q, actor.UserID))
		}
		typ, data, err := fn(ctx, actor, &q)
		if err != nil {
			return err
		}
		if err := s.save(ctx, &q, actor.UserID, append(events, event{typ, data})...); err != nil {
			return err
		}
		out = q
		return nil
	})
	if err != nil {
		return Inquiry{}, fmt.Errorf("%s inquiry: %w", what, err)
	}
	return out, nil
}

// HandOver passes an open inquiry to another desk member, on record.
func (s *Service) HandOver(ctx context.Context, id, to uuid.UUID, note string) (Inquiry, error) {
	return s.change(ctx, id, "hand over", func(ctx context.Context, _ domain.Actor, q *Inquiry) (string, map[string]any, error) {
		var fe domain.FieldErrors
		n := domain.Text(&fe, "note", note, 1, 500)
		if err := fe.Err(); err != nil {
			return "", nil, err
		}
		ok, err := s.staff.IsDeskStaff(ctx, to)
		if err != nil {
			return "", nil, err
		}
		if !ok {
			return "", nil, domain.Invalid("to_user_id", "must be an enabled admin, manager or dispatcher")
		}
		from := q.OwnerID
		q.OwnerID = to
		return "handover", map[string]any{"from": from.String(), "to": to.String(), "note": n}, nil
	})
}

// Answer records the reply: open → answered.
func (s *Service) Answer(ctx context.Context, id uuid.UUID, answer string) (Inquiry, error) {
	return s.change(ctx, id, "answer", func(_ context.Context, _ domain.Actor, q *Inquiry) (string, map[string]any, error) {
		var fe domain.FieldErrors
		a := domain.Text(&fe, "answer", answer, 1, 4000)
		if err := fe.Err(); err != nil {
			return "", nil, err
		}
		q.Answer, q.Status, q.AnsweredAt = &a, Answered, &q.UpdatedAt
		return "answered", map[string]any{"late": q.ReplyDueAt != nil && q.ReplyDueAt.Before(q.UpdatedAt)}, nil
	})
}

// convertible is the inquiry if the actor may turn it into a work order now.
func (s *Service) convertible(ctx context.Context, id uuid.UUID) (domain.Actor, Inquiry, error) {
	actor, q, err := s.visible(ctx, id)
	if err != nil {
		return actor, Inquiry{}, err
	}
	if !actor.IsStaff() {
		return actor, Inquiry{}, domain.Forbidden("only staff turn inquiries into work orders")
	}
	if q.WorkOrderID != uuid.Nil {
		return actor, Inquiry{}, domain.Conflict("the inquiry became work order %s already", q.WorkOrderID)
	}
	return actor, q, nil
}

// ConvertibleInquiry checks that the actor may turn the inquiry into a work
// order now (404, 403, 409 once it became one), and returns its customer:
// uuid.Nil for a caller who is not a customer yet.
func (s *Service) ConvertibleInquiry(ctx context.Context, id uuid.UUID) (uuid.UUID, error) {
	_, q, err := s.convertible(ctx, id)
	if err != nil {
		return uuid.Nil, fmt.Errorf("inquiry to work order: %w", err)
	}
	return q.CustomerID, nil
}

// LinkWorkOrder records, in the caller's transaction, that the inquiry
// became the order of the customer; an inquiry without a customer takes
// the order's.
func (s *Service) LinkWorkOrder(ctx context.Context, id, orderID, customerID uuid.UUID) error {
	actor, q, err := s.convertible(ctx, id)
	if err != nil {
		return fmt.Errorf("inquiry to work order: %w", err)
	}
	if q.CustomerID != uuid.Nil && customerID != q.CustomerID {
		return domain.Invalid("customer_id", "must be the inquiry's customer")
	}
	q.WorkOrderID, q.UpdatedAt = orderID, s.clock.Now()
	if q.CustomerID == uuid.Nil {
		q.CustomerID = customerID
	}
	if err := s.save(ctx, &q, actor.UserID, event{"work_order", map[string]any{"work_order_id": orderID.String()}}); err != nil {
		return fmt.Errorf("inquiry to work order: %w", err)
	}
	return nil
}
