// Package callback schedules and records the calls back to customers after
// installs (回访): monthly in a vehicle's first year, quarterly after.
package callback

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Status is where a callback is.
type Status string

// The statuses.
const (
	Scheduled   Status = "scheduled"
	Done        Status = "done"
	Unreachable Status = "unreachable" // three tries without an answer
)

// Outcome is how a call went.
type Outcome string

// The outcomes.
const (
	Reached  Outcome = "reached"
	NoAnswer Outcome = "no_answer"
	Refused  Outcome = "refused"
)

// MaxTries is how many times one callback is tried before it is given up.
const MaxTries = 3

// RetryAfter is when an unanswered call is tried again.
const RetryAfter = 48 * time.Hour

// Callback is one call to make about one installed vehicle.
type Callback struct {
	ID              uuid.UUID
	CustomerID      uuid.UUID
	VehicleID       uuid.UUID
	WorkOrderID     uuid.UUID // the install order
	InstalledAt     time.Time
	Seq             int
	DueAt           time.Time
	Status          Status
	Version         int // one more with each call recorded; the ETag
	Attempts        int
	Outcome         *Outcome
	Satisfaction    *int
	Notes           *string
	FollowUpOrderID uuid.UUID
	CompletedAt     *time.Time
	AnnouncedAt     *time.Time // when the desk was told it is due; nil again once it is moved
}

// DueAt is when the seq-th callback after an install falls due: monthly for
// the first 12, then every three months.
func DueAt(installed time.Time, seq int) time.Time {
	if seq <= 12 {
		return installed.AddDate(0, seq, 0)
	}
	return installed.AddDate(0, 12+3*(seq-12), 0)
}

// Filter narrows List.
type Filter struct {
	DueBefore  *time.Time
	Status     Status
	CustomerID uuid.UUID
}

// Repository stores callbacks.
type Repository interface {
	Insert(ctx context.Context, c Callback) error
	// Update saves c if its stored version is still prevVersion; otherwise
	// a conflict, as another call was recorded meanwhile.
	Update(ctx context.Context, c Callback, prevVersion int) error
	ByID(ctx context.Context, id uuid.UUID) (Callback, error)
	// List pages through callbacks, soonest due first.
	List(ctx context.Context, f Filter, p domain.PageRequest) (domain.Page[Callback], error)
	// DueUnannounced lists scheduled callbacks due by now that the desk
	// was not told of yet, at most limit, soonest first.
	DueUnannounced(ctx context.Context, now time.Time, limit int) ([]Callback, error)
	// MarkAnnounced records that the desk was told of c at at, only while c
	// is still scheduled, unannounced and due when it was read; false when a
	// concurrent change got there first. It writes nothing else, so it
	// cannot undo a call recorded meanwhile.
	MarkAnnounced(ctx context.Context, c Callback, at time.Time) (bool, error)
}

// Notifier tells the desk staff, in the caller's transaction.
type Notifier interface {
	Notify(ctx context.Context, topic string, orderID, customerID uuid.UUID, data map[string]any) error
}

// Repairs opens the repair request a follow-up asks for.
type Repairs interface {
	// OpenFollowUp opens a repair request for the callback's vehicle, in
	// the caller's transaction, and returns the order's id.
	OpenFollowUp(ctx context.Context, c Callback) (uuid.UUID, error)
}

// Service runs callbacks.
type Service struct {
	repo     Repository
	repairs  Repairs
	notifier Notifier
	tx       domain.Transactor
	events   domain.EventLog
	clock    domain.Clock
}

// NewService wires callbacks.
func NewService(repo Repository, repairs Repairs, notifier Notifier, tx domain.Transactor, events domain.EventLog, clock domain.Clock) *Service {
	return &Service{repo: repo, repairs: repairs, notifier: notifier, tx: tx, events: events, clock: clock}
}

// AnnounceDue tells the desk staff of callbacks that fell due, once each
// (again after a no_answer moves one), with an event per callback; the
// River job calls it as the system.
func (s *Service) AnnounceDue(ctx context.Context) (int64, error) {
	now := s.clock.Now()
	var n int64
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		due, err := s.repo.DueUnannounced(ctx, now, 500)
		if err != nil {
			return err
		}
		for _, c := range due {
			ok, err := s.repo.MarkAnnounced(ctx, c, now)
			if err != nil {
				return err
			}
			if !ok {
				continue // completed or moved since it was read: nothing to announce
			}
			data := map[string]any{"callback_id": c.ID.String(), "vehicle_id": c.VehicleID.String(), "seq": c.Seq,
				"attempt": c.Attempts + 1, "due_at": c.DueAt.Format(time.RFC3339)}
			if err := s.notifier.Notify(ctx, "callback.due", c.WorkOrderID, c.CustomerID, data); err != nil {
				return err
			}
			if err := s.events.Append(ctx, domain.NewEvent("callback", c.ID, "callback.due", uuid.Nil, now, data)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("announce due callbacks: %w", err)
	}
	return n, nil
}

// Schedule plans the first callback for each vehicle of a completed install
// order, in the caller's transaction. The work-order service calls it as
// the system.
func (s *Service) Schedule(ctx context.Context, orderID, customerID uuid.UUID, vehicleIDs []uuid.UUID, installedAt time.Time) error {
	for _, v := range vehicleIDs {
		c := Callback{ID: domain.NewID(), CustomerID: customerID, VehicleID: v, WorkOrderID: orderID, InstalledAt: installedAt.UTC(),
			Seq: 1, DueAt: DueAt(installedAt.UTC(), 1), Status: Scheduled, Version: 1}
		if err := s.repo.Insert(ctx, c); err != nil {
			return fmt.Errorf("schedule callback: %w", err)
		}
	}
	return nil
}

// visible is the callback if the actor may act on it: staff. A customer
// user is refused its own customer's (403); anyone else finds none (404).
func (s *Service) visible(ctx context.Context, id uuid.UUID) (domain.Actor, Callback, error) {
	actor, c, err := domain.ReadLedger(ctx, id, s.repo.ByID, func(c Callback) uuid.UUID { return c.CustomerID }, "callback")
	if err == nil && !actor.IsStaff() {
		err = domain.Forbidden("only staff make callbacks")
	}
	return actor, c, err
}

// Get returns one callback (staff).
func (s *Service) Get(ctx context.Context, id uuid.UUID) (Callback, error) {
	_, c, err := s.visible(ctx, id)
	if err != nil {
		return Callback{}, fmt.Errorf("callback %s: %w", id, err)
	}
	return c, nil
}

// retryEarly reports whether recording a no_answer on c at now would come
// before its retry is due: the tries are spaced, not spent at once.
func retryEarly(c Callback, now time.Time) bool {
	return c.Attempts > 0 && now.Before(c.DueAt)
}

// AllowedActions are the outcomes the actor in ctx may record on c now:
// staff on a scheduled callback, no_answer only once a retry is due.
func (s *Service) AllowedActions(ctx context.Context, c Callback) []Outcome {
	actor, ok := domain.ActorFrom(ctx)
	if !ok || !actor.IsStaff() || c.Status != Scheduled {
		return []Outcome{}
	}
	if retryEarly(c, s.clock.Now()) {
		return []Outcome{Reached, Refused}
	}
	return []Outcome{Reached, NoAnswer, Refused}
}

// List pages through callbacks (staff).
func (s *Service) List(ctx context.Context, f Filter, p domain.PageRequest) (domain.Page[Callback], error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return domain.Page[Callback]{}, err
	}
	if !actor.IsStaff() {
		return domain.Page[Callback]{}, domain.Forbidden("only staff make callbacks")
	}
	return s.repo.List(ctx, f, p.Normalize())
}

// Result is how a call went.
type Result struct {
	Outcome      Outcome
	Satisfaction *int
	Notes        *string
	FollowUp     bool
}

// Complete records a call. reached or refused closes the callback and plans
// the next; no_answer tries again two days later, at most three tries in
// all, and is refused before the retry is due. A follow-up opens a repair
// request, in the same transaction. The checks run as
// for work orders: 404, 403, state 409, If-Match (428, 412), input 422.
func (s *Service) Complete(ctx context.Context, id uuid.UUID, version *int, r Result) (Callback, error) {
	var out Callback
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		actor, c, err := s.visible(ctx, id)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		if c.Status != Scheduled {
			return domain.Conflict("the callback is %s already", c.Status)
		}
		if r.Outcome == NoAnswer && retryEarly(c, now) {
			return domain.Conflict("the retry is due at %s; an unanswered call before then is not a try", c.DueAt.Format(time.RFC3339))
		}
		if err := domain.MatchVersion("callback", c.Version, version); err != nil {
			return err
		}
		var fe domain.FieldErrors
		if r.Satisfaction != nil && (*r.Satisfaction < 1 || *r.Satisfaction > 5) {
			fe.Add("satisfaction", "must be 1 to 5")
		}
		if r.Satisfaction != nil && r.Outcome != Reached {
			fe.Add("satisfaction", "is only for a call that reached the customer")
		}
		if r.FollowUp && r.Outcome != Reached {
			fe.Add("follow_up", "needs a call that reached the customer")
		}
		notes := domain.OptionalText(&fe, "notes", r.Notes, 2000)
		if err := fe.Err(); err != nil {
			return err
		}
		outcome := r.Outcome
		prev := c.Version
		c.Attempts++
		c.Version++
		c.Outcome, c.Notes = &outcome, notes
		next := false
		switch {
		case outcome == NoAnswer && c.Attempts < MaxTries:
			c.DueAt, c.AnnouncedAt = now.Add(RetryAfter), nil
		case outcome == NoAnswer:
			c.Status, c.CompletedAt, next = Unreachable, &now, true
		default:
			c.Status, c.CompletedAt, c.Satisfaction, next = Done, &now, r.Satisfaction, true
		}
		if r.FollowUp {
			if c.FollowUpOrderID, err = s.repairs.OpenFollowUp(ctx, c); err != nil {
				return err
			}
		}
		if err := s.repo.Update(ctx, c, prev); err != nil {
			return err
		}
		if next {
			n := Callback{ID: domain.NewID(), CustomerID: c.CustomerID, VehicleID: c.VehicleID, WorkOrderID: c.WorkOrderID,
				InstalledAt: c.InstalledAt, Seq: c.Seq + 1, DueAt: DueAt(c.InstalledAt, c.Seq+1), Status: Scheduled, Version: 1}
			if err := s.repo.Insert(ctx, n); err != nil {
				return err
			}
		}
		out = c
		data := map[string]any{"outcome": string(outcome), "attempt": c.Attempts, "status": string(c.Status)}
		if c.FollowUpOrderID != uuid.Nil {
			data["follow_up_work_order_id"] = c.FollowUpOrderID.String()
		}
		return s.events.Append(ctx, domain.NewEvent("callback", c.ID, "callback.call", actor.UserID, now, data))
	})
	if err != nil {
		return Callback{}, fmt.Errorf("complete callback: %w", err)
	}
	return out, nil
}
