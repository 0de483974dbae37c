package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/api"
	"github.com/fieldwork/fieldwork/domain/billing"
	"github.com/fieldwork/fieldwork/domain/pricelist"
)

// priceItemOut is a price-list version as the API shows it.
type priceItemOut struct {
	ID        uuid.UUID `json:"id"`
	Code      string    `json:"code"`
	Version   int       `json:"version"`
	UnitPrice int64     `json:"unit_price"`
	ValidFrom string    `json:"valid_from"`
}

// pricedLineOut is a bill line with what priced it.
type pricedLineOut struct {
	billLineOut
	Code                *string    `json:"code"`
	UnitPrice           int64      `json:"unit_price"`
	OffList             bool       `json:"off_list"`
	PriceItemID         *uuid.UUID `json:"price_item_id"`
	ListPrice           *int64     `json:"list_price"`
	PriceOverrideReason *string    `json:"price_override_reason"`
	WorkOrderID         uuid.UUID  `json:"work_order_id"`
}

func (e *env) priceItem(t *testing.T, token, code, kind, unit string, price int64, validFrom string) priceItemOut {
	t.Helper()
	body := map[string]any{"code": code, "kind": kind, "name": "Item " + code, "unit": unit, "unit_price": price}
	if validFrom != "" {
		body["valid_from"] = validFrom
	}
	var it priceItemOut
	e.do(t, req{method: "POST", path: "/v1/price-items", token: token, body: body}).expect(t, 201).decode(t, &it)
	return it
}

func (e *env) reprice(t *testing.T, token string, id uuid.UUID, price int64, validFrom string) priceItemOut {
	t.Helper()
	var it priceItemOut
	e.do(t, req{method: "PATCH", path: "/v1/price-items/" + id.String(), token: token,
		body: map[string]any{"unit_price": price, "valid_from": validFrom}}).expect(t, 200).decode(t, &it)
	return it
}

func (e *env) addLine(t *testing.T, token string, orderID uuid.UUID, what string, body map[string]any, status int) pricedLineOut {
	t.Helper()
	var l pricedLineOut
	r := e.do(t, req{method: "POST", path: "/v1/work-orders/" + orderID.String() + "/" + what, token: token, body: body}).expect(t, status)
	if status == 201 {
		r.decode(t, &l)
	}
	return l
}

func day(t time.Time, days int) string { return t.AddDate(0, 0, days).UTC().Format(time.DateOnly) }

func TestPrices_LineTakesThePriceOnTheDayAcrossVersions(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		now := e.clock.Now()
		v1 := e.priceItem(t, f.manager.Token, "ant-9", "part", "each", 3000, day(now, -10))
		next := e.reprice(t, f.manager.Token, v1.ID, 4000, day(now, 1))
		if v1.Code != "ANT-9" || next.Code != "ANT-9" || next.Version != 2 || next.ID == v1.ID {
			t.Fatalf("versions %+v, %+v", v1, next)
		}
		o := e.onSiteOrder(t, &f, woWith(repairBody(f, "normal"), "vehicle_id", f.vehicles[1]))
		part := map[string]any{"part_code": "ant-9", "description": "antenna", "quantity": 2}
		// Tomorrow's price is not today's.
		first := e.addLine(t, f.tech.Token, o.ID, "parts", part, 201)
		if first.UnitPrice != 3000 || first.Amount != 6000 || first.OffList || first.PriceItemID == nil || *first.PriceItemID != v1.ID ||
			*first.Code != "ANT-9" || *first.ListPrice != 3000 {
			t.Fatalf("today's line %+v, want version 1's 3000", first)
		}
		// A version from today may not come before tomorrow's...
		e.do(t, req{method: "PATCH", path: "/v1/price-items/" + v1.ID.String(), token: f.manager.Token,
			body: map[string]any{"unit_price": 1, "valid_from": day(now, 0)}}).expect(t, 422).problem(t).expectField(t, "valid_from")
		// ...but one from tomorrow made later wins tomorrow, and the line already priced keeps its price.
		v3 := e.reprice(t, f.manager.Token, v1.ID, 3500, day(now, 1))
		if v3.Version != 3 {
			t.Fatalf("version %+v", v3)
		}
		if again := e.addLine(t, f.tech.Token, o.ID, "parts", part, 201); again.UnitPrice != 3000 || *again.PriceItemID != v1.ID {
			t.Fatalf("today's second line %+v, want 3000", again)
		}
		e.clock.Advance(24 * time.Hour)
		e.relogin(t, &f)
		if tomorrow := e.addLine(t, f.tech.Token, o.ID, "parts", part, 201); tomorrow.UnitPrice != 3500 || *tomorrow.PriceItemID != v3.ID {
			t.Fatalf("tomorrow's line %+v, want version 3's 3500", tomorrow)
		}
		b := e.bill(t, f.manager.Token, o.ID)
		if b.Total != 6000+6000+7000 || b.Lines[0].Amount != 6000 {
			t.Fatalf("bill %+v", b)
		}
		// The list shows the version in force on a day.
		var page pageOut[priceItemOut]
		for d, want := range map[string]uuid.UUID{day(now, -11): uuid.Nil, day(now, 0): v1.ID, day(now, 1): v3.ID, day(now, 400): v3.ID} {
			e.do(t, req{method: "GET", path: "/v1/price-items?code=ant-9&on=" + d, token: f.tech.Token}).expect(t, 200).decode(t, &page)
			if (want == uuid.Nil && len(page.Items) != 0) || (want != uuid.Nil && (len(page.Items) != 1 || page.Items[0].ID != want)) {
				t.Fatalf("in force on %s: %+v, want %s", d, page.Items, want)
			}
		}
	})
}

func TestPrices_422_WhenADifferentPriceWithoutAManagersReason(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		e.priceItem(t, f.manager.Token, "FUSE-1", "part", "each", 200, "")
		e.priceItem(t, f.manager.Token, "LAB-H", "labour", "hour", 6000, "")
		o := e.onSiteOrder(t, &f, woWith(repairBody(f, "normal"), "vehicle_id", f.vehicles[1]))
		part := map[string]any{"part_code": "FUSE-1", "description": "fuse", "quantity": 1, "unit_price": 250}
		e.addLine(t, f.tech.Token, o.ID, "parts", part, 422)
		e.do(t, req{method: "POST", path: "/v1/work-orders/" + o.ID.String() + "/parts", token: f.tech.Token, body: part}).
			expect(t, 422).problem(t).expectField(t, "unit_price")
		part["price_override_reason"] = "customer's own"
		e.do(t, req{method: "POST", path: "/v1/work-orders/" + o.ID.String() + "/parts", token: f.tech.Token, body: part}).
			expect(t, 422).problem(t).expectField(t, "unit_price")
		delete(part, "price_override_reason")
		e.do(t, req{method: "POST", path: "/v1/work-orders/" + o.ID.String() + "/parts", token: f.manager.Token, body: part}).
			expect(t, 422).problem(t).expectField(t, "price_override_reason")
		// The list's own price, typed or not, is fine; a reason then has nothing to override.
		part["unit_price"] = 200
		e.addLine(t, f.tech.Token, o.ID, "parts", part, 201)
		part["price_override_reason"] = "none"
		e.addLine(t, f.manager.Token, o.ID, "parts", part, 422)
		// Labour by the hour: 45 minutes at 60 yuan an hour is 45 yuan.
		lab := e.addLine(t, f.tech.Token, o.ID, "labour", map[string]any{"code": "lab-h", "description": "fitting", "minutes": 45}, 201)
		if lab.Amount != 4500 || lab.OffList || *lab.ListPrice != 6000 {
			t.Fatalf("labour %+v", lab)
		}
		e.do(t, req{method: "POST", path: "/v1/work-orders/" + o.ID.String() + "/labour", token: f.tech.Token,
			body: map[string]any{"code": "LAB-H", "description": "fitting", "minutes": 45, "amount": 5000}}).expect(t, 422).problem(t).expectField(t, "amount")
		// A code on the list as another kind is refused.
		e.do(t, req{method: "POST", path: "/v1/work-orders/" + o.ID.String() + "/parts", token: f.tech.Token,
			body: map[string]any{"part_code": "LAB-H", "description": "x", "quantity": 1}}).expect(t, 422).problem(t).expectField(t, "part_code")
		if b := e.bill(t, f.manager.Token, o.ID); len(b.Lines) != 2 {
			t.Fatalf("refused lines were recorded: %+v", b)
		}
	})
}

func TestPrices_ManagerOverrideRecordedOnLineAndTimeline(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		e.priceItem(t, f.manager.Token, "SIM-HOLDER", "part", "each", 1200, "")
		o := e.onSiteOrder(t, &f, woWith(repairBody(f, "normal"), "vehicle_id", f.vehicles[1]))
		l := e.addLine(t, f.manager.Token, o.ID, "parts", map[string]any{"part_code": "SIM-HOLDER", "description": "holder", "quantity": 2,
			"unit_price": 1000, "price_override_reason": "goodwill after a late visit"}, 201)
		if l.UnitPrice != 1000 || l.Amount != 2000 || l.Charged != 2000 || *l.ListPrice != 1200 || l.PriceOverrideReason == nil ||
			*l.PriceOverrideReason != "goodwill after a late visit" || l.OffList {
			t.Fatalf("line %+v", l)
		}
		var events struct {
			Items []struct {
				Type string         `json:"type"`
				Data map[string]any `json:"data"`
			} `json:"items"`
		}
		e.do(t, req{method: "GET", path: "/v1/work-orders/" + o.ID.String() + "/events", token: f.manager.Token}).expect(t, 200).decode(t, &events)
		found := false
		for _, ev := range events.Items {
			if ev.Type == "work_order.price_overridden" {
				found = ev.Data["reason"] == "goodwill after a late visit" && ev.Data["line_id"] == l.ID.String() &&
					ev.Data["list_price"] == float64(1200) && ev.Data["unit_price"] == float64(1000)
			}
		}
		if !found {
			t.Fatalf("no price_overridden event with the reason on the timeline: %s", mustJSON(t, events))
		}
		b := e.bill(t, f.tech.Token, o.ID)
		if len(b.Lines) != 1 || b.Lines[0].Charged != 2000 {
			t.Fatalf("bill %+v", b)
		}
	})
}

func TestPrices_OffListLinesMarkedAndListedForManagers(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		e.priceItem(t, f.manager.Token, "RELAY-1", "part", "each", 800, "")
		o := e.onSiteOrder(t, &f, woWith(repairBody(f, "normal"), "vehicle_id", f.vehicles[1]))
		from := e.clock.Now()
		on := e.addLine(t, f.tech.Token, o.ID, "parts", map[string]any{"part_code": "RELAY-1", "description": "relay", "quantity": 1}, 201)
		off := e.addLine(t, f.tech.Token, o.ID, "parts", map[string]any{"part_code": "ODD-7", "description": "odd part", "quantity": 3, "unit_price": 150}, 201)
		lab := e.addLine(t, f.tech.Token, o.ID, "labour", map[string]any{"description": "fitting", "minutes": 30, "amount": 0}, 201)
		if on.OffList || !off.OffList || !lab.OffList || off.Amount != 450 || off.Charged != 450 || off.PriceItemID != nil {
			t.Fatalf("on %+v off %+v labour %+v", on, off, lab)
		}
		// A code not on the list needs its price.
		e.do(t, req{method: "POST", path: "/v1/work-orders/" + o.ID.String() + "/parts", token: f.tech.Token,
			body: map[string]any{"part_code": "ODD-8", "description": "odd", "quantity": 1}}).expect(t, 422).problem(t).expectField(t, "unit_price")
		e.clock.Advance(2 * time.Minute)
		later := e.addLine(t, f.tech.Token, o.ID, "parts", map[string]any{"part_code": "ODD-9", "description": "later", "quantity": 1, "unit_price": 1}, 201)
		q := "/v1/bill-lines?off_list=true&from=" + from.Format(time.RFC3339Nano) + "&to=" + from.Add(time.Minute).Format(time.RFC3339Nano)
		got := listAll(t, e, f.manager.Token, strings.ReplaceAll(q, "+", "%2B"), 200, func(l pricedLineOut) uuid.UUID { return l.ID })
		if len(got) != 2 || got[0].ID != off.ID || got[1].ID != lab.ID || got[0].WorkOrderID != o.ID || got[0].Charged != 450 || !got[0].OffList {
			t.Fatalf("off-list lines in the hour %+v, want the odd part and the labour", got)
		}
		all := listAll(t, e, f.manager.Token, "/v1/bill-lines?off_list=true", 200, func(l pricedLineOut) uuid.UUID { return l.ID })
		if len(all) != 3 || all[2].ID != later.ID {
			t.Fatalf("every off-list line %+v", all)
		}
		e.do(t, req{method: "GET", path: "/v1/bill-lines?off_list=true", token: f.tech.Token}).expect(t, 403)
	})
}

func TestPrices_ServicesChargedInWarrantyWhilePartsAreNot(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		e.priceItem(t, f.manager.Token, "SVC-MOVE", "service", "visit", 15000, "")
		e.priceItem(t, f.manager.Token, "ANT-3", "part", "each", 2000, "")
		orders := map[string]workOrder{
			"in_warranty_free":           e.inWarrantyRepair(t, &f),
			"out_of_warranty_parts_only": e.onSiteOrder(t, &f, woWith(repairBody(f, "normal"), "vehicle_id", f.vehicles[1])),
			"install_labour_free":        e.onSiteOrder(t, &f, fleetInstallBody(f)),
		}
		wantParts := map[string]int64{"in_warranty_free": 0, "out_of_warranty_parts_only": 2000, "install_labour_free": 2000}
		for rule, o := range orders {
			t.Run(rule, func(t *testing.T) {
				svc := e.addLine(t, f.tech.Token, o.ID, "services", map[string]any{"code": "svc-move"}, 201)
				part := e.addLine(t, f.tech.Token, o.ID, "parts", map[string]any{"part_code": "ANT-3", "description": "antenna", "quantity": 1}, 201)
				if svc.Kind != "service" || svc.Amount != 15000 || svc.Charged != 15000 || part.Charged != wantParts[rule] {
					t.Fatalf("service %+v part %+v", svc, part)
				}
				var b struct {
					billOut
					ServicesTotal int64 `json:"services_total"`
				}
				e.do(t, req{method: "GET", path: "/v1/work-orders/" + o.ID.String() + "/bill", token: f.manager.Token}).expect(t, 200).decode(t, &b)
				if b.Warranty.Rule != rule || b.ServicesTotal != 15000 || b.Total != 15000+wantParts[rule] || b.Lines[0].Charged != svc.Charged {
					t.Fatalf("bill %+v", b)
				}
			})
		}
		o := orders["in_warranty_free"]
		// A service must be on the list, as a service.
		e.addLine(t, f.tech.Token, o.ID, "services", map[string]any{"code": "NOPE"}, 422)
		e.addLine(t, f.tech.Token, o.ID, "services", map[string]any{"code": "ANT-3"}, 422)
		e.addLine(t, f.tech.Token, o.ID, "services", map[string]any{"code": "SVC-MOVE", "unit_price": 1}, 422)
	})
}

func TestPrices_MoneyBoundsAgree(t *testing.T) {
	doc, err := api.LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	if pricelist.MaxFen != billing.MaxFen {
		t.Errorf("pricelist.MaxFen %d, billing.MaxFen %d", pricelist.MaxFen, billing.MaxFen)
	}
	if m := doc.Components.Schemas["ServiceCreate"].Value.Properties["quantity"].Value.Max; m == nil || int(*m) != billing.MaxQuantity {
		t.Errorf("spec service quantity maximum %s, domain billing.MaxQuantity %d", mustJSON(t, m), billing.MaxQuantity)
	}
}

// relogin gives the fleet's technician and manager fresh tokens after the
// clock has moved past their expiry.
func (e *env) relogin(t *testing.T, f *fleet) {
	t.Helper()
	for _, u := range []*user{&f.tech, &f.manager} {
		u.Token = e.login(u.Username, "password-"+u.Username).AccessToken
	}
}
