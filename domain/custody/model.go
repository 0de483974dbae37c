// Package custody is the registry of GPS terminals and SIM cards and the
// chain of custody of every unit: where it is, what happened to it, who did
// it, and whether it is under warranty. Installs and swaps happen on work
// orders, which this package names by id only.
package custody

import (
	"time"

	"github.com/google/uuid"
)

// TerminalModel is a kind of terminal with its warranty term.
type TerminalModel struct {
	ID             uuid.UUID
	Name           string
	Manufacturer   string
	WarrantyMonths int
	CreatedAt      time.Time
}

// TerminalStatus is where a terminal is.
type TerminalStatus string

// Terminal statuses.
const (
	TerminalInStock           TerminalStatus = "in_stock"
	TerminalInstalled         TerminalStatus = "installed"
	TerminalReturnedForRepair TerminalStatus = "returned_for_repair"
	TerminalScrapped          TerminalStatus = "scrapped"
)

// SimStatus is where a SIM card is.
type SimStatus string

// SIM statuses.
const (
	SimInStock     SimStatus = "in_stock"
	SimInstalled   SimStatus = "installed"
	SimDeactivated SimStatus = "deactivated"
)

// Terminal is a GPS tracker.
type Terminal struct {
	ID          uuid.UUID
	Serial      string
	IMEI        string
	ModelID     uuid.UUID
	Firmware    *string
	Status      TerminalStatus
	CustomerID  uuid.UUID // set while installed
	VehicleID   uuid.UUID // set while installed
	InstalledAt *time.Time
	// FirstInstalledOn is the day its warranty started (a date, UTC midnight).
	FirstInstalledOn *time.Time
	// WarrantyMonths is the warranty of the contract it was first installed
	// under, in place of its model's; nil keeps the model's.
	WarrantyMonths *int
	// Label is what a unit taken back for repair carries: plate and fault.
	Label     *string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Sim is a SIM card.
type Sim struct {
	ID          uuid.UUID
	ICCID       string
	MSISDN      string
	Carrier     string
	Status      SimStatus
	CustomerID  uuid.UUID
	VehicleID   uuid.UUID
	InstalledAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// UnitKind says whether a swap concerns a terminal or a SIM card.
type UnitKind string

// The two kinds of unit.
const (
	KindTerminal UnitKind = "terminal"
	KindSim      UnitKind = "sim"
)

// Action is an installation or a swap recorded on a work order.
type Action struct {
	ID           uuid.UUID
	WorkOrderID  uuid.UUID
	Install      bool // an installation; otherwise a swap of Kind
	Kind         UnitKind
	VehicleID    uuid.UUID
	TerminalID   uuid.UUID // installations
	SimID        uuid.UUID // installations
	OldID, NewID uuid.UUID // swaps
	Reason       string    // swaps
	PhotoIDs     []uuid.UUID
	TechnicianID uuid.UUID
	At           time.Time
}

// Warranty is a terminal's warranty at a moment.
type Warranty struct {
	InWarranty bool
	StartsOn   *time.Time
	EndsOn     *time.Time // the last day covered
}

// WarrantyOf computes a terminal's warranty on day: warrantyMonths (its
// model's, unless the contract it was first installed under set its own)
// from its first install, the end day included. A unit never installed has
// none yet.
func WarrantyOf(t Terminal, warrantyMonths int, day time.Time) Warranty {
	if t.FirstInstalledOn == nil {
		return Warranty{}
	}
	if t.WarrantyMonths != nil {
		warrantyMonths = *t.WarrantyMonths
	}
	start := dateOf(*t.FirstInstalledOn)
	end := start.AddDate(0, warrantyMonths, -1)
	d := dateOf(day)
	return Warranty{InWarranty: !d.Before(start) && !d.After(end), StartsOn: &start, EndsOn: &end}
}

// dateOf is the UTC calendar day of t.
func dateOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
