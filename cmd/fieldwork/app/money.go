package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/billing"
	"github.com/fieldwork/fieldwork/domain/feenotice"
	"github.com/fieldwork/fieldwork/domain/notify"
	"github.com/fieldwork/fieldwork/domain/payment"
	"github.com/fieldwork/fieldwork/domain/photo"
	"github.com/fieldwork/fieldwork/domain/workorder"
	"github.com/fieldwork/fieldwork/infra/store"
)

// billingOrder is what billing's rule needs of a work order.
func billingOrder(o workorder.Order) billing.Order {
	return billing.Order{ID: o.ID, Install: o.Type == workorder.Install, TechnicianID: o.TechnicianID,
		Open: o.Status != workorder.Closed && o.Status != workorder.Cancelled, Completed: o.Status == workorder.Completed,
		InWarranty: o.Warranty != nil && o.Warranty.InWarranty}
}

// chargedLines are the order's bill lines with what billing's one rule
// (Rule.Charge, through Compute) charges for each.
func chargedLines(ctx context.Context, db *store.DB, o workorder.Order) ([]feenotice.Line, error) {
	lines, err := db.Billing().Lines(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	b := billing.Compute(billingOrder(o), lines)
	out := make([]feenotice.Line, len(lines))
	for i, l := range lines {
		out[i] = feenotice.Line{LineID: l.ID, Kind: string(l.Kind), Description: l.Description, Amount: l.Amount, Charged: b.Charged[i]}
	}
	return out, nil
}

// orderMoney answers the work-order service's questions about what an
// order owes, from the fee notices and payments services.
type orderMoney struct {
	db       *store.DB
	billing  *billing.Service
	notices  *feenotice.Service
	payments *payment.Service
}

var _ workorder.Money = (*orderMoney)(nil)

// UnagreedLines implements workorder.Money. It takes the lines' lock first,
// as adding a line does, so no line is added between this check and the
// completion's commit.
func (m *orderMoney) UnagreedLines(ctx context.Context, o workorder.Order) ([]uuid.UUID, error) {
	if err := m.db.Billing().LockLines(ctx, o.ID); err != nil {
		return nil, err
	}
	lines, err := chargedLines(ctx, m.db, o)
	if err != nil {
		return nil, err
	}
	return m.notices.Uncovered(ctx, o.ID, lines)
}

// Outstanding implements workorder.Money. It takes the lines' lock first,
// as UnagreedLines does.
func (m *orderMoney) Outstanding(ctx context.Context, o workorder.Order) (int64, error) {
	if err := m.db.Billing().LockLines(ctx, o.ID); err != nil {
		return 0, err
	}
	total, err := m.billing.Total(ctx, billingOrder(o))
	if err != nil {
		return 0, err
	}
	return m.payments.Outstanding(ctx, o.ID, total)
}

// noticeOrders tells fee notices about orders, as the actor sees them,
// with their charged lines.
type noticeOrders struct {
	orderFacts
	db *store.DB
}

var _ feenotice.Orders = noticeOrders{}

func (f noticeOrders) Order(ctx context.Context, id uuid.UUID) (feenotice.Order, error) {
	o, err := f.get(ctx, id)
	if err != nil {
		return feenotice.Order{}, err
	}
	lines, err := chargedLines(ctx, f.db, o)
	if err != nil {
		return feenotice.Order{}, err
	}
	return feenotice.Order{ID: o.ID, CustomerID: o.CustomerID, TechnicianID: o.TechnicianID, Number: o.Number,
		Open: o.Status != workorder.Closed && o.Status != workorder.Cancelled, Lines: lines}, nil
}

// paymentOrders tells payments about orders, as the actor sees them, with
// what the bill charges.
type paymentOrders struct {
	orderFacts
	billing *billing.Service
}

var _ payment.Orders = paymentOrders{}

func (f paymentOrders) Order(ctx context.Context, id uuid.UUID) (payment.Order, error) {
	o, err := f.get(ctx, id)
	if err != nil {
		return payment.Order{}, err
	}
	total, err := f.billing.Total(ctx, billingOrder(o))
	if err != nil {
		return payment.Order{}, err
	}
	return payment.Order{ID: o.ID, CustomerID: o.CustomerID, TechnicianID: o.TechnicianID, Number: o.Number,
		Open: o.Status != workorder.Closed && o.Status != workorder.Cancelled, Total: total}, nil
}

// signatures checks a signature photo as custody checks its evidence: a
// photo of the order whose upload passed the check.
type signatures struct{ db *store.DB }

var _ feenotice.Photos = signatures{}

func (s signatures) ReadySignature(ctx context.Context, orderID, photoID uuid.UUID) (bool, error) {
	p, err := s.db.Photos().ByID(ctx, photoID)
	if domain.KindOf(err) == domain.KindNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return p.WorkOrderID == orderID && p.Kind == photo.Signature && p.Status == photo.Ready, nil
}

// NotifyStaff gives payments its notifier: staff topics, hung on an order.
func (a notifyAdapter) NotifyStaff(ctx context.Context, topic string, orderID uuid.UUID, data map[string]any) error {
	return a.n.Notify(ctx, notify.Topic(topic), notify.Refs{WorkOrderID: orderID}, data)
}

var (
	_ payment.Notifier   = notifyAdapter{}
	_ feenotice.Notifier = notifyAdapter{}
)
