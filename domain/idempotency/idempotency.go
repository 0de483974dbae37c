// Package idempotency is the ledger that makes retried POSTs safe: the
// technician app works on flaky networks and resends what it is not sure
// arrived (draft-ietf-httpapi-idempotency-key-header).
package idempotency

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// State says whether the first request with a key has finished.
type State string

// The states of a key.
const (
	InProgress State = "in_progress"
	Done       State = "done"
)

// Record is one key of one user and, once done, the response to replay.
type Record struct {
	UserID      uuid.UUID
	Key         string
	Method      string
	Path        string
	RequestHash string
	State       State
	Status      int
	Header      map[string]string
	Body        []byte
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// Store keeps the ledger. Claim and Complete run in the transaction of the
// work itself, so the claim, the work and its recorded response commit
// together; a concurrent retry's Claim, on any instance, waits for that
// transaction to end. TakeOver and Release serve keys that an earlier
// release claimed on their own.
type Store interface {
	// Claim records rec as in progress unless the key is already held; then
	// it returns the record that holds it. An expired record is replaced.
	Claim(ctx context.Context, rec Record) (held Record, claimed bool, err error)
	Get(ctx context.Context, userID uuid.UUID, key string) (Record, error)
	// TakeOver re-claims a key whose first request has been in progress
	// since before staleBefore (its process died).
	TakeOver(ctx context.Context, userID uuid.UUID, key string, staleBefore, now time.Time) (bool, error)
	Complete(ctx context.Context, rec Record) error
	Release(ctx context.Context, userID uuid.UUID, key string) error
	Prune(ctx context.Context, now time.Time) (int64, error)
}
