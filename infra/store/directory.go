package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/billing"
	"github.com/fieldwork/fieldwork/domain/custody"
	"github.com/fieldwork/fieldwork/domain/workorder"
)

// Directory answers the work-order service's questions about customers,
// vehicles and technicians.
type Directory struct{ db *DB }

var _ workorder.Directory = Directory{}

// Directory returns the cross-aggregate lookups.
func (db *DB) Directory() Directory { return Directory{db} }

// CustomerExists reports whether a customer exists. Every create asks, so
// the statement is written by hand.
func (s Directory) CustomerExists(ctx context.Context, id uuid.UUID) (bool, error) {
	var n int64
	if err := s.db.sqlConn(ctx).QueryRowContext(ctx, "SELECT count(*) FROM customers WHERE id = $1", id).Scan(&n); err != nil {
		return false, fmt.Errorf("check customer: %w", err)
	}
	return n > 0, nil
}

// VehiclesOfCustomer reports whether every id is one of the customer's vehicles.
func (s Directory) VehiclesOfCustomer(ctx context.Context, customerID uuid.UUID, ids []uuid.UUID) (bool, error) {
	if len(ids) == 0 {
		return true, nil
	}
	args := make([]any, 0, len(ids)+1)
	for _, id := range ids {
		args = append(args, id)
	}
	args = append(args, customerID)
	var n int64
	err := s.db.sqlConn(ctx).QueryRowContext(ctx, "SELECT count(*) FROM vehicles WHERE id IN ("+placeholders(len(ids))+") AND customer_id = $"+
		strconv.Itoa(len(args)), args...).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("check vehicles: %w", err)
	}
	return n == int64(len(ids)), nil
}

type technicianRow struct {
	ID          uuid.UUID
	DisplayName string
	Phone       *string
	Disabled    bool
	OnDuty      bool
	Skills      string
	Lat, Lng    *float64
	RecordedAt  *time.Time
}

func (r technicianRow) domain() workorder.Technician {
	return workorder.Technician{ID: r.ID, DisplayName: r.DisplayName, Phone: r.Phone, Enabled: !r.Disabled, OnDuty: r.OnDuty,
		Skills: parseSkills(r.Skills), Lat: r.Lat, Lng: r.Lng, LastSeenAt: utcPtr(r.RecordedAt)}
}

func (s Directory) technicians(ctx context.Context) *gorm.DB {
	return s.db.conn(ctx).Table("users AS u").
		Select("u.id, u.display_name, u.phone, u.disabled, u.on_duty, u.skills, l.lat, l.lng, l.recorded_at").
		Joins("LEFT JOIN technician_locations AS l ON l.user_id = u.id").
		Where("u.role = ?", string(domain.RoleTechnician))
}

// Technician finds a user of role technician.
func (s Directory) Technician(ctx context.Context, id uuid.UUID) (workorder.Technician, error) {
	var r technicianRow
	if err := s.technicians(ctx).Where("u.id = ?", id).Take(&r).Error; err != nil {
		return workorder.Technician{}, notFound(err, "technician")
	}
	return r.domain(), nil
}

// Technicians lists every technician with its latest position, in one query.
func (s Directory) Technicians(ctx context.Context) ([]workorder.Technician, error) {
	var rows []technicianRow
	if err := s.technicians(ctx).Order("u.id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list technicians: %w", err)
	}
	out := make([]workorder.Technician, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// OpenOrderCounts counts each technician's open orders, in one query.
func (s Directory) OpenOrderCounts(ctx context.Context) (map[uuid.UUID]int, error) {
	var rows []struct {
		TechnicianID uuid.UUID
		N            int
	}
	err := s.db.conn(ctx).Model(&workOrderRow{}).Select("technician_id, count(*) AS n").
		Where("technician_id IS NOT NULL AND status IN " + openStatuses).Group("technician_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count open orders: %w", err)
	}
	out := make(map[uuid.UUID]int, len(rows))
	for _, r := range rows {
		out[r.TechnicianID] = r.N
	}
	return out, nil
}

// Warranty is the warranty on day of the terminal installed on a vehicle.
func (s Directory) Warranty(ctx context.Context, vehicleID uuid.UUID, day time.Time) (workorder.WarrantySnapshot, error) {
	// The installed terminal in one read (not its id, then its row, and
	// never the SIM): approving a repair runs this.
	var rows []terminalRow
	if err := s.db.conn(ctx).Where("vehicle_id = ? AND status = 'installed'", vehicleID).Limit(1).Find(&rows).Error; err != nil {
		return workorder.WarrantySnapshot{}, fmt.Errorf("terminal on vehicle: %w", err)
	}
	if len(rows) == 0 {
		return workorder.WarrantySnapshot{}, nil
	}
	t := rows[0].domain()
	m, err := s.db.Custody().Model(ctx, t.ModelID)
	if err != nil {
		return workorder.WarrantySnapshot{}, err
	}
	w := custody.WarrantyOf(t, m.WarrantyMonths, day)
	return workorder.WarrantySnapshot{TerminalID: t.ID, InWarranty: w.InWarranty, EndsOn: w.EndsOn}, nil
}

// BillTotal is what the customer pays for the order under the warranty rule.
func (s Directory) BillTotal(ctx context.Context, orderID uuid.UUID, install, inWarranty bool) (int64, error) {
	lines, err := s.db.Billing().Lines(ctx, orderID)
	if err != nil {
		return 0, err
	}
	return billing.Compute(billing.Order{ID: orderID, Install: install, InWarranty: inWarranty}, lines).Total, nil
}
