package app

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/api"
	"github.com/fieldwork/fieldwork/domain"
	domauth "github.com/fieldwork/fieldwork/domain/auth"
	"github.com/fieldwork/fieldwork/domain/billing"
	"github.com/fieldwork/fieldwork/domain/callback"
	"github.com/fieldwork/fieldwork/domain/complaint"
	"github.com/fieldwork/fieldwork/domain/custody"
	"github.com/fieldwork/fieldwork/domain/inquiry"
	"github.com/fieldwork/fieldwork/domain/notify"
	"github.com/fieldwork/fieldwork/domain/photo"
	"github.com/fieldwork/fieldwork/domain/user"
	"github.com/fieldwork/fieldwork/domain/vehicle"
	"github.com/fieldwork/fieldwork/domain/workorder"
	"github.com/fieldwork/fieldwork/infra/auth"
	"github.com/fieldwork/fieldwork/infra/jobs"
	"github.com/fieldwork/fieldwork/infra/store"
)

// A service's questions about other aggregates are answered by adapters
// here, one per consumer interface: plain facts come from the other
// aggregate's store, and anything a rule decides (a warranty, a bill total)
// from that aggregate's own service. The store holds no cross-aggregate type.

// orderDirectory answers the work-order service's questions about
// customers, vehicles, technicians, warranties and bills.
type orderDirectory struct {
	db *store.DB
	// custody and billing are set once built: they need the work-order
	// service themselves.
	custody *custody.Service
	billing *billing.Service
	// The money questions (workorder.Money) go to fee notices and payments.
	*orderMoney
}

var _ workorder.Directory = (*orderDirectory)(nil)

// CustomerExists implements workorder.Directory.
func (d *orderDirectory) CustomerExists(ctx context.Context, id uuid.UUID) (bool, error) {
	return d.db.Customers().CustomerExists(ctx, id)
}

// VehiclesOfCustomer implements workorder.Directory.
func (d *orderDirectory) VehiclesOfCustomer(ctx context.Context, customerID uuid.UUID, ids []uuid.UUID) (bool, error) {
	return d.db.Vehicles().OfCustomer(ctx, customerID, ids)
}

// CustomerContact implements workorder.Directory.
func (d *orderDirectory) CustomerContact(ctx context.Context, id uuid.UUID) (workorder.Contact, error) {
	c, err := d.db.Customers().ByID(ctx, id)
	if err != nil {
		return workorder.Contact{}, err
	}
	return workorder.Contact{Name: c.ContactName, Phone: c.Phone, Address: c.Address}, nil
}

// Technician implements workorder.Directory.
func (d *orderDirectory) Technician(ctx context.Context, id uuid.UUID) (workorder.Technician, error) {
	return d.db.Users().Technician(ctx, id)
}

// Technicians implements workorder.Directory.
func (d *orderDirectory) Technicians(ctx context.Context) ([]workorder.Technician, error) {
	return d.db.Users().Technicians(ctx)
}

// OpenOrderCounts implements workorder.Directory.
func (d *orderDirectory) OpenOrderCounts(ctx context.Context) (map[uuid.UUID]int, error) {
	return d.db.WorkOrders().OpenOrderCounts(ctx)
}

// Warranty implements workorder.Directory with custody's warranty rule.
func (d *orderDirectory) Warranty(ctx context.Context, vehicleID uuid.UUID, day time.Time) (workorder.WarrantySnapshot, error) {
	terminalID, w, err := d.custody.VehicleWarranty(ctx, vehicleID, day)
	if err != nil || terminalID == uuid.Nil {
		return workorder.WarrantySnapshot{}, err
	}
	return workorder.WarrantySnapshot{TerminalID: terminalID, InWarranty: w.InWarranty, EndsOn: w.EndsOn}, nil
}

// BillTotal implements workorder.Directory with billing's rule.
func (d *orderDirectory) BillTotal(ctx context.Context, orderID uuid.UUID, install, inWarranty bool) (int64, error) {
	return d.billing.Total(ctx, billing.Order{ID: orderID, Install: install, InWarranty: inWarranty})
}

// complaintCustomers answers the complaint service's questions about
// customers and their orders.
type complaintCustomers struct{ db *store.DB }

var _ complaint.Customers = complaintCustomers{}

// CustomerExists implements complaint.Customers.
func (c complaintCustomers) CustomerExists(ctx context.Context, id uuid.UUID) (bool, error) {
	return c.db.Customers().CustomerExists(ctx, id)
}

// OrderOfCustomer implements complaint.Customers.
func (c complaintCustomers) OrderOfCustomer(ctx context.Context, orderID, customerID uuid.UUID) (bool, error) {
	return c.db.WorkOrders().OfCustomer(ctx, orderID, customerID)
}

// inquiryStaff answers the inquiry ledger's questions about its owners and
// customers.
type inquiryStaff struct{ db *store.DB }

var _ inquiry.Staff = inquiryStaff{}

// IsDeskStaff implements inquiry.Staff: an enabled admin, manager or dispatcher.
func (s inquiryStaff) IsDeskStaff(ctx context.Context, userID uuid.UUID) (bool, error) {
	return s.db.Users().EnabledInRole(ctx, userID, domain.RoleAdmin, domain.RoleManager, domain.RoleDispatcher)
}

// CustomerExists implements inquiry.Staff.
func (s inquiryStaff) CustomerExists(ctx context.Context, id uuid.UUID) (bool, error) {
	return s.db.Customers().CustomerExists(ctx, id)
}

// What the wiring hands a service as it is, and the adapters in this
// package, implement the interfaces their consumers declare. (Repositories
// are asserted beside their store types.)
var (
	_ user.CustomerChecker     = store.Customers{}
	_ vehicle.CustomerChecker  = store.Customers{}
	_ user.Hasher              = (*auth.Passwords)(nil)
	_ domauth.PasswordVerifier = (*auth.Passwords)(nil)
	_ domain.EventStore        = store.Events{}
	_ custody.Photos           = store.Photos{}
	_ custody.Orders           = custodyOrders{}
	_ custody.Vehicles         = plates{}
	_ billing.Orders           = billingOrders{}
	_ notify.Queue             = (*lateQueue)(nil)
	_ workorder.Notifier       = notifyAdapter{}
	_ callback.Notifier        = notifyAdapter{}
	_ complaint.Notifier       = notifyAdapter{}
	_ workorder.Callbacks      = (*callback.Service)(nil)
	_ jobs.Pruner              = (*domauth.Service)(nil)
	_ jobs.Pruner              = (*photo.Service)(nil)
	_ jobs.Deliverer           = (*notify.Service)(nil)
	_ domain.Clock             = domain.SystemClock{}
	_ api.Authenticator        = (*domauth.Service)(nil)
)
