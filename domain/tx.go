package domain

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Transactor runs fn in one database transaction carried by the context.
// Calls nest: an inner InTx joins the outer transaction, so a state change,
// its event row and any job it queues commit or roll back together.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// Clock tells the time; tests pass a fake one.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock in UTC.
type SystemClock struct{}

// Now is the current time in UTC, to the microsecond both databases keep.
func (SystemClock) Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// NewID returns a new UUIDv7: time-ordered, so keyset pages follow creation order.
func NewID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

// Event is one append-only row of an aggregate's history.
type Event struct {
	ID            uuid.UUID
	AggregateType string
	AggregateID   uuid.UUID
	Type          string
	ActorID       uuid.UUID // uuid.Nil for the system
	At            time.Time
	Data          map[string]any
}

// EventLog appends events inside the caller's transaction.
type EventLog interface {
	Append(ctx context.Context, e Event) error
}

// EventStore appends events and reads an aggregate's timeline back.
type EventStore interface {
	EventLog
	// For lists one aggregate's events, oldest first.
	For(ctx context.Context, aggregateID uuid.UUID) ([]Event, error)
}

// PageRequest asks for one keyset page. After is the opaque cursor of the
// previous page (empty for the first).
type PageRequest struct {
	Limit int
	After string
}

// DefaultLimit and MaxLimit bound every list.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Normalize applies the default page size.
func (p PageRequest) Normalize() PageRequest {
	if p.Limit <= 0 {
		p.Limit = DefaultLimit
	}
	if p.Limit > MaxLimit {
		p.Limit = MaxLimit
	}
	return p
}

// Page is one page of a list and the cursor of the next, empty on the last page.
type Page[T any] struct {
	Items []T
	Next  string
}

// NewEvent builds an event row with a fresh id.
func NewEvent(aggregateType string, id uuid.UUID, typ string, actor uuid.UUID, at time.Time, data map[string]any) Event {
	return Event{ID: NewID(), AggregateType: aggregateType, AggregateID: id, Type: typ, ActorID: actor, At: at, Data: data}
}
