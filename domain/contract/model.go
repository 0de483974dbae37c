// Package contract keeps customers' service contracts (服务合同): the days
// each is in force, the vehicles it covers, its arrival and repair limits
// per priority, and the warranty of units installed under it. A work order
// takes its terms from the contract in force on its vehicles when it is
// created, and records are archived under the contract's number.
package contract

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Priorities are the work-order priorities a contract may set terms for,
// most urgent first. (The work-order package owns the type; a contract
// names them by their text.)
var Priorities = []string{"urgent", "high", "normal", "low"}

// MaxTermMinutes bounds a term: a year.
const MaxTermMinutes = 525600

// Term is one priority's limits: on site within Respond of the order's
// creation, completed within Resolve (time on hold excluded).
type Term struct {
	Respond, Resolve time.Duration
}

// Contract is a customer's service contract.
type Contract struct {
	ID         uuid.UUID
	Number     string // unique; the archive prefix
	CustomerID uuid.UUID
	StartsOn   time.Time // first day in force, at midnight UTC
	EndsOn     time.Time // last day in force, at midnight UTC
	// VehicleIDs are the vehicles covered; nil covers all the customer's,
	// those added later too.
	VehicleIDs []uuid.UUID
	// SLA has the terms per priority; a priority left out falls back to
	// the service's default terms.
	SLA map[string]Term
	// WarrantyMonths is the warranty of terminals first installed under
	// the contract, in place of their model's; nil keeps the model's.
	WarrantyMonths *int
	Version        int
	CreatedBy      uuid.UUID
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// AllVehicles reports whether the contract covers all the customer's vehicles.
func (c Contract) AllVehicles() bool { return c.VehicleIDs == nil }

// InForce reports whether the contract is in force on the UTC day of t.
func (c Contract) InForce(t time.Time) bool {
	d := Day(t)
	return !d.Before(c.StartsOn) && !d.After(c.EndsOn)
}

// Covers reports whether the contract covers the vehicle (on the days it
// is in force).
func (c Contract) Covers(vehicleID uuid.UUID) bool {
	return c.AllVehicles() || slices.Contains(c.VehicleIDs, vehicleID)
}

// Clashes reports whether c and o could both cover one vehicle on one day:
// the same customer, overlapping days, and a vehicle in common (a contract
// over all vehicles has every vehicle in common).
func (c Contract) Clashes(o Contract) bool {
	if c.ID == o.ID || c.CustomerID != o.CustomerID || c.EndsOn.Before(o.StartsOn) || o.EndsOn.Before(c.StartsOn) {
		return false
	}
	if c.AllVehicles() || o.AllVehicles() {
		return true
	}
	for _, v := range c.VehicleIDs {
		if slices.Contains(o.VehicleIDs, v) {
			return true
		}
	}
	return false
}

// Day is the UTC calendar day of t, at midnight.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Filter narrows List. Zero values mean "any".
type Filter struct {
	CustomerID uuid.UUID
	ActiveOn   *time.Time // in force on this day
}

// Repository stores contracts.
type Repository interface {
	// Insert adds c; a number already taken is a conflict.
	Insert(ctx context.Context, c Contract) error
	// Update saves c if its stored version is still prevVersion, else a
	// precondition-failed error.
	Update(ctx context.Context, c Contract, prevVersion int) error
	ByID(ctx context.Context, id uuid.UUID) (Contract, error)
	// List pages through contracts in creation order.
	List(ctx context.Context, f Filter, p domain.PageRequest) (domain.Page[Contract], error)
	// Overlapping lists the customer's contracts in force on any day from
	// from to to (both included).
	Overlapping(ctx context.Context, customerID uuid.UUID, from, to time.Time) ([]Contract, error)
	// LockCustomer makes writers of one customer's contracts take turns
	// until the caller's transaction ends, so that two clashing contracts
	// can't both be written.
	LockCustomer(ctx context.Context, customerID uuid.UUID) error
}

// Directory answers the contract service's questions about customers and
// vehicles.
type Directory interface {
	CustomerExists(ctx context.Context, id uuid.UUID) (bool, error)
	// VehiclesOfCustomer reports whether every id is a vehicle of the customer.
	VehiclesOfCustomer(ctx context.Context, customerID uuid.UUID, ids []uuid.UUID) (bool, error)
}
