package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/billing"
)

type billLineRow struct {
	ID                  uuid.UUID
	WorkOrderID         uuid.UUID
	Kind                string
	PartCode            *string
	Description         string
	Quantity            int
	UnitPrice           int64
	Minutes             *int
	Amount              int64
	CreatedBy           uuid.UUID
	At                  time.Time
	Code                *string
	OffList             bool
	PriceItemID         *uuid.UUID
	ListPrice           *int64
	PriceOverrideReason *string
}

func (billLineRow) TableName() string { return "bill_lines" }

func (r billLineRow) domain() billing.Line {
	return billing.Line{ID: r.ID, WorkOrderID: r.WorkOrderID, Kind: billing.Kind(r.Kind), PartCode: r.PartCode, Description: r.Description,
		Quantity: r.Quantity, UnitPrice: r.UnitPrice, Minutes: r.Minutes, Amount: r.Amount, CreatedBy: r.CreatedBy, At: r.At.UTC(),
		Code: r.Code, OffList: r.OffList, PriceItemID: r.PriceItemID, ListPrice: r.ListPrice, OverrideReason: r.PriceOverrideReason}
}

// Billing stores the parts and labour recorded on orders.
type Billing struct{ db *DB }

var _ billing.Repository = Billing{}

// Billing returns the bill-line repository.
func (db *DB) Billing() Billing { return Billing{db} }

// Insert records a line.
func (s Billing) Insert(ctx context.Context, l billing.Line) error {
	row := billLineRow{ID: l.ID, WorkOrderID: l.WorkOrderID, Kind: string(l.Kind), PartCode: l.PartCode, Description: l.Description,
		Quantity: l.Quantity, UnitPrice: l.UnitPrice, Minutes: l.Minutes, Amount: l.Amount, CreatedBy: l.CreatedBy, At: l.At.UTC(),
		Code: l.Code, OffList: l.OffList, PriceItemID: l.PriceItemID, ListPrice: l.ListPrice, PriceOverrideReason: l.OverrideReason}
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert bill line: %w", err)
	}
	return nil
}

// Lines lists an order's lines in the order they were recorded.
func (s Billing) Lines(ctx context.Context, orderID uuid.UUID) ([]billing.Line, error) {
	var rows []billLineRow
	if err := s.db.conn(ctx).Where("work_order_id = ?", orderID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list bill lines: %w", err)
	}
	out := make([]billing.Line, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// LockLines takes a transaction-scoped advisory lock on the order's lines on
// PostgreSQL. SQLite needs none: its write transactions are immediate, so
// writers already take turns.
func (s Billing) LockLines(ctx context.Context, orderID uuid.UUID) error {
	if s.db.dialect != Postgres {
		return nil
	}
	if err := s.db.conn(ctx).Exec("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", "bill_lines:"+orderID.String()).Error; err != nil {
		return fmt.Errorf("lock bill lines: %w", err)
	}
	return nil
}

// List pages through lines across orders in recording order; off-list
// lines by their partial index.
func (s Billing) List(ctx context.Context, f billing.LineFilter, p domain.PageRequest) (domain.Page[billing.Line], error) {
	q := s.db.conn(ctx).Model(&billLineRow{})
	if f.OffList != nil {
		if *f.OffList {
			q = q.Where("off_list")
		} else {
			q = q.Where("NOT off_list")
		}
	}
	if f.From != nil {
		q = q.Where("at >= ?", f.From.UTC())
	}
	if f.To != nil {
		q = q.Where("at < ?", f.To.UTC())
	}
	page, err := pageByID(q, p, func(r billLineRow) uuid.UUID { return r.ID }, billLineRow.domain)
	if err != nil {
		return page, fmt.Errorf("list bill lines: %w", err)
	}
	return page, nil
}
