package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/callback"
)

type callbackRow struct {
	ID                  uuid.UUID
	CustomerID          uuid.UUID
	VehicleID           uuid.UUID
	WorkOrderID         uuid.UUID
	InstalledAt         time.Time
	Seq                 int
	DueAt               time.Time
	Status              string
	Version             int
	Attempts            int
	Outcome             *string
	Satisfaction        *int
	Notes               *string
	FollowUpWorkOrderID *uuid.UUID
	CompletedAt         *time.Time
	AnnouncedAt         *time.Time
}

func (callbackRow) TableName() string { return "callbacks" }

func toCallbackRow(c callback.Callback) callbackRow {
	r := callbackRow{ID: c.ID, CustomerID: c.CustomerID, VehicleID: c.VehicleID, WorkOrderID: c.WorkOrderID, InstalledAt: c.InstalledAt.UTC(),
		Seq: c.Seq, DueAt: c.DueAt.UTC(), Status: string(c.Status), Version: c.Version, Attempts: c.Attempts, Satisfaction: c.Satisfaction,
		Notes: c.Notes, FollowUpWorkOrderID: optID(c.FollowUpOrderID), CompletedAt: utcPtr(c.CompletedAt), AnnouncedAt: utcPtr(c.AnnouncedAt)}
	if c.Outcome != nil {
		o := string(*c.Outcome)
		r.Outcome = &o
	}
	return r
}

func (r callbackRow) domain() callback.Callback {
	c := callback.Callback{ID: r.ID, CustomerID: r.CustomerID, VehicleID: r.VehicleID, WorkOrderID: r.WorkOrderID, InstalledAt: r.InstalledAt.UTC(),
		Seq: r.Seq, DueAt: r.DueAt.UTC(), Status: callback.Status(r.Status), Version: r.Version, Attempts: r.Attempts,
		Satisfaction: r.Satisfaction, Notes: r.Notes, FollowUpOrderID: idOf(r.FollowUpWorkOrderID), CompletedAt: utcPtr(r.CompletedAt), AnnouncedAt: utcPtr(r.AnnouncedAt)}
	if r.Outcome != nil {
		o := callback.Outcome(*r.Outcome)
		c.Outcome = &o
	}
	return c
}

// Callbacks stores callbacks.
type Callbacks struct{ db *DB }

var _ callback.Repository = Callbacks{}

// Callbacks returns the callback repository.
func (db *DB) Callbacks() Callbacks { return Callbacks{db} }

// Insert plans a callback.
func (s Callbacks) Insert(ctx context.Context, c callback.Callback) error {
	row := toCallbackRow(c)
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert callback: %w", err)
	}
	return nil
}

// Update saves every field of c while its version is still prevVersion.
func (s Callbacks) Update(ctx context.Context, c callback.Callback, prevVersion int) error {
	row := toCallbackRow(c)
	res := s.db.conn(ctx).Model(&callbackRow{}).Where("id = ? AND version = ?", c.ID, prevVersion).
		Select("*").Updates(&row)
	if res.Error != nil {
		return fmt.Errorf("update callback: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return domain.Conflict("another call on this callback was recorded meanwhile; reload it")
	}
	return nil
}

// ByID finds a callback.
func (s Callbacks) ByID(ctx context.Context, id uuid.UUID) (callback.Callback, error) {
	var r callbackRow
	if err := s.db.conn(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return callback.Callback{}, notFound(err, "callback")
	}
	return r.domain(), nil
}

// List pages through callbacks, soonest due first (keyset on due_at, id).
func (s Callbacks) List(ctx context.Context, f callback.Filter, p domain.PageRequest) (domain.Page[callback.Callback], error) {
	q := s.db.conn(ctx).Model(&callbackRow{})
	if f.DueBefore != nil {
		q = q.Where("due_at < ?", f.DueBefore.UTC())
	}
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.CustomerID != uuid.Nil {
		q = q.Where("customer_id = ?", f.CustomerID)
	}
	if p.After != "" {
		keys, err := decodeCursor(p.After, 2)
		if err != nil {
			return domain.Page[callback.Callback]{}, err
		}
		at, err1 := time.Parse(time.RFC3339Nano, keys[0])
		id, err2 := uuid.Parse(keys[1])
		if err1 != nil || err2 != nil {
			return domain.Page[callback.Callback]{}, domain.BadRequest("cursor", "malformed cursor")
		}
		q = q.Where("(due_at > ? OR (due_at = ? AND id > ?))", at, at, id)
	}
	var rows []callbackRow
	if err := q.Order("due_at, id").Limit(p.Limit + 1).Find(&rows).Error; err != nil {
		return domain.Page[callback.Callback]{}, fmt.Errorf("list callbacks: %w", err)
	}
	page := domain.Page[callback.Callback]{Items: []callback.Callback{}}
	if len(rows) > p.Limit {
		rows = rows[:p.Limit]
		last := rows[len(rows)-1]
		page.Next = encodeCursor(last.DueAt.UTC().Format(time.RFC3339Nano), last.ID.String())
	}
	for _, r := range rows {
		page.Items = append(page.Items, r.domain())
	}
	return page, nil
}

// DueUnannounced lists scheduled callbacks due by now not announced yet.
func (s Callbacks) DueUnannounced(ctx context.Context, now time.Time, limit int) ([]callback.Callback, error) {
	var rows []callbackRow
	err := s.db.conn(ctx).Where("status = ? AND announced_at IS NULL AND due_at <= ?", string(callback.Scheduled), now.UTC()).
		Order("due_at, id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("callbacks due: %w", err)
	}
	out := make([]callback.Callback, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// MarkAnnounced sets announced_at on c alone, while it is as it was read.
func (s Callbacks) MarkAnnounced(ctx context.Context, c callback.Callback, at time.Time) (bool, error) {
	res := s.db.conn(ctx).Model(&callbackRow{}).
		Where("id = ? AND status = ? AND announced_at IS NULL AND due_at = ?", c.ID, string(callback.Scheduled), c.DueAt.UTC()).
		Update("announced_at", at.UTC())
	if res.Error != nil {
		return false, fmt.Errorf("mark callback announced: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}
