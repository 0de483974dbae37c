// Package workorder is the heart of the product: install and repair orders
// moving through a strict lifecycle, every step an event with who, when and
// where, so that response and repair times are measured, not guessed.
package workorder

import (
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"
)

// Type is install or repair.
type Type string

// The two kinds of work.
const (
	Install Type = "install"
	Repair  Type = "repair"
)

// Status is where an order is in its lifecycle.
type Status string

// The lifecycle (see transitions.go).
const (
	Requested Status = "requested"
	Approved  Status = "approved"
	Assigned  Status = "assigned"
	Accepted  Status = "accepted"
	EnRoute   Status = "en_route"
	OnSite    Status = "on_site"
	OnHold    Status = "on_hold"
	Completed Status = "completed"
	Closed    Status = "closed"
	Cancelled Status = "cancelled"
)

// Open reports whether work on the order is still to be done.
func (s Status) Open() bool {
	switch s {
	case Completed, Closed, Cancelled:
		return false
	}
	return true
}

// Priority sets the SLA.
type Priority string

// Priorities, most urgent first.
const (
	Urgent Priority = "urgent"
	High   Priority = "high"
	Normal Priority = "normal"
	Low    Priority = "low"
)

// Priorities lists the priorities, most urgent first.
var Priorities = []Priority{Urgent, High, Normal, Low}

// ParsePriority reads a priority.
func ParsePriority(s string) (Priority, error) {
	if p := Priority(s); slices.Contains(Priorities, p) {
		return p, nil
	}
	return "", errors.New("must be one of low, normal, high, urgent")
}

// Site is where the work happens.
type Site struct {
	Address  string
	Lat, Lng *float64
}

// Contractor is an outside firm sent when no technician is free (外协厂家).
type Contractor struct {
	Name, Phone, Reason string
}

// CheckIn is the technician's position on arrival.
type CheckIn struct {
	Lat, Lng  float64
	AccuracyM *float64
	// DistanceM is from the site; nil when the site has no coordinates.
	DistanceM *float64
	// Far flags a check-in more than FarFromSiteM from the site.
	Far bool
	At  time.Time
}

// FarFromSiteM is the check-in distance beyond which an arrival is flagged.
const FarFromSiteM = 500

// Order is a work order.
type Order struct {
	ID             uuid.UUID
	Number         string
	Type           Type
	Status         Status
	Version        int
	CustomerID     uuid.UUID
	VehicleIDs     []uuid.UUID
	Site           Site
	Description    string
	FaultSymptoms  *string
	Priority       Priority
	ContactName    *string
	ContactPhone   *string
	ProductModel   *string
	PurchaseDate   *time.Time // a date, at midnight UTC
	RequiredSkills []string
	TechnicianID   uuid.UUID // zero when unassigned or with a contractor
	Contractor     *Contractor
	CheckIn        *CheckIn
	Resolution     *string
	HoldReason     *string
	HeldFrom       Status // the state a hold returns to
	CreatedBy      uuid.UUID
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// ChangeSeq orders changes in commit order, for the technician's sync.
	ChangeSeq int64
	// Feedback is the customer's rating, once given.
	Feedback *Feedback
	// Warranty is, for a repair order, the warranty of the vehicle's
	// terminal when the order was approved.
	Warranty *WarrantySnapshot
	// ContractID is the contract in force on the vehicles when the order
	// was created; zero under the service's default terms.
	ContractID uuid.UUID
	// Terms are that contract's SLA terms as they were then, merged with
	// the defaults; nil under the service's default terms. Editing the
	// contract later never moves the order's deadlines.
	Terms *SLATerms

	Times Times
}

// Times are the milestones the SLA and the durations are computed from.
// Each is the first time it happened, except CompletedAt (the latest).
type Times struct {
	RespondBy     time.Time
	ResolveBy     time.Time
	ApprovedAt    *time.Time
	DepartedAt    *time.Time
	ArrivedAt     *time.Time
	CompletedAt   *time.Time
	ClosedAt      *time.Time
	CancelledAt   *time.Time
	HoldStartedAt *time.Time
	// Paused is the total time on hold, not counting a hold still running.
	Paused time.Duration
}

// WarrantySnapshot is a terminal's warranty as recorded on an order.
type WarrantySnapshot struct {
	TerminalID uuid.UUID // zero when the vehicle had no terminal
	InWarranty bool
	EndsOn     *time.Time
}

// Feedback is a customer's rating of the work (客户满意度).
type Feedback struct {
	Rating  int
	Comment *string
	By      uuid.UUID
	At      time.Time
}
