package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain/billing"
	"github.com/fieldwork/fieldwork/domain/custody"
	"github.com/fieldwork/fieldwork/domain/notify"
	"github.com/fieldwork/fieldwork/domain/workorder"
	"github.com/fieldwork/fieldwork/infra/jobs"
	"github.com/fieldwork/fieldwork/infra/store"
)

// orderFacts answers custody's and billing's questions about work orders
// through the work-order service, so that its visibility rules apply.
type orderFacts struct{ orders *workorder.Service }

func (f orderFacts) get(ctx context.Context, id uuid.UUID) (workorder.Order, error) {
	return f.orders.Get(ctx, id)
}

// custodyOrders tells custody of an order, with the warranty its contract
// gives: a plain fact of the contract's row, read whoever installs.
type custodyOrders struct {
	orderFacts
	contracts store.Contracts
}

func (f custodyOrders) Order(ctx context.Context, id uuid.UUID) (custody.Order, error) {
	o, err := f.get(ctx, id)
	if err != nil {
		return custody.Order{}, err
	}
	out := custody.Order{ID: o.ID, CustomerID: o.CustomerID, VehicleIDs: o.VehicleIDs, OnSite: o.Status == workorder.OnSite,
		TechnicianID: o.TechnicianID}
	if o.ContractID != uuid.Nil {
		c, err := f.contracts.ByID(ctx, o.ContractID)
		if err != nil {
			return custody.Order{}, err
		}
		out.WarrantyMonths = c.WarrantyMonths
	}
	return out, nil
}

type billingOrders struct{ orderFacts }

func (f billingOrders) Order(ctx context.Context, id uuid.UUID) (billing.Order, error) {
	o, err := f.get(ctx, id)
	if err != nil {
		return billing.Order{}, err
	}
	return billingOrder(o), nil
}

func (f billingOrders) Orders(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]billing.Order, error) {
	orders, err := f.orders.GetMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID]billing.Order, len(orders))
	for id, o := range orders {
		out[id] = billingOrder(o)
	}
	return out, nil
}

// unitWork tells the work-order service what custody recorded on its
// orders. The service asks only about orders it has let the actor see.
type unitWork struct{ repo custody.Repository }

var _ workorder.Custody = (*unitWork)(nil)

// UnitWork implements workorder.Custody.
func (u *unitWork) UnitWork(ctx context.Context, orderIDs []uuid.UUID) (map[uuid.UUID][]workorder.UnitWork, error) {
	acts, err := u.repo.Actions(ctx, orderIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID][]workorder.UnitWork, len(acts))
	for id, as := range acts {
		ws := make([]workorder.UnitWork, len(as))
		for i, a := range as {
			ws[i] = workorder.UnitWork{ID: a.ID, WorkOrderID: a.WorkOrderID, Install: a.Install, Kind: string(a.Kind), VehicleID: a.VehicleID,
				TerminalID: a.TerminalID, SimID: a.SimID, OldID: a.OldID, NewID: a.NewID, Reason: a.Reason, PhotoIDs: a.PhotoIDs,
				TechnicianID: a.TechnicianID, At: a.At}
		}
		out[id] = ws
	}
	return out, nil
}

// plates tells custody a vehicle's plate for the label of a unit taken back.
type plates struct{ db *store.DB }

func (p plates) Plate(ctx context.Context, vehicleID uuid.UUID) (string, error) {
	v, err := p.db.Vehicles().ByID(ctx, vehicleID)
	return v.Plate, err
}

// lateQueue lets the notifier, built before the job runner that delivers
// for it, enqueue through that runner once it exists.
type lateQueue struct{ runner *jobs.Runner }

func (q *lateQueue) EnqueueDelivery(ctx context.Context, id uuid.UUID) error {
	return q.runner.EnqueueDelivery(ctx, id)
}

// notifyAdapter gives the work-order and complaint services their own
// small notifier interfaces.
type notifyAdapter struct{ n *notify.Service }

func (a notifyAdapter) Notify(ctx context.Context, topic string, orderID, customerID uuid.UUID, data map[string]any) error {
	return a.n.Notify(ctx, notify.Topic(topic), notify.Refs{WorkOrderID: orderID, CustomerID: customerID}, data)
}

func (a notifyAdapter) NotifyComplaint(ctx context.Context, topic string, complaintID, customerID uuid.UUID, data map[string]any) error {
	return a.n.Notify(ctx, notify.Topic(topic), notify.Refs{ComplaintID: complaintID, CustomerID: customerID}, data)
}
