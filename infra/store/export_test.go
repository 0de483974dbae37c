package store

import (
	"context"
	"fmt"
	"sync"

	"github.com/google/uuid"
	"gorm.io/gorm/schema"

	"github.com/fieldwork/fieldwork/domain/workorder"
)

// What the external tests need to hold the hand-written work-order scan to
// the row struct gorm reads and writes.

// WorkOrderColumns is the column list scanWorkOrder reads.
const WorkOrderColumns = workOrderColumns

// WorkOrderRowColumns are the columns gorm maps workOrderRow's fields to,
// in field order.
func WorkOrderRowColumns(db *DB) ([]string, error) {
	s, err := schema.Parse(&workOrderRow{}, &sync.Map{}, db.gorm.NamingStrategy)
	if err != nil {
		return nil, fmt.Errorf("parse workOrderRow: %w", err)
	}
	var out []string
	for _, f := range s.Fields {
		if f.DBName != "" {
			out = append(out, f.DBName)
		}
	}
	return out, nil
}

// WorkOrderRowOf is the row an order is stored as.
func WorkOrderRowOf(o workorder.Order) any { return toWorkOrderRow(o) }

// WorkOrderRowBothWays reads one stored row with gorm's reflective scan and
// with scanWorkOrder over workOrderColumns.
func WorkOrderRowBothWays(ctx context.Context, db *DB, id uuid.UUID) (viaGorm, byHand any, err error) {
	var g workOrderRow
	if err := db.conn(ctx).Take(&g, "id = ?", id).Error; err != nil {
		return nil, nil, fmt.Errorf("read with gorm: %w", err)
	}
	h, err := scanWorkOrder(db.sqlConn(ctx).QueryRowContext(ctx, "SELECT "+workOrderColumns+" FROM work_orders WHERE id = $1", id))
	if err != nil {
		return nil, nil, fmt.Errorf("read by hand: %w", err)
	}
	return g, h, nil
}
