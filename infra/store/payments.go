package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/payment"
)

type paymentRow struct {
	ID          uuid.UUID
	WorkOrderID uuid.UUID
	CustomerID  uuid.UUID
	Amount      int64
	Method      string
	ReceiptNo   string
	InvoiceNo   *string
	Status      string
	CollectedBy uuid.UUID
	CollectedAt time.Time
	HandoverID  *uuid.UUID
	ConfirmedAt *time.Time
}

func (paymentRow) TableName() string { return "payments" }

func (r paymentRow) domain() payment.Payment {
	return payment.Payment{ID: r.ID, WorkOrderID: r.WorkOrderID, CustomerID: r.CustomerID, Amount: r.Amount, Method: payment.Method(r.Method),
		ReceiptNo: r.ReceiptNo, InvoiceNo: r.InvoiceNo, Status: payment.Status(r.Status), CollectedBy: r.CollectedBy,
		CollectedAt: r.CollectedAt.UTC(), HandoverID: r.HandoverID, ConfirmedAt: utcPtr(r.ConfirmedAt)}
}

type waiverRow struct {
	ID          uuid.UUID
	WorkOrderID uuid.UUID
	Amount      int64
	Reason      string
	WaivedBy    uuid.UUID
	WaivedAt    time.Time
}

func (waiverRow) TableName() string { return "waivers" }

type handoverRow struct {
	ID             uuid.UUID
	TechnicianID   uuid.UUID
	Status         string
	ExpectedAmount int64
	CountedAmount  *int64
	Difference     *int64
	Flagged        bool
	CreatedAt      time.Time
	ConfirmedAt    *time.Time
	ConfirmedBy    *uuid.UUID
}

func (handoverRow) TableName() string { return "handovers" }

func (r handoverRow) domain(paymentIDs []uuid.UUID) payment.Handover {
	return payment.Handover{ID: r.ID, TechnicianID: r.TechnicianID, Status: payment.HandoverStatus(r.Status), PaymentIDs: paymentIDs,
		Expected: r.ExpectedAmount, Counted: r.CountedAmount, Difference: r.Difference, Flagged: r.Flagged, CreatedAt: r.CreatedAt.UTC(),
		ConfirmedAt: utcPtr(r.ConfirmedAt), ConfirmedBy: r.ConfirmedBy}
}

// Payments stores payments, waivers and handovers of cash.
type Payments struct{ db *DB }

var _ payment.Repository = Payments{}

// Payments returns the payment repository.
func (db *DB) Payments() Payments { return Payments{db} }

// LockOrder takes a transaction-scoped advisory lock on the order's money
// on PostgreSQL. SQLite needs none: its write transactions are immediate.
func (s Payments) LockOrder(ctx context.Context, orderID uuid.UUID) error {
	if s.db.dialect != Postgres {
		return nil
	}
	if err := s.db.conn(ctx).Exec("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", "payments:"+orderID.String()).Error; err != nil {
		return fmt.Errorf("lock payments: %w", err)
	}
	return nil
}

// Settled adds up the order's payments and waivers.
func (s Payments) Settled(ctx context.Context, orderID uuid.UUID) (paid, waived int64, err error) {
	c := s.db.conn(ctx)
	if err := c.Model(&paymentRow{}).Where("work_order_id = ?", orderID).Select("COALESCE(SUM(amount), 0)").Scan(&paid).Error; err != nil {
		return 0, 0, fmt.Errorf("sum payments: %w", err)
	}
	if err := c.Model(&waiverRow{}).Where("work_order_id = ?", orderID).Select("COALESCE(SUM(amount), 0)").Scan(&waived).Error; err != nil {
		return 0, 0, fmt.Errorf("sum waivers: %w", err)
	}
	return paid, waived, nil
}

// Insert records a payment.
func (s Payments) Insert(ctx context.Context, p payment.Payment) error {
	row := paymentRow{ID: p.ID, WorkOrderID: p.WorkOrderID, CustomerID: p.CustomerID, Amount: p.Amount, Method: string(p.Method),
		ReceiptNo: p.ReceiptNo, InvoiceNo: p.InvoiceNo, Status: string(p.Status), CollectedBy: p.CollectedBy, CollectedAt: p.CollectedAt.UTC(),
		HandoverID: p.HandoverID, ConfirmedAt: utcPtr(p.ConfirmedAt)}
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert payment: %w", err)
	}
	return nil
}

// ByID finds a payment.
func (s Payments) ByID(ctx context.Context, id uuid.UUID) (payment.Payment, error) {
	var r paymentRow
	if err := s.db.conn(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return payment.Payment{}, notFound(err, "payment")
	}
	return r.domain(), nil
}

// ByIDs finds those of the payments that exist.
func (s Payments) ByIDs(ctx context.Context, ids []uuid.UUID) ([]payment.Payment, error) {
	var rows []paymentRow
	if err := s.db.conn(ctx).Where("id IN ?", ids).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("find payments: %w", err)
	}
	out := make([]payment.Payment, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// List pages through payments in the order they were collected.
func (s Payments) List(ctx context.Context, f payment.Filter, p domain.PageRequest) (domain.Page[payment.Payment], error) {
	q := s.db.conn(ctx).Model(&paymentRow{})
	if f.From != nil {
		q = q.Where("collected_at >= ?", f.From.UTC())
	}
	if f.To != nil {
		q = q.Where("collected_at < ?", f.To.UTC())
	}
	if f.Method != "" {
		q = q.Where("method = ?", string(f.Method))
	}
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.TechnicianID != uuid.Nil {
		q = q.Where("collected_by = ?", f.TechnicianID)
	}
	if f.WorkOrderID != uuid.Nil {
		q = q.Where("work_order_id = ?", f.WorkOrderID)
	}
	if f.CustomerID != uuid.Nil {
		q = q.Where("customer_id = ?", f.CustomerID)
	}
	page, err := pageByID(q, p, func(r paymentRow) uuid.UUID { return r.ID }, paymentRow.domain)
	if err != nil {
		return page, fmt.Errorf("list payments: %w", err)
	}
	return page, nil
}

// InsertWaiver records a waiver.
func (s Payments) InsertWaiver(ctx context.Context, w payment.Waiver) error {
	row := waiverRow{ID: w.ID, WorkOrderID: w.WorkOrderID, Amount: w.Amount, Reason: w.Reason, WaivedBy: w.WaivedBy, WaivedAt: w.WaivedAt.UTC()}
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert waiver: %w", err)
	}
	return nil
}

// Reconcile marks a collected non-cash payment reconciled, only if it
// still is one.
func (s Payments) Reconcile(ctx context.Context, id uuid.UUID, at time.Time) (bool, error) {
	res := s.db.conn(ctx).Model(&paymentRow{}).Where("id = ? AND status = ? AND method <> ?", id, string(payment.Collected), string(payment.Cash)).
		Updates(map[string]any{"status": string(payment.Reconciled), "confirmed_at": at.UTC()})
	if res.Error != nil {
		return false, fmt.Errorf("reconcile payment: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// InsertHandover opens a handover.
func (s Payments) InsertHandover(ctx context.Context, h payment.Handover) error {
	row := handoverRow{ID: h.ID, TechnicianID: h.TechnicianID, Status: string(h.Status), ExpectedAmount: h.Expected, CountedAmount: h.Counted,
		Difference: h.Difference, Flagged: h.Flagged, CreatedAt: h.CreatedAt.UTC(), ConfirmedAt: utcPtr(h.ConfirmedAt), ConfirmedBy: h.ConfirmedBy}
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert handover: %w", err)
	}
	return nil
}

// ClaimForHandover is one conditional update: a payment joins the
// handover only while it is collected cash of the collector in no
// handover. Of two handovers claiming one payment, the second finds it
// taken (PostgreSQL re-checks the condition after the first commits).
func (s Payments) ClaimForHandover(ctx context.Context, handoverID, collector uuid.UUID, ids []uuid.UUID) (int64, error) {
	res := s.db.conn(ctx).Model(&paymentRow{}).
		Where("id IN ? AND collected_by = ? AND method = ? AND status = ? AND handover_id IS NULL", ids, collector, string(payment.Cash), string(payment.Collected)).
		Updates(map[string]any{"handover_id": handoverID, "status": string(payment.HandedOver)})
	if res.Error != nil {
		return 0, fmt.Errorf("claim payments for handover: %w", res.Error)
	}
	return res.RowsAffected, nil
}

func (s Payments) handoverPayments(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]uuid.UUID, error) {
	out := map[uuid.UUID][]uuid.UUID{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID         uuid.UUID
		HandoverID uuid.UUID
	}
	if err := s.db.conn(ctx).Model(&paymentRow{}).Select("id, handover_id").Where("handover_id IN ?", ids).Order("id").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("handover payments: %w", err)
	}
	for _, r := range rows {
		out[r.HandoverID] = append(out[r.HandoverID], r.ID)
	}
	return out, nil
}

// Handover finds a handover with its payments.
func (s Payments) Handover(ctx context.Context, id uuid.UUID) (payment.Handover, error) {
	var r handoverRow
	if err := s.db.conn(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return payment.Handover{}, notFound(err, "handover")
	}
	ps, err := s.handoverPayments(ctx, []uuid.UUID{id})
	if err != nil {
		return payment.Handover{}, err
	}
	return r.domain(ps[id]), nil
}

// Handovers pages through handovers in the order they were opened.
func (s Payments) Handovers(ctx context.Context, f payment.HandoverFilter, p domain.PageRequest) (domain.Page[payment.Handover], error) {
	q := s.db.conn(ctx).Model(&handoverRow{})
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.TechnicianID != uuid.Nil {
		q = q.Where("technician_id = ?", f.TechnicianID)
	}
	page, err := pageByID(q, p, func(r handoverRow) uuid.UUID { return r.ID }, func(r handoverRow) payment.Handover { return r.domain(nil) })
	if err != nil {
		return page, fmt.Errorf("list handovers: %w", err)
	}
	ids := make([]uuid.UUID, len(page.Items))
	for i, h := range page.Items {
		ids[i] = h.ID
	}
	ps, err := s.handoverPayments(ctx, ids)
	if err != nil {
		return page, err
	}
	for i := range page.Items {
		page.Items[i].PaymentIDs = ps[page.Items[i].ID]
	}
	return page, nil
}

// ConfirmHandover records the count while the handover is open, and
// confirms its payments.
func (s Payments) ConfirmHandover(ctx context.Context, h payment.Handover) (bool, error) {
	var ok bool
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		res := s.db.conn(ctx).Model(&handoverRow{}).Where("id = ? AND status = ?", h.ID, string(payment.HandoverOpen)).
			Updates(map[string]any{"status": string(h.Status), "counted_amount": h.Counted, "difference": h.Difference, "flagged": h.Flagged,
				"confirmed_at": utcPtr(h.ConfirmedAt), "confirmed_by": h.ConfirmedBy})
		if res.Error != nil || res.RowsAffected != 1 {
			return res.Error
		}
		ok = true
		return s.db.conn(ctx).Model(&paymentRow{}).Where("handover_id = ?", h.ID).
			Updates(map[string]any{"status": string(payment.Confirmed), "confirmed_at": utcPtr(h.ConfirmedAt)}).Error
	})
	if err != nil {
		return false, fmt.Errorf("confirm handover: %w", err)
	}
	return ok, nil
}

// CashInHand adds up, per collector, the cash not yet confirmed.
func (s Payments) CashInHand(ctx context.Context) ([]payment.CashHeld, error) {
	var rows []paymentRow
	err := s.db.conn(ctx).Select("collected_by, amount, collected_at").
		Where("method = ? AND status IN ?", string(payment.Cash), []string{string(payment.Collected), string(payment.HandedOver)}).
		Order("collected_by, collected_at").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("cash in hand: %w", err)
	}
	out := []payment.CashHeld{}
	for _, r := range rows {
		if n := len(out); n == 0 || out[n-1].TechnicianID != r.CollectedBy {
			out = append(out, payment.CashHeld{TechnicianID: r.CollectedBy, Oldest: r.CollectedAt.UTC()})
		}
		h := &out[len(out)-1]
		h.Amount += r.Amount
		h.Payments++
	}
	return out, nil
}
