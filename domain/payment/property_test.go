package payment_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/billing"
	"github.com/fieldwork/fieldwork/domain/payment"
)

// Over random line sets and warranty states, the bill and the balance add
// up: charged is what Rule.Charge says line by line and never more than
// the line's amount; the total is the sum of the charges and of the parts
// and labour totals; and through any run of payments and waivers, overpaid
// or not, paid + waived + outstanding is the total and outstanding never
// drops below zero.

type memRepo struct {
	payment.Repository // the rest is not used here
	paid, waived       map[uuid.UUID]int64
}

func (m *memRepo) LockOrder(context.Context, uuid.UUID) error { return nil }
func (m *memRepo) Settled(_ context.Context, id uuid.UUID) (int64, int64, error) {
	return m.paid[id], m.waived[id], nil
}
func (m *memRepo) Insert(_ context.Context, p payment.Payment) error {
	m.paid[p.WorkOrderID] += p.Amount
	return nil
}
func (m *memRepo) InsertWaiver(_ context.Context, w payment.Waiver) error {
	m.waived[w.WorkOrderID] += w.Amount
	return nil
}

type oneOrder struct{ o payment.Order }

func (f oneOrder) Order(context.Context, uuid.UUID) (payment.Order, error) { return f.o, nil }

type noTx struct{}

func (noTx) InTx(ctx context.Context, fn func(ctx context.Context) error) error { return fn(ctx) }

type noEvents struct{}

func (noEvents) Append(context.Context, domain.Event) error { return nil }

type clock struct{}

func (clock) Now() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) }

func TestBalance_AddsUpOverRandomLinesWarrantiesAndPayments(t *testing.T) {
	for seed := range uint64(500) {
		r := rand.New(rand.NewPCG(seed, 10))
		o := billing.Order{ID: domain.NewID(), Install: r.IntN(3) == 0, InWarranty: r.IntN(2) == 0, Open: true}
		var lines []billing.Line
		for range r.IntN(12) {
			l := billing.Line{ID: domain.NewID(), WorkOrderID: o.ID, Quantity: 1 + r.IntN(5)}
			if r.IntN(2) == 0 {
				l.Kind, l.UnitPrice = billing.Part, r.Int64N(100_000)
				l.Amount = int64(l.Quantity) * l.UnitPrice
			} else {
				l.Kind, l.Quantity, l.Amount = billing.Labour, 1, r.Int64N(100_000)
				l.UnitPrice = l.Amount
			}
			lines = append(lines, l)
		}
		b := billing.Compute(o, lines)
		var sum int64
		for i, l := range lines {
			c := b.Charged[i]
			if c != b.Rule.Charge(l) || c < 0 || c > l.Amount {
				t.Fatalf("seed %d: line %+v charged %d under %s", seed, l, c, b.Rule)
			}
			if o.InWarranty && !o.Install && c != 0 || l.Kind == billing.Labour && c != 0 {
				t.Fatalf("seed %d: %s line charged %d (install %v, in warranty %v)", seed, l.Kind, c, o.Install, o.InWarranty)
			}
			sum += c
		}
		if sum != b.Total || b.PartsTotal+b.LabourTotal != b.Total {
			t.Fatalf("seed %d: charges %d, parts %d + labour %d, total %d", seed, sum, b.PartsTotal, b.LabourTotal, b.Total)
		}

		repo := &memRepo{paid: map[uuid.UUID]int64{}, waived: map[uuid.UUID]int64{}}
		tech := domain.NewID()
		svc := payment.NewService(repo, oneOrder{payment.Order{ID: o.ID, TechnicianID: tech, Open: true, Total: b.Total}}, nil, noTx{}, noEvents{}, clock{})
		ctx := domain.WithActor(context.Background(), domain.Actor{UserID: tech, Role: domain.RoleManager})
		for range r.IntN(8) {
			before, err := svc.BalanceOf(ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			amount := 1 + r.Int64N(max(1, before.Outstanding+before.Outstanding/4+1))
			if r.IntN(3) == 0 {
				_, err = svc.Waive(ctx, o.ID, amount, "goodwill")
			} else {
				_, err = svc.Collect(ctx, o.ID, payment.NewPayment{Amount: amount, Method: payment.Methods[r.IntN(4)], ReceiptNo: "R-1"})
			}
			if (amount > before.Outstanding) != (domain.KindOf(err) == domain.KindInvalid) {
				t.Fatalf("seed %d: %d against %d outstanding: %v", seed, amount, before.Outstanding, err)
			}
			after, _ := svc.BalanceOf(ctx, o.ID)
			if after.Paid+after.Waived+after.Outstanding != b.Total || after.Outstanding < 0 || after.Total != b.Total {
				t.Fatalf("seed %d: balance %+v for total %d", seed, after, b.Total)
			}
		}
	}
}
