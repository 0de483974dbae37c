// Package payment follows the money a technician collects on a work order
// until finance has it (收费上交财务): payments with their receipts, the
// balance an order still owes, managers' waivers, cash handed over to
// finance and counted, and other methods reconciled against the bank.
package payment

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Method is how the customer paid.
type Method string

// The methods.
const (
	Cash         Method = "cash"
	BankTransfer Method = "bank_transfer"
	QR           Method = "qr"
	Card         Method = "card"
)

// Methods lists every method, in the order the API documents them.
var Methods = []Method{Cash, BankTransfer, QR, Card}

// ParseMethod turns text into a Method.
func ParseMethod(s string) (Method, error) {
	if slices.Contains(Methods, Method(s)) {
		return Method(s), nil
	}
	return "", domain.BadRequest("method", "must be cash, bank_transfer, qr or card")
}

// Status is where a payment's money is.
type Status string

// The statuses: cash goes collected → handed_over → confirmed, other
// methods collected → reconciled.
const (
	Collected  Status = "collected"
	HandedOver Status = "handed_over"
	Confirmed  Status = "confirmed"
	Reconciled Status = "reconciled"
)

// Statuses lists every status.
var Statuses = []Status{Collected, HandedOver, Confirmed, Reconciled}

// Payment is money collected on an order. Money is integer fen.
type Payment struct {
	ID          uuid.UUID
	WorkOrderID uuid.UUID
	CustomerID  uuid.UUID
	Amount      int64
	Method      Method
	ReceiptNo   string
	InvoiceNo   *string
	Status      Status
	CollectedBy uuid.UUID
	CollectedAt time.Time
	HandoverID  *uuid.UUID
	ConfirmedAt *time.Time
}

// Waiver is part of an order's balance a manager let go.
type Waiver struct {
	ID          uuid.UUID
	WorkOrderID uuid.UUID
	Amount      int64
	Reason      string
	WaivedBy    uuid.UUID
	WaivedAt    time.Time
}

// HandoverStatus is whether finance has counted a handover.
type HandoverStatus string

// The handover statuses.
const (
	HandoverOpen      HandoverStatus = "open"
	HandoverConfirmed HandoverStatus = "confirmed"
)

// Handover is cash a technician gives finance.
type Handover struct {
	ID           uuid.UUID
	TechnicianID uuid.UUID
	Status       HandoverStatus
	PaymentIDs   []uuid.UUID
	Expected     int64
	Counted      *int64
	Difference   *int64
	Flagged      bool
	CreatedAt    time.Time
	ConfirmedAt  *time.Time
	ConfirmedBy  *uuid.UUID
}

// CashHeld is the cash one collector holds that finance has not confirmed.
type CashHeld struct {
	TechnicianID uuid.UUID
	Amount       int64
	Payments     int
	Oldest       time.Time
	Age          time.Duration
}

// Balance is what an order owes: Outstanding = Total − Paid − Waived.
type Balance struct {
	Total, Paid, Waived, Outstanding int64
}

// Order is what payments need to know of a work order.
type Order struct {
	ID           uuid.UUID
	CustomerID   uuid.UUID
	TechnicianID uuid.UUID
	Number       string
	Open         bool  // neither closed nor cancelled
	Total        int64 // what the bill charges, by billing's rule
}

// Orders answers for work orders as the actor in ctx may see them.
type Orders interface {
	Order(ctx context.Context, id uuid.UUID) (Order, error)
}

// Notifier tells staff what happened, queued in the caller's transaction.
type Notifier interface {
	NotifyStaff(ctx context.Context, topic string, orderID uuid.UUID, data map[string]any) error
}

// Filter narrows the payments list. Zero values mean any.
type Filter struct {
	From, To     *time.Time
	Method       Method
	Status       Status
	TechnicianID uuid.UUID
	WorkOrderID  uuid.UUID
	CustomerID   uuid.UUID
}

// HandoverFilter narrows the handovers list.
type HandoverFilter struct {
	Status       HandoverStatus
	TechnicianID uuid.UUID
}

// Repository stores payments, waivers and handovers.
type Repository interface {
	// LockOrder makes concurrent payments and waivers on one order take
	// turns until the transaction in ctx ends, so each sees the others.
	LockOrder(ctx context.Context, orderID uuid.UUID) error
	// Settled is what the order's payments and waivers add up to.
	Settled(ctx context.Context, orderID uuid.UUID) (paid, waived int64, err error)
	Insert(ctx context.Context, p Payment) error
	ByID(ctx context.Context, id uuid.UUID) (Payment, error)
	ByIDs(ctx context.Context, ids []uuid.UUID) ([]Payment, error)
	List(ctx context.Context, f Filter, p domain.PageRequest) (domain.Page[Payment], error)
	InsertWaiver(ctx context.Context, w Waiver) error
	// Reconcile marks a collected non-cash payment reconciled; false when it
	// no longer was one.
	Reconcile(ctx context.Context, id uuid.UUID, at time.Time) (bool, error)
	InsertHandover(ctx context.Context, h Handover) error
	// ClaimForHandover puts into the handover those of the payments that
	// are still collected cash of the collector in no handover, and says
	// how many it claimed: the guard that keeps a payment in one handover.
	ClaimForHandover(ctx context.Context, handoverID, collector uuid.UUID, ids []uuid.UUID) (int64, error)
	Handover(ctx context.Context, id uuid.UUID) (Handover, error)
	Handovers(ctx context.Context, f HandoverFilter, p domain.PageRequest) (domain.Page[Handover], error)
	// ConfirmHandover records h's count if h is still open, and confirms
	// its payments; false when it was no longer open.
	ConfirmHandover(ctx context.Context, h Handover) (bool, error)
	// CashInHand is the cash not yet confirmed, per collector.
	CashInHand(ctx context.Context) ([]CashHeld, error)
}

// MaxFen bounds every amount, as billing.MaxFen does (the spec's Fen).
const MaxFen int64 = 100_000_000_000

// TopicHandoverFlagged texts the managers of a count that differs.
const TopicHandoverFlagged = "handover.flagged"

// Service records payments and follows them to finance.
type Service struct {
	repo     Repository
	orders   Orders
	notifier Notifier
	tx       domain.Transactor
	events   domain.EventLog
	clock    domain.Clock
}

// NewService wires payments.
func NewService(repo Repository, orders Orders, notifier Notifier, tx domain.Transactor, events domain.EventLog, clock domain.Clock) *Service {
	return &Service{repo: repo, orders: orders, notifier: notifier, tx: tx, events: events, clock: clock}
}

// readsAll are the roles that read every payment and handover.
func readsAll(a domain.Actor) bool {
	return a.Is(domain.RoleFinance, domain.RoleAdmin, domain.RoleManager)
}

// NewPayment is the input of Collect.
type NewPayment struct {
	Amount    int64
	Method    Method
	ReceiptNo string
	InvoiceNo *string
}

// Collect records money collected on an order (the assigned technician or
// staff). More than the order owes is refused.
func (s *Service) Collect(ctx context.Context, orderID uuid.UUID, in NewPayment) (Payment, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Payment{}, err
	}
	var out Payment
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		o, err := s.orders.Order(ctx, orderID)
		if err != nil {
			return err
		}
		if !actor.IsStaff() && !(actor.Role == domain.RoleTechnician && actor.UserID == o.TechnicianID) {
			return domain.Forbidden("only staff and the order's assigned technician record payments")
		}
		if !o.Open {
			return domain.Conflict("the order is closed or cancelled; it takes no payment")
		}
		var fe domain.FieldErrors
		p := Payment{Amount: in.Amount, Method: in.Method, ReceiptNo: domain.Text(&fe, "receipt_no", in.ReceiptNo, 1, 64),
			InvoiceNo: domain.OptionalText(&fe, "invoice_no", in.InvoiceNo, 64), Status: Collected}
		if in.Amount < 1 || in.Amount > MaxFen {
			fe.Add("amount", fmt.Sprintf("must be 1 to %d fen", MaxFen))
		}
		if !slices.Contains(Methods, in.Method) {
			fe.Add("method", "must be cash, bank_transfer, qr or card")
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if err := s.repo.LockOrder(ctx, o.ID); err != nil {
			return err
		}
		b, err := s.balance(ctx, o)
		if err != nil {
			return err
		}
		if p.Amount > b.Outstanding {
			return domain.Invalid("amount", fmt.Sprintf("more than the %d fen outstanding", b.Outstanding))
		}
		p.ID, p.WorkOrderID, p.CustomerID, p.CollectedBy, p.CollectedAt = domain.NewID(), o.ID, o.CustomerID, actor.UserID, s.clock.Now()
		if err := s.repo.Insert(ctx, p); err != nil {
			return err
		}
		out = p
		return s.events.Append(ctx, domain.NewEvent("work_order", o.ID, "work_order.payment_collected", actor.UserID, p.CollectedAt,
			map[string]any{"payment_id": p.ID.String(), "amount": p.Amount, "method": string(p.Method), "receipt_no": p.ReceiptNo,
				"invoice_no": p.InvoiceNo, "outstanding": b.Outstanding - p.Amount}))
	})
	if err != nil {
		return Payment{}, fmt.Errorf("collect payment: %w", err)
	}
	return out, nil
}

// Waive lets go of part of an order's balance (a manager), recorded.
func (s *Service) Waive(ctx context.Context, orderID uuid.UUID, amount int64, reason string) (Waiver, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Waiver{}, err
	}
	var out Waiver
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		o, err := s.orders.Order(ctx, orderID)
		if err != nil {
			return err
		}
		if !actor.Is(domain.RoleAdmin, domain.RoleManager) {
			return domain.Forbidden("only a manager waives a balance")
		}
		if !o.Open {
			return domain.Conflict("the order is closed or cancelled")
		}
		var fe domain.FieldErrors
		w := Waiver{Amount: amount, Reason: domain.Text(&fe, "reason", reason, 1, 500)}
		if amount < 1 || amount > MaxFen {
			fe.Add("amount", fmt.Sprintf("must be 1 to %d fen", MaxFen))
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if err := s.repo.LockOrder(ctx, o.ID); err != nil {
			return err
		}
		b, err := s.balance(ctx, o)
		if err != nil {
			return err
		}
		if amount > b.Outstanding {
			return domain.Invalid("amount", fmt.Sprintf("more than the %d fen outstanding", b.Outstanding))
		}
		w.ID, w.WorkOrderID, w.WaivedBy, w.WaivedAt = domain.NewID(), o.ID, actor.UserID, s.clock.Now()
		if err := s.repo.InsertWaiver(ctx, w); err != nil {
			return err
		}
		out = w
		return s.events.Append(ctx, domain.NewEvent("work_order", o.ID, "work_order.balance_waived", actor.UserID, w.WaivedAt,
			map[string]any{"waiver_id": w.ID.String(), "amount": w.Amount, "reason": w.Reason, "outstanding": b.Outstanding - w.Amount}))
	})
	if err != nil {
		return Waiver{}, fmt.Errorf("waive balance: %w", err)
	}
	return out, nil
}

func (s *Service) balance(ctx context.Context, o Order) (Balance, error) {
	paid, waived, err := s.repo.Settled(ctx, o.ID)
	if err != nil {
		return Balance{}, err
	}
	return Balance{Total: o.Total, Paid: paid, Waived: waived, Outstanding: o.Total - paid - waived}, nil
}

// BalanceOf is what the order owes, for whoever may see the order.
func (s *Service) BalanceOf(ctx context.Context, orderID uuid.UUID) (Balance, error) {
	o, err := s.orders.Order(ctx, orderID)
	if err != nil {
		return Balance{}, err
	}
	return s.balance(ctx, o)
}

// Outstanding is what the order still owes given its charged total. It
// acts as the system: the work-order service closing the order has already
// checked access.
func (s *Service) Outstanding(ctx context.Context, orderID uuid.UUID, total int64) (int64, error) {
	b, err := s.balance(ctx, Order{ID: orderID, Total: total})
	return b.Outstanding, err
}

// List pages through the payments the actor may see: finance and managers
// all, technicians those they collected, customer users their customer's.
func (s *Service) List(ctx context.Context, f Filter, p domain.PageRequest) (domain.Page[Payment], error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return domain.Page[Payment]{}, err
	}
	switch {
	case readsAll(actor):
	case actor.Role == domain.RoleTechnician:
		if f.TechnicianID != uuid.Nil && f.TechnicianID != actor.UserID {
			return domain.Page[Payment]{Items: []Payment{}}, nil
		}
		f.TechnicianID = actor.UserID
	case actor.Role == domain.RoleCustomer:
		f.CustomerID = actor.CustomerID
	default:
		return domain.Page[Payment]{}, domain.Forbidden("this role does not read payments")
	}
	if f.From != nil && f.To != nil && f.To.Before(*f.From) {
		return domain.Page[Payment]{}, domain.Invalid("to", "is before from")
	}
	return s.repo.List(ctx, f, p.Normalize())
}

// Reconcile confirms a non-cash payment against the bank (finance).
func (s *Service) Reconcile(ctx context.Context, id uuid.UUID) (Payment, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Payment{}, err
	}
	var out Payment
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		p, err := s.visiblePayment(ctx, actor, id)
		if err != nil {
			return err
		}
		if actor.Role != domain.RoleFinance {
			return domain.Forbidden("only finance reconciles payments")
		}
		if p.Method == Cash {
			return domain.Conflict("cash is confirmed by finance counting a handover, not reconciled")
		}
		if p.Status != Collected {
			return domain.Conflict("the payment is %s already", p.Status)
		}
		now := s.clock.Now()
		ok, err := s.repo.Reconcile(ctx, p.ID, now)
		if err != nil {
			return err
		}
		if !ok {
			return domain.Conflict("the payment was reconciled meanwhile")
		}
		p.Status, p.ConfirmedAt = Reconciled, &now
		out = p
		return s.events.Append(ctx, domain.NewEvent("work_order", p.WorkOrderID, "work_order.payment_reconciled", actor.UserID, now,
			map[string]any{"payment_id": p.ID.String(), "amount": p.Amount, "method": string(p.Method)}))
	})
	if err != nil {
		return Payment{}, fmt.Errorf("reconcile payment: %w", err)
	}
	return out, nil
}

// visiblePayment finds a payment the actor may see, or 404.
func (s *Service) visiblePayment(ctx context.Context, actor domain.Actor, id uuid.UUID) (Payment, error) {
	p, err := s.repo.ByID(ctx, id)
	if err != nil {
		return Payment{}, err
	}
	switch {
	case readsAll(actor),
		actor.Role == domain.RoleTechnician && p.CollectedBy == actor.UserID,
		actor.Role == domain.RoleCustomer && p.CustomerID == actor.CustomerID:
		return p, nil
	}
	return Payment{}, domain.NotFound("payment")
}

// MaxHandoverPayments bounds the payments of one handover, as the spec does.
const MaxHandoverPayments = 200

// HandOver gives finance the cash of the payments (the technician who
// collected them). A payment already in a handover is 409, however close
// the two requests come.
func (s *Service) HandOver(ctx context.Context, paymentIDs []uuid.UUID) (Handover, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Handover{}, err
	}
	if actor.Role == domain.RoleCustomer {
		return Handover{}, domain.Forbidden("only the one who collected cash hands it over")
	}
	ids := make([]uuid.UUID, 0, len(paymentIDs))
	for _, id := range paymentIDs {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 || len(ids) > MaxHandoverPayments {
		return Handover{}, domain.Invalid("payment_ids", fmt.Sprintf("name 1 to %d payments", MaxHandoverPayments))
	}
	var out Handover
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		ps, err := s.repo.ByIDs(ctx, ids)
		if err != nil {
			return err
		}
		h := Handover{ID: domain.NewID(), TechnicianID: actor.UserID, Status: HandoverOpen, PaymentIDs: ids, CreatedAt: s.clock.Now()}
		byID := map[uuid.UUID]Payment{}
		for _, p := range ps {
			byID[p.ID] = p
		}
		for _, id := range ids {
			p, ok := byID[id]
			switch {
			case !ok || p.CollectedBy != actor.UserID:
				return domain.Invalid("payment_ids", "no payment "+id.String()+" collected by you")
			case p.Method != Cash:
				return domain.Invalid("payment_ids", "payment "+id.String()+" is not cash: finance reconciles it instead")
			case p.HandoverID != nil || p.Status != Collected:
				return domain.Conflict("payment %s is in a handover already", id)
			}
			h.Expected += p.Amount
		}
		if err := s.repo.InsertHandover(ctx, h); err != nil {
			return err
		}
		n, err := s.repo.ClaimForHandover(ctx, h.ID, actor.UserID, ids)
		if err != nil {
			return err
		}
		if n != int64(len(ids)) {
			return domain.Conflict("a payment was handed over by another request meanwhile")
		}
		out = h
		return s.events.Append(ctx, domain.NewEvent("handover", h.ID, "handover.opened", actor.UserID, h.CreatedAt,
			map[string]any{"payment_ids": idStrings(ids), "expected_amount": h.Expected}))
	})
	if err != nil {
		return Handover{}, fmt.Errorf("hand over cash: %w", err)
	}
	return out, nil
}

func idStrings(ids []uuid.UUID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}

// visibleHandover finds a handover the actor may see: finance and
// managers any, whoever handed it over (a technician, or staff who
// collected cash) its own. Customers have no business with handovers (403).
func (s *Service) visibleHandover(ctx context.Context, actor domain.Actor, id uuid.UUID) (Handover, error) {
	if actor.Role == domain.RoleCustomer {
		return Handover{}, domain.Forbidden("customers have no handovers")
	}
	h, err := s.repo.Handover(ctx, id)
	if err != nil {
		return Handover{}, err
	}
	if !readsAll(actor) && h.TechnicianID != actor.UserID {
		return Handover{}, domain.NotFound("handover")
	}
	return h, nil
}

// HandoverByID is one handover the actor may see.
func (s *Service) HandoverByID(ctx context.Context, id uuid.UUID) (Handover, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Handover{}, err
	}
	return s.visibleHandover(ctx, actor, id)
}

// Confirm records what finance counted. A difference flags the handover
// and texts the managers.
func (s *Service) Confirm(ctx context.Context, id uuid.UUID, counted int64) (Handover, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Handover{}, err
	}
	var out Handover
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		h, err := s.visibleHandover(ctx, actor, id)
		if err != nil {
			return err
		}
		if actor.Role != domain.RoleFinance {
			return domain.Forbidden("only finance confirms a handover")
		}
		if h.Status != HandoverOpen {
			return domain.Conflict("the handover is confirmed already")
		}
		if counted < 0 || counted > MaxFen {
			return domain.Invalid("counted_amount", fmt.Sprintf("must be 0 to %d fen", MaxFen))
		}
		now := s.clock.Now()
		diff := counted - h.Expected
		h.Status, h.Counted, h.Difference, h.Flagged, h.ConfirmedAt, h.ConfirmedBy = HandoverConfirmed, &counted, &diff, diff != 0, &now, &actor.UserID
		ok, err := s.repo.ConfirmHandover(ctx, h)
		if err != nil {
			return err
		}
		if !ok {
			return domain.Conflict("the handover was confirmed meanwhile")
		}
		out = h
		data := map[string]any{"expected_amount": h.Expected, "counted_amount": counted, "difference": diff, "flagged": h.Flagged}
		if err := s.events.Append(ctx, domain.NewEvent("handover", h.ID, "handover.confirmed", actor.UserID, now, data)); err != nil {
			return err
		}
		if !h.Flagged {
			return nil
		}
		// The notification hangs on the first payment's order, so that
		// GET /v1/notifications?work_order_id= finds it.
		first, err := s.repo.ByID(ctx, h.PaymentIDs[0])
		if err != nil {
			return err
		}
		return s.notifier.NotifyStaff(ctx, TopicHandoverFlagged, first.WorkOrderID, map[string]any{"handover_id": h.ID.String(),
			"technician_id": h.TechnicianID.String(), "expected_amount": h.Expected, "counted_amount": counted, "difference": diff})
	})
	if err != nil {
		return Handover{}, fmt.Errorf("confirm handover: %w", err)
	}
	return out, nil
}

// Handovers pages through the handovers the actor may see.
func (s *Service) Handovers(ctx context.Context, f HandoverFilter, p domain.PageRequest) (domain.Page[Handover], error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return domain.Page[Handover]{}, err
	}
	switch {
	case readsAll(actor):
	case actor.Role == domain.RoleCustomer:
		return domain.Page[Handover]{}, domain.Forbidden("customers have no handovers")
	default:
		if f.TechnicianID != uuid.Nil && f.TechnicianID != actor.UserID {
			return domain.Page[Handover]{Items: []Handover{}}, nil
		}
		f.TechnicianID = actor.UserID
	}
	return s.repo.Handovers(ctx, f, p.Normalize())
}

// CashInHand is, per collector, the cash finance has not confirmed yet,
// with the age of the oldest (finance and managers).
func (s *Service) CashInHand(ctx context.Context) ([]CashHeld, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	if !readsAll(actor) {
		return nil, domain.Forbidden("only finance and managers read the cash in hand")
	}
	held, err := s.repo.CashInHand(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	for i := range held {
		held[i].Age = max(0, now.Sub(held[i].Oldest))
	}
	return held, nil
}
