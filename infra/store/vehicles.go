package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/vehicle"
)

type vehicleRow struct {
	ID          uuid.UUID
	CustomerID  uuid.UUID
	Plate       string
	Vin         *string
	Model       *string
	DriverName  *string
	DriverPhone *string
	SearchText  string
	// Read only: the units installed now, selected with the row.
	TerminalID *uuid.UUID `gorm:"->"`
	SimID      *uuid.UUID `gorm:"->"`
	CreatedAt  time.Time
	UpdatedAt  time.Time `gorm:"autoUpdateTime:false"` // the service's clock, not gorm's
}

func (vehicleRow) TableName() string { return "vehicles" }

func toVehicleRow(v vehicle.Vehicle) vehicleRow {
	return vehicleRow{ID: v.ID, CustomerID: v.CustomerID, Plate: v.Plate, Vin: v.VIN, Model: v.Model, DriverName: v.DriverName,
		DriverPhone: v.DriverPhone, SearchText: v.SearchText(), CreatedAt: v.CreatedAt.UTC(), UpdatedAt: v.UpdatedAt.UTC()}
}

func (r vehicleRow) domain() vehicle.Vehicle {
	return vehicle.Vehicle{ID: r.ID, CustomerID: r.CustomerID, Plate: r.Plate, VIN: r.Vin, Model: r.Model, DriverName: r.DriverName,
		DriverPhone: r.DriverPhone, TerminalID: idOf(r.TerminalID), SimID: idOf(r.SimID), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// withUnits selects a vehicle with the units installed on it.
func withUnits(q *gorm.DB) *gorm.DB {
	return q.Select(`vehicles.*,
		(SELECT t.id FROM terminals t WHERE t.vehicle_id = vehicles.id AND t.status = 'installed') AS terminal_id,
		(SELECT s.id FROM sims s WHERE s.vehicle_id = vehicles.id AND s.status = 'installed') AS sim_id`)
}

// Vehicles stores vehicles.
type Vehicles struct{ db *DB }

var _ vehicle.Repository = Vehicles{}

// Vehicles returns the vehicle repository.
func (db *DB) Vehicles() Vehicles { return Vehicles{db} }

func plateConflict(err error, plate string) error {
	if _, ok := uniqueViolation(err); ok {
		return domain.Conflict("plate %s is already registered for this customer", plate)
	}
	return err
}

// Insert adds a vehicle; a plate the customer already has is a conflict.
func (s Vehicles) Insert(ctx context.Context, v vehicle.Vehicle) error {
	row := toVehicleRow(v)
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert vehicle: %w", plateConflict(err, v.Plate))
	}
	return nil
}

// Update saves every field of v; a missing vehicle is not found.
func (s Vehicles) Update(ctx context.Context, v vehicle.Vehicle) error {
	row := toVehicleRow(v)
	// Select("*") keeps Save from inserting the row when no row matched.
	res := s.db.conn(ctx).Select("*").Save(&row)
	if res.Error != nil {
		return fmt.Errorf("update vehicle: %w", plateConflict(res.Error, v.Plate))
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("vehicle")
	}
	return nil
}

// ByID finds a vehicle.
func (s Vehicles) ByID(ctx context.Context, id uuid.UUID) (vehicle.Vehicle, error) {
	var r vehicleRow
	if err := withUnits(s.db.conn(ctx).Model(&vehicleRow{})).Take(&r, "vehicles.id = ?", id).Error; err != nil {
		return vehicle.Vehicle{}, notFound(err, "vehicle")
	}
	return r.domain(), nil
}

// List pages through vehicles in creation order.
func (s Vehicles) List(ctx context.Context, f vehicle.Filter, p domain.PageRequest) (domain.Page[vehicle.Vehicle], error) {
	q := withUnits(s.db.conn(ctx).Model(&vehicleRow{}))
	if f.CustomerID != uuid.Nil {
		q = q.Where("customer_id = ?", f.CustomerID)
	}
	if f.Query != "" {
		q = q.Where(`search_text LIKE ? ESCAPE '\'`, likeContains(f.Query))
	}
	page, err := pageByID(q, p, func(r vehicleRow) uuid.UUID { return r.ID }, vehicleRow.domain)
	if err != nil {
		return page, fmt.Errorf("list vehicles: %w", err)
	}
	return page, nil
}

// OfCustomer reports whether every id is one of the customer's vehicles.
func (s Vehicles) OfCustomer(ctx context.Context, customerID uuid.UUID, ids []uuid.UUID) (bool, error) {
	if len(ids) == 0 {
		return true, nil
	}
	// Every create asks, so the statement is written by hand.
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
