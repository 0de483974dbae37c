package store_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/billing"
	"github.com/fieldwork/fieldwork/domain/feenotice"
	"github.com/fieldwork/fieldwork/domain/payment"
	"github.com/fieldwork/fieldwork/infra/store"
)

// The payment and fee-notice repositories' contracts, on every footing,
// with the guards that decide races written from stale reads.

func TestPayments(t *testing.T) {
	runContract(t, []contractCase{
		{"RoundTripSettledAndList", testPaymentsRoundTrip},
		{"HandoverClaimFromAStaleReadTakesNothing", testHandoverClaimStale},
		{"ConfirmFromAStaleReadChangesNothing", testHandoverConfirmStale},
		{"ReconcileFromAStaleReadChangesNothing", testReconcileStale},
		{"CashInHandPerCollector", testCashInHand},
	})
}

func TestFeeNotices(t *testing.T) {
	runContract(t, []contractCase{
		{"RoundTripCoveredSupersedeAndDecideFromAStaleRead", testFeeNotices},
	})
}

type moneyFixture struct {
	orderID, customerID, tech uuid.UUID
}

func newMoneyFixture(t *testing.T, db *store.DB) moneyFixture {
	c := addCustomer(t, db, newCustomer("Money Fleet "+uuid.NewString()[:6]))
	u := addUser(t, db, newUser("tech"+uuid.NewString()[:6], domain.RoleTechnician, uuid.Nil))
	o := addOrder(t, db, newOrder(c.ID, u.ID, "WO-"+uuid.NewString()[:6]))
	return moneyFixture{orderID: o.ID, customerID: c.ID, tech: u.ID}
}

func (f moneyFixture) payment(t *testing.T, db *store.DB, amount int64, method payment.Method, at time.Time) payment.Payment {
	t.Helper()
	p := payment.Payment{ID: domain.NewID(), WorkOrderID: f.orderID, CustomerID: f.customerID, Amount: amount, Method: method,
		ReceiptNo: "R-" + uuid.NewString()[:6], Status: payment.Collected, CollectedBy: f.tech, CollectedAt: at}
	if err := db.Payments().Insert(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

func (f moneyFixture) handover(t *testing.T, db *store.DB, expected int64) payment.Handover {
	t.Helper()
	h := payment.Handover{ID: domain.NewID(), TechnicianID: f.tech, Status: payment.HandoverOpen, Expected: expected, CreatedAt: t0}
	if err := db.Payments().InsertHandover(t.Context(), h); err != nil {
		t.Fatal(err)
	}
	return h
}

func testPaymentsRoundTrip(t *testing.T, db *store.DB) {
	f := newMoneyFixture(t, db)
	p := f.payment(t, db, 1200, payment.Cash, t0.In(cst))
	p.CollectedAt = t0
	q := f.payment(t, db, 800, payment.QR, t0.Add(time.Hour))
	w := payment.Waiver{ID: domain.NewID(), WorkOrderID: f.orderID, Amount: 300, Reason: "goodwill", WaivedBy: f.tech, WaivedAt: t0}
	if err := db.Payments().InsertWaiver(t.Context(), w); err != nil {
		t.Fatal(err)
	}
	got, err := db.Payments().ByID(t.Context(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkDeep(t, "ByID", got, p)
	paid, waived, err := db.Payments().Settled(t.Context(), f.orderID)
	if err != nil || paid != 2000 || waived != 300 {
		t.Fatalf("Settled = %d, %d, %v; want 2000, 300", paid, waived, err)
	}
	if paid, waived, err := db.Payments().Settled(t.Context(), domain.NewID()); err != nil || paid != 0 || waived != 0 {
		t.Fatalf("Settled(no payments) = %d, %d, %v", paid, waived, err)
	}
	page, err := db.Payments().List(t.Context(), payment.Filter{WorkOrderID: f.orderID, Method: payment.QR}, domain.PageRequest{Limit: 10})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != q.ID {
		t.Fatalf("List(qr) = %+v, %v", page, err)
	}
	from := t0.Add(30 * time.Minute)
	page, err = db.Payments().List(t.Context(), payment.Filter{TechnicianID: f.tech, From: &from}, domain.PageRequest{Limit: 10})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != q.ID {
		t.Fatalf("List(from) = %+v, %v", page, err)
	}
	if _, err := db.Payments().ByID(t.Context(), domain.NewID()); domain.KindOf(err) != domain.KindNotFound {
		t.Fatalf("ByID(unknown) = %v", err)
	}
}

// Two handovers claim one payment: the second, from the read that found
// it free, takes nothing, and the payment stays in the first.
func testHandoverClaimStale(t *testing.T, db *store.DB) {
	f := newMoneyFixture(t, db)
	p := f.payment(t, db, 500, payment.Cash, t0)
	stale, err := db.Payments().ByIDs(t.Context(), []uuid.UUID{p.ID})
	if err != nil || len(stale) != 1 || stale[0].HandoverID != nil {
		t.Fatalf("read %+v, %v", stale, err)
	}
	first, second := f.handover(t, db, 500), f.handover(t, db, 500)
	if n, err := db.Payments().ClaimForHandover(t.Context(), first.ID, f.tech, []uuid.UUID{p.ID}); err != nil || n != 1 {
		t.Fatalf("first claim = %d, %v", n, err)
	}
	if n, err := db.Payments().ClaimForHandover(t.Context(), second.ID, f.tech, []uuid.UUID{p.ID}); err != nil || n != 0 {
		t.Fatalf("second claim from a stale read = %d, %v; want 0", n, err)
	}
	got, err := db.Payments().ByID(t.Context(), p.ID)
	if err != nil || got.HandoverID == nil || *got.HandoverID != first.ID || got.Status != payment.HandedOver {
		t.Fatalf("after both claims %+v, %v", got, err)
	}
	// Nor can another collector, or a non-cash payment, be claimed.
	q := f.payment(t, db, 100, payment.Card, t0)
	if n, err := db.Payments().ClaimForHandover(t.Context(), second.ID, f.tech, []uuid.UUID{q.ID}); err != nil || n != 0 {
		t.Fatalf("claim of a card payment = %d, %v", n, err)
	}
	r := f.payment(t, db, 100, payment.Cash, t0)
	if n, err := db.Payments().ClaimForHandover(t.Context(), second.ID, domain.NewID(), []uuid.UUID{r.ID}); err != nil || n != 0 {
		t.Fatalf("claim by another collector = %d, %v", n, err)
	}
	h, err := db.Payments().Handover(t.Context(), first.ID)
	if err != nil || len(h.PaymentIDs) != 1 || h.PaymentIDs[0] != p.ID {
		t.Fatalf("Handover = %+v, %v", h, err)
	}
}

func testHandoverConfirmStale(t *testing.T, db *store.DB) {
	f := newMoneyFixture(t, db)
	p := f.payment(t, db, 500, payment.Cash, t0)
	h := f.handover(t, db, 500)
	if _, err := db.Payments().ClaimForHandover(t.Context(), h.ID, f.tech, []uuid.UUID{p.ID}); err != nil {
		t.Fatal(err)
	}
	stale, err := db.Payments().Handover(t.Context(), h.ID)
	if err != nil {
		t.Fatal(err)
	}
	confirm := func(counted int64) (bool, error) {
		c := stale
		diff := counted - c.Expected
		at := t0.Add(time.Hour)
		c.Status, c.Counted, c.Difference, c.Flagged, c.ConfirmedAt, c.ConfirmedBy = payment.HandoverConfirmed, &counted, &diff, diff != 0, &at, &f.tech
		return db.Payments().ConfirmHandover(t.Context(), c)
	}
	if ok, err := confirm(400); err != nil || !ok {
		t.Fatalf("first confirm = %v, %v", ok, err)
	}
	if ok, err := confirm(500); err != nil || ok {
		t.Fatalf("second confirm from a stale read = %v, %v; want false", ok, err)
	}
	got, err := db.Payments().Handover(t.Context(), h.ID)
	if err != nil || got.Counted == nil || *got.Counted != 400 || !got.Flagged || *got.Difference != -100 {
		t.Fatalf("after both confirms %+v, %v", got, err)
	}
	if q, _ := db.Payments().ByID(t.Context(), p.ID); q.Status != payment.Confirmed || q.ConfirmedAt == nil {
		t.Fatalf("payment after confirm %+v", q)
	}
}

func testReconcileStale(t *testing.T, db *store.DB) {
	f := newMoneyFixture(t, db)
	q := f.payment(t, db, 700, payment.BankTransfer, t0)
	cash := f.payment(t, db, 700, payment.Cash, t0)
	if ok, err := db.Payments().Reconcile(t.Context(), q.ID, t0); err != nil || !ok {
		t.Fatalf("first reconcile = %v, %v", ok, err)
	}
	if ok, err := db.Payments().Reconcile(t.Context(), q.ID, t0.Add(time.Hour)); err != nil || ok {
		t.Fatalf("second reconcile from a stale read = %v, %v", ok, err)
	}
	if ok, err := db.Payments().Reconcile(t.Context(), cash.ID, t0); err != nil || ok {
		t.Fatalf("reconcile of cash = %v, %v", ok, err)
	}
	got, _ := db.Payments().ByID(t.Context(), q.ID)
	if got.Status != payment.Reconciled || got.ConfirmedAt == nil || !got.ConfirmedAt.Equal(t0) {
		t.Fatalf("after reconcile %+v", got)
	}
}

func testCashInHand(t *testing.T, db *store.DB) {
	f := newMoneyFixture(t, db)
	f.payment(t, db, 300, payment.Cash, t0.Add(2*time.Hour))
	f.payment(t, db, 200, payment.Cash, t0.Add(time.Hour))
	f.payment(t, db, 999, payment.QR, t0)
	held, err := db.Payments().CashInHand(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range held {
		if h.TechnicianID == f.tech {
			if h.Amount != 500 || h.Payments != 2 || !h.Oldest.Equal(t0.Add(time.Hour)) {
				t.Fatalf("cash in hand %+v", h)
			}
			return
		}
	}
	t.Fatalf("the collector is missing from %+v", held)
}

func testFeeNotices(t *testing.T, db *store.DB) {
	f := newMoneyFixture(t, db)
	var lines []feenotice.Line
	for i := range 2 {
		l := billing.Line{ID: domain.NewID(), WorkOrderID: f.orderID, Kind: billing.Part, Description: "antenna", Quantity: 1, UnitPrice: 1000,
			Amount: 1000, CreatedBy: f.tech, At: t0.Add(time.Duration(i) * time.Minute)}
		if err := db.Billing().Insert(t.Context(), l); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, feenotice.Line{LineID: l.ID, Kind: "part", Description: "antenna", Amount: 1000, Charged: 1000})
	}
	repo := db.FeeNotices()
	n := feenotice.Notice{ID: domain.NewID(), WorkOrderID: f.orderID, Status: feenotice.Pending, Lines: lines, Total: 2000, CreatedBy: f.tech, CreatedAt: t0}
	if err := repo.Insert(t.Context(), n); err != nil {
		t.Fatal(err)
	}
	got, err := repo.ByID(t.Context(), n.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkDeep(t, "ByID", got, n)
	stale := got
	old, err := repo.SupersedePending(t.Context(), f.orderID)
	if err != nil || len(old) != 1 || old[0] != n.ID {
		t.Fatalf("SupersedePending = %v, %v", old, err)
	}
	// Accepting the notice read before it was superseded changes nothing.
	at, via := t0.Add(time.Hour), feenotice.Portal
	stale.Status, stale.DecidedAt, stale.DecidedBy, stale.AcceptedVia = feenotice.Accepted, &at, &f.tech, &via
	if ok, err := repo.Decide(t.Context(), stale); err != nil || ok {
		t.Fatalf("Decide from a stale read = %v, %v; want false", ok, err)
	}
	if covered, err := repo.Covered(t.Context(), f.orderID); err != nil || len(covered) != 0 {
		t.Fatalf("Covered after a superseded notice = %v, %v", covered, err)
	}
	m := n
	m.ID, m.Lines, m.Total = domain.NewID(), lines[:1], 1000
	if err := repo.Insert(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	m.Status, m.DecidedAt, m.DecidedBy, m.AcceptedVia = feenotice.Accepted, &at, &f.tech, &via
	if ok, err := repo.Decide(t.Context(), m); err != nil || !ok {
		t.Fatalf("Decide = %v, %v", ok, err)
	}
	covered, err := repo.Covered(t.Context(), f.orderID)
	if err != nil || len(covered) != 1 || !covered[lines[0].LineID] {
		t.Fatalf("Covered = %v, %v", covered, err)
	}
	page, err := repo.List(t.Context(), f.orderID, domain.PageRequest{Limit: 10})
	if err != nil || len(page.Items) != 2 || page.Items[1].Status != feenotice.Accepted || len(page.Items[1].Lines) != 1 {
		t.Fatalf("List = %+v, %v", page, err)
	}
}
