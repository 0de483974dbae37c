package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

type eventRow struct {
	ID            uuid.UUID
	AggregateType string
	AggregateID   uuid.UUID
	Type          string
	ActorID       *uuid.UUID
	At            time.Time
	Data          string
}

func (eventRow) TableName() string { return "events" }

// Events is the append-only event log.
type Events struct{ db *DB }

var _ domain.EventLog = Events{}

// Events returns the event log.
func (db *DB) Events() Events { return Events{db} }

// Append writes e in the transaction of ctx.
func (s Events) Append(ctx context.Context, e domain.Event) error {
	data, err := json.Marshal(e.Data)
	if err != nil {
		return fmt.Errorf("encode event data: %w", err)
	}
	if e.Data == nil {
		data = []byte("{}")
	}
	var actor *uuid.UUID
	if e.ActorID != uuid.Nil {
		actor = &e.ActorID
	}
	if _, err := s.db.sqlConn(ctx).ExecContext(ctx, "INSERT INTO events (id, aggregate_type, aggregate_id, type, actor_id, at, data) VALUES ($1, $2, $3, $4, $5, $6, $7)",
		e.ID, e.AggregateType, e.AggregateID, e.Type, actor, e.At.UTC(), string(data)); err != nil {
		return fmt.Errorf("append event %s: %w", e.Type, err)
	}
	return nil
}

// For lists the events of one aggregate, oldest first.
func (s Events) For(ctx context.Context, aggregateID uuid.UUID) ([]domain.Event, error) {
	var rows []eventRow
	if err := s.db.conn(ctx).Where("aggregate_id = ?", aggregateID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	out := make([]domain.Event, len(rows))
	for i, r := range rows {
		e := domain.Event{ID: r.ID, AggregateType: r.AggregateType, AggregateID: r.AggregateID, Type: r.Type, At: r.At.UTC()}
		if r.ActorID != nil {
			e.ActorID = *r.ActorID
		}
		if err := json.Unmarshal([]byte(r.Data), &e.Data); err != nil {
			return nil, fmt.Errorf("decode event %s: %w", r.ID, err)
		}
		out[i] = e
	}
	return out, nil
}
