// Package inquiry is the customer-service ledger of inquiries (咨询,
// 客服前台工作台帐): each answered at once or by an agreed time, and owned by
// whoever took it until it is handed over on record (首问负责制).
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
	OwnerID     uuid.UUID
	TakenBy     uuid.UUID
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
	CustomerID uuid.UUID
	Overdue    bool
	Now        time.Time
}

// Repository is the storage the ledger needs.
type Repository interface {
	Insert(ctx context.Context, q Inquiry) error
	Update(ctx context.Context, q Inquiry) error
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

// Create records an inquiry; the actor owns it.
func (s *Service) Create(ctx context.Context, in NewInquiry) (Inquiry, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Inquiry{}, err
	}
	var fe domain.FieldErrors
	switch {
	case actor.IsStaff():
	case actor.Role == domain.RoleCustomer:
		if in.CustomerID != uuid.Nil && in.CustomerID != actor.CustomerID {
			fe.Add("customer_id", "a customer user asks for its own customer only")
		}
		if in.Channel != Portal {
			fe.Add("channel", "a customer user's inquiries come through the portal")
		}
		in.CustomerID = actor.CustomerID
	default:
		return Inquiry{}, domain.Forbidden("this role does not take inquiries")
	}
	now := s.clock.Now()
	q := Inquiry{ID: domain.NewID(), CustomerID: in.CustomerID, Channel: in.Channel, Status: Open, OwnerID: actor.UserID, TakenBy: actor.UserID,
		CreatedAt: now, UpdatedAt: now,
		CallerName:  domain.Text(&fe, "caller_name", in.CallerName, 1, 100),
		CallerPhone: domain.Phone(&fe, "caller_phone", in.CallerPhone),
		Question:    domain.Text(&fe, "question", in.Question, 1, 4000),
		Answer:      domain.OptionalText(&fe, "answer", in.Answer, 4000)}
	switch {
	case q.Answer != nil:
		q.Status, q.AnsweredAt = Answered, &now
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

// visible returns the inquiry if the actor may see it.
func (s *Service) visible(ctx context.Context, id uuid.UUID) (domain.Actor, Inquiry, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return actor, Inquiry{}, err
	}
	q, err := s.repo.ByID(ctx, id)
	if err != nil {
		return actor, Inquiry{}, err
	}
	if !actor.IsStaffOrOwner(q.CustomerID) {
		return actor, Inquiry{}, domain.NotFound("inquiry")
	}
	return actor, q, nil
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

// List pages through the ledger.
func (s *Service) List(ctx context.Context, f Filter, p domain.PageRequest) (domain.Page[Inquiry], error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return domain.Page[Inquiry]{}, err
	}
	switch {
	case actor.IsStaff():
	case actor.Role == domain.RoleCustomer:
		f.CustomerID = actor.CustomerID
	default:
		return domain.Page[Inquiry]{}, domain.Forbidden("this role does not read the inquiry ledger")
	}
	f.Now = s.clock.Now()
	return s.repo.List(ctx, f, p.Normalize())
}

// change runs fn on an open inquiry owned by the actor (or a supervisor's).
func (s *Service) change(ctx context.Context, id uuid.UUID, what string, fn func(ctx context.Context, actor domain.Actor, q *Inquiry) (string, map[string]any, error)) (Inquiry, error) {
	var out Inquiry
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		actor, q, err := s.visible(ctx, id)
		if err != nil {
			return err
		}
		if q.OwnerID != actor.UserID && !actor.Is(domain.RoleAdmin, domain.RoleManager) {
			return domain.Forbidden("only the inquiry's owner, or a manager, may %s it", what)
		}
		if q.Status != Open {
			return domain.Conflict("the inquiry is answered already")
		}
		q.UpdatedAt = s.clock.Now()
		typ, data, err := fn(ctx, actor, &q)
		if err != nil {
			return err
		}
		if err := s.repo.Update(ctx, q); err != nil {
			return err
		}
		out = q
		return s.event(ctx, q, typ, actor.UserID, data)
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

// ToWorkOrder turns an inquiry into a work order, once, and links the two.
// create makes the order in the same transaction and returns its id and
// customer.
func (s *Service) ToWorkOrder(ctx context.Context, id uuid.UUID, create func(ctx context.Context) (orderID, customerID uuid.UUID, err error)) error {
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		actor, q, err := s.visible(ctx, id)
		if err != nil {
			return err
		}
		if !actor.IsStaff() {
			return domain.Forbidden("only staff turn inquiries into work orders")
		}
		if q.WorkOrderID != uuid.Nil {
			return domain.Conflict("the inquiry became work order %s already", q.WorkOrderID)
		}
		orderID, customerID, err := create(ctx)
		if err != nil {
			return err
		}
		if q.CustomerID != uuid.Nil && customerID != q.CustomerID {
			return domain.Invalid("customer_id", "must be the inquiry's customer")
		}
		q.WorkOrderID, q.UpdatedAt = orderID, s.clock.Now()
		if q.CustomerID == uuid.Nil {
			q.CustomerID = customerID
		}
		if err := s.repo.Update(ctx, q); err != nil {
			return err
		}
		if err := s.events.Append(ctx, domain.NewEvent("work_order", orderID, "work_order.from_inquiry", actor.UserID, q.UpdatedAt,
			map[string]any{"inquiry_id": q.ID.String()})); err != nil {
			return err
		}
		return s.event(ctx, q, "work_order", actor.UserID, map[string]any{"work_order_id": orderID.String()})
	})
	if err != nil {
		return fmt.Errorf("inquiry to work order: %w", err)
	}
	return nil
}
