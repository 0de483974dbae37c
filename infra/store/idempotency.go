package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain/idempotency"
)

type idempotencyRow struct {
	UserID         uuid.UUID
	Key            string
	Method         string
	Path           string
	RequestHash    string
	State          string
	ResponseStatus *int
	ResponseHeader *string
	ResponseBody   []byte
	CreatedAt      time.Time
	ExpiresAt      time.Time
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

func (r idempotencyRow) domain() idempotency.Record {
	rec := idempotency.Record{UserID: r.UserID, Key: r.Key, Method: r.Method, Path: r.Path, RequestHash: r.RequestHash,
		State: idempotency.State(r.State), Body: r.ResponseBody, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}
	if r.ResponseStatus != nil {
		rec.Status = *r.ResponseStatus
	}
	if r.ResponseHeader != nil {
		_ = json.Unmarshal([]byte(*r.ResponseHeader), &rec.Header)
	}
	return rec
}

// Idempotency stores the idempotency-key ledger.
type Idempotency struct{ db *DB }

var _ idempotency.Store = Idempotency{}

// Idempotency returns the idempotency-key ledger.
func (db *DB) Idempotency() Idempotency { return Idempotency{db} }

// Claim inserts the key as in progress unless it is held.
func (s Idempotency) Claim(ctx context.Context, rec idempotency.Record) (idempotency.Record, bool, error) {
	for range 2 {
		res, err := s.db.sqlConn(ctx).ExecContext(ctx, `INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, state, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
			rec.UserID, rec.Key, rec.Method, rec.Path, rec.RequestHash, string(idempotency.InProgress), rec.CreatedAt.UTC(), rec.ExpiresAt.UTC())
		if err != nil {
			return idempotency.Record{}, false, fmt.Errorf("claim idempotency key: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return idempotency.Record{}, false, fmt.Errorf("claim idempotency key: %w", err)
		}
		if n == 1 {
			return rec, true, nil
		}
		held, err := s.Get(ctx, rec.UserID, rec.Key)
		if err != nil {
			return idempotency.Record{}, false, err
		}
		if held.ExpiresAt.After(rec.CreatedAt) {
			return held, false, nil
		}
		if err := s.db.conn(ctx).Where("user_id = ? AND key = ? AND expires_at <= ?", rec.UserID, rec.Key, rec.CreatedAt.UTC()).
			Delete(&idempotencyRow{}).Error; err != nil {
			return idempotency.Record{}, false, fmt.Errorf("replace expired idempotency key: %w", err)
		}
	}
	return idempotency.Record{}, false, fmt.Errorf("claim idempotency key: lost twice")
}

// Get reads a key.
func (s Idempotency) Get(ctx context.Context, userID uuid.UUID, key string) (idempotency.Record, error) {
	var r idempotencyRow
	if err := s.db.conn(ctx).Take(&r, "user_id = ? AND key = ?", userID, key).Error; err != nil {
		return idempotency.Record{}, notFound(err, "idempotency key")
	}
	return r.domain(), nil
}

// TakeOver re-claims a stale in-progress key.
func (s Idempotency) TakeOver(ctx context.Context, userID uuid.UUID, key string, staleBefore, now time.Time) (bool, error) {
	res := s.db.conn(ctx).Model(&idempotencyRow{}).
		Where("user_id = ? AND key = ? AND state = ? AND created_at < ?", userID, key, string(idempotency.InProgress), staleBefore.UTC()).
		Update("created_at", now.UTC())
	if res.Error != nil {
		return false, fmt.Errorf("take over idempotency key: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Complete stores the response to replay.
func (s Idempotency) Complete(ctx context.Context, rec idempotency.Record) error {
	header, err := json.Marshal(rec.Header)
	if err != nil {
		return fmt.Errorf("encode idempotent response: %w", err)
	}
	_, err = s.db.sqlConn(ctx).ExecContext(ctx, `UPDATE idempotency_keys SET state = $1, response_status = $2, response_header = $3, response_body = $4
		WHERE user_id = $5 AND key = $6`, string(idempotency.Done), rec.Status, string(header), rec.Body, rec.UserID, rec.Key)
	if err != nil {
		return fmt.Errorf("complete idempotency key: %w", err)
	}
	return nil
}

// Release frees a key whose request failed, so a retry runs again.
func (s Idempotency) Release(ctx context.Context, userID uuid.UUID, key string) error {
	err := s.db.conn(ctx).Where("user_id = ? AND key = ? AND state = ?", userID, key, string(idempotency.InProgress)).
		Delete(&idempotencyRow{}).Error
	if err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}

// Prune deletes expired keys.
func (s Idempotency) Prune(ctx context.Context, now time.Time) (int64, error) {
	res := s.db.conn(ctx).Where("expires_at < ?", now.UTC()).Delete(&idempotencyRow{})
	if res.Error != nil {
		return 0, fmt.Errorf("prune idempotency keys: %w", res.Error)
	}
	return res.RowsAffected, nil
}
