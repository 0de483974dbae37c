package store_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/billing"
	"github.com/fieldwork/fieldwork/domain/pricelist"
	"github.com/fieldwork/fieldwork/infra/store"
)

// The price list's contract, and the bill lines' across orders, on every footing.

func TestPriceList(t *testing.T) {
	runContract(t, []contractCase{
		{"PriceOnTheDayAcrossVersions", testPriceOnTheDay},
		{"VersionTakenTwiceIsAConflict", testPriceVersionConflict},
		{"ListInForceOnADay", testPriceListOn},
		{"BillLinesOffListByTime", testBillLinesOffList},
	})
}

func priceVersion(code string, version int, validFrom time.Time, price int64) pricelist.Item {
	return pricelist.Item{ID: domain.NewID(), Code: code, Version: version, Kind: pricelist.Part, Name: "Antenna", Unit: pricelist.Each,
		UnitPrice: price, ValidFrom: validFrom, CreatedBy: domain.NewID(), CreatedAt: t0.Add(time.Duration(version) * time.Minute)}
}

func testPriceOnTheDay(t *testing.T, db *store.DB) {
	d := func(n int) time.Time { return time.Date(2026, 3, 10+n, 0, 0, 0, 0, time.UTC) }
	v1, v2, v3 := priceVersion("ANT", 1, d(0), 100), priceVersion("ANT", 2, d(5), 200), priceVersion("ANT", 3, d(5), 250)
	other := priceVersion("FUSE", 1, d(-5), 9)
	for _, it := range []pricelist.Item{v1, v2, v3, other} {
		if err := db.PriceList().Insert(t.Context(), it); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		day  time.Time
		want *pricelist.Item
	}{{d(-1), nil}, {d(0), &v1}, {d(4), &v1}, {d(5), &v3}, {d(400), &v3}} {
		got, err := db.PriceList().On(t.Context(), "ANT", c.day)
		if c.want == nil {
			if domain.KindOf(err) != domain.KindNotFound {
				t.Errorf("On(%s) = %+v, %v; want not found", c.day, got, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		checkDeep(t, "On("+c.day.Format(time.DateOnly)+")", got, *c.want)
	}
	if latest, err := db.PriceList().Latest(t.Context(), "ANT"); err != nil || latest.ID != v3.ID {
		t.Errorf("Latest = %+v, %v; want version 3", latest, err)
	}
	if got, err := db.PriceList().ByID(t.Context(), v2.ID); err != nil {
		t.Fatal(err)
	} else {
		checkDeep(t, "ByID", got, v2)
	}
}

func testPriceVersionConflict(t *testing.T, db *store.DB) {
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	if err := db.PriceList().Insert(t.Context(), priceVersion("ANT", 2, day, 1)); err != nil {
		t.Fatal(err)
	}
	// A change made from a stale read of the latest version.
	err := db.PriceList().Insert(t.Context(), priceVersion("ANT", 2, day, 2))
	if domain.KindOf(err) != domain.KindConflict {
		t.Fatalf("second version 2: %v, want a conflict", err)
	}
	if got, _ := db.PriceList().Latest(t.Context(), "ANT"); got.UnitPrice != 1 {
		t.Fatalf("latest %+v", got)
	}
}

func testPriceListOn(t *testing.T, db *store.DB) {
	d := func(n int) time.Time { return time.Date(2026, 3, 10+n, 0, 0, 0, 0, time.UTC) }
	a1, a2, b1 := priceVersion("A", 1, d(0), 1), priceVersion("A", 2, d(3), 2), priceVersion("B", 1, d(2), 3)
	for _, it := range []pricelist.Item{a1, a2, b1} {
		if err := db.PriceList().Insert(t.Context(), it); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(f pricelist.Filter) []uuid.UUID {
		p, err := db.PriceList().List(t.Context(), f, domain.PageRequest{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		return mapIDs(p.Items, func(it pricelist.Item) uuid.UUID { return it.ID })
	}
	on := func(n int) *time.Time { x := d(n); return &x }
	checkDeep(t, "all", ids(pricelist.Filter{}), []uuid.UUID{a1.ID, a2.ID, b1.ID})
	checkDeep(t, "on day 1", ids(pricelist.Filter{On: on(1)}), []uuid.UUID{a1.ID})
	checkDeep(t, "on day 3", ids(pricelist.Filter{On: on(3)}), []uuid.UUID{a2.ID, b1.ID})
	checkDeep(t, "A", ids(pricelist.Filter{Code: "A"}), []uuid.UUID{a1.ID, a2.ID})
}

func testBillLinesOffList(t *testing.T, db *store.DB) {
	c := addCustomer(t, db, newCustomer("Off List Fleet"))
	u := addUser(t, db, newUser("tech", domain.RoleTechnician, uuid.Nil))
	o := addOrder(t, db, newOrder(c.ID, u.ID, "WO-1"))
	item := domain.NewID()
	line := func(at time.Time, off bool) billing.Line {
		l := billing.Line{ID: domain.NewID(), WorkOrderID: o.ID, Kind: billing.Part, PartCode: ptr("P"), Code: ptr("P"), Description: "p",
			Quantity: 1, UnitPrice: 5, Amount: 5, CreatedBy: u.ID, At: at, OffList: off}
		if !off {
			l.PriceItemID, l.ListPrice, l.OverrideReason = &item, ptr(int64(7)), ptr("goodwill")
		}
		if err := db.Billing().Insert(t.Context(), l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	early, priced, late := line(t0, true), line(t0.Add(time.Minute), false), line(t0.Add(time.Hour), true)
	list := func(f billing.LineFilter) []billing.Line {
		p, err := db.Billing().List(t.Context(), f, domain.PageRequest{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		return p.Items
	}
	yes, to := true, t0.Add(time.Hour)
	checkDeep(t, "off list", list(billing.LineFilter{OffList: &yes}), []billing.Line{early, late})
	checkDeep(t, "off list before the hour", list(billing.LineFilter{OffList: &yes, To: &to}), []billing.Line{early})
	checkDeep(t, "all from the hour", list(billing.LineFilter{From: &to}), []billing.Line{late})
	checkDeep(t, "all", list(billing.LineFilter{}), []billing.Line{early, priced, late})
}

func mapIDs[T any](in []T, id func(T) uuid.UUID) []uuid.UUID {
	out := make([]uuid.UUID, len(in))
	for i, x := range in {
		out[i] = id(x)
	}
	return out
}
