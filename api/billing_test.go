package api_test

import (
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/api"
	"github.com/fieldwork/fieldwork/domain/billing"
)

// billLineOut is a bill line as the API shows it.
type billLineOut struct {
	ID       uuid.UUID `json:"id"`
	Kind     string    `json:"kind"`
	Amount   int64     `json:"amount"`
	Charged  int64     `json:"charged"`
	Quantity int       `json:"quantity"`
}

type billOut struct {
	Lines      []billLineOut `json:"lines"`
	PartsTotal int64         `json:"parts_total"`
	Total      int64         `json:"total"`
	Warranty   struct {
		Rule string `json:"rule"`
	} `json:"warranty"`
}

func (e *env) bill(t *testing.T, token string, orderID uuid.UUID) billOut {
	t.Helper()
	var b billOut
	e.do(t, req{method: "GET", path: "/v1/work-orders/" + orderID.String() + "/bill", token: token}).expect(t, 200).decode(t, &b)
	return b
}

// inWarrantyRepair installs a unit on the fleet's first vehicle and opens a
// repair of it, on site: the repair is under warranty.
func (e *env) inWarrantyRepair(t *testing.T, f *fleet) workOrder {
	t.Helper()
	fit := e.onSiteOrder(t, f, fleetInstallBody(*f))
	photo := e.evidence(t, f.tech.Token, fit.ID)
	term, sim := e.stock(t, 12)
	e.do(t, req{method: "POST", path: "/v1/work-orders/" + fit.ID.String() + "/installations", token: f.tech.Token,
		body: map[string]any{"vehicle_id": f.vehicles[0], "terminal_id": term.ID, "sim_id": sim.ID, "photo_ids": []uuid.UUID{photo}}}).expect(t, 201)
	return e.onSiteOrder(t, f, repairBody(*f, "normal"))
}

func TestBill_201_LineChargedAsTheBillChargesIt(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		orders := map[string]workOrder{
			"in_warranty_free":           e.inWarrantyRepair(t, &f),
			"out_of_warranty_parts_only": e.onSiteOrder(t, &f, woWith(repairBody(f, "normal"), "vehicle_id", f.vehicles[1])),
			"install_labour_free":        e.onSiteOrder(t, &f, fleetInstallBody(f)),
		}
		for rule, o := range orders {
			t.Run(rule, func(t *testing.T) {
				recorded := map[uuid.UUID]billLineOut{}
				for _, l := range []struct{ path, body any }{
					{"/parts", map[string]any{"part_code": "ANT-2", "description": "antenna", "quantity": 2, "unit_price": 1500}},
					{"/labour", map[string]any{"description": "fitting", "minutes": 45, "amount": 8000}},
				} {
					var out billLineOut
					e.do(t, req{method: "POST", path: "/v1/work-orders/" + o.ID.String() + l.path.(string), token: f.tech.Token, body: l.body}).
						expect(t, 201).decode(t, &out)
					recorded[out.ID] = out
				}
				b := e.bill(t, f.manager.Token, o.ID)
				if b.Warranty.Rule != rule || len(b.Lines) != 2 {
					t.Fatalf("bill %+v", b)
				}
				for _, l := range b.Lines {
					if got := recorded[l.ID]; got.Charged != l.Charged {
						t.Errorf("%s line: recorded with charged %d, the bill charges %d", l.Kind, got.Charged, l.Charged)
					}
				}
			})
		}
	})
}

func TestBill_MoneyBoundsAreTheSpecs(t *testing.T) {
	doc, err := api.LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	schemas := doc.Components.Schemas
	if m := schemas["Fen"].Value.Max; m == nil || int64(*m) != billing.MaxFen {
		t.Errorf("spec Fen maximum %s, domain billing.MaxFen %d", mustJSON(t, m), billing.MaxFen)
	}
	if m := schemas["PartCreate"].Value.Properties["quantity"].Value.Max; m == nil || int(*m) != billing.MaxQuantity {
		t.Errorf("spec quantity maximum %s, domain billing.MaxQuantity %d", mustJSON(t, m), billing.MaxQuantity)
	}
	if m := schemas["Bill"].Value.Properties["lines"].Value.MaxItems; m == nil || int(*m) != billing.MaxLines {
		t.Errorf("spec Bill.lines maxItems %s, domain billing.MaxLines %d", mustJSON(t, m), billing.MaxLines)
	}
}

func TestBill_422_WhenALineOrTheOrderWouldOverflowTheMaximum(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		o := e.onSiteOrder(t, &f, repairBody(f, "normal"))
		path := "/v1/work-orders/" + o.ID.String()
		part := func(quantity int, unitPrice int64) map[string]any {
			return map[string]any{"part_code": "ANT-2", "description": "antenna", "quantity": quantity, "unit_price": unitPrice}
		}
		refused := func(name, sub string, body map[string]any, status int, field string) {
			t.Helper()
			before := e.bill(t, f.manager.Token, o.ID)
			e.do(t, req{method: "POST", path: path + sub, token: f.tech.Token, body: body}).expect(t, status).problem(t).expectField(t, field)
			if after := e.bill(t, f.manager.Token, o.ID); len(after.Lines) != len(before.Lines) || after.Total != before.Total {
				t.Fatalf("%s: a refused line was written: %+v", name, after)
			}
		}
		// Over the spec's maximum: the schema refuses it.
		refused("unit price over the maximum", "/parts", part(1, billing.MaxFen+1), 400, "unit_price")
		refused("labour over the maximum", "/labour", map[string]any{"description": "x", "minutes": 1, "amount": billing.MaxFen + 1}, 400, "amount")
		// Each within it, but the line's amount is not.
		refused("quantity × unit price over the maximum", "/parts", part(billing.MaxQuantity, billing.MaxFen/10), 422, "unit_price")
		refused("two × the maximum", "/parts", part(2, billing.MaxFen), 422, "unit_price")

		// The maximum itself is a price and an amount.
		var l billLineOut
		e.do(t, req{method: "POST", path: path + "/parts", token: f.tech.Token, body: part(1, billing.MaxFen)}).expect(t, 201).decode(t, &l)
		if l.Amount != billing.MaxFen || l.Charged != billing.MaxFen {
			t.Fatalf("line at the maximum %+v", l)
		}
		// The order's total may not pass it either.
		refused("a part past the order's maximum", "/parts", part(1, 1), 422, "unit_price")
		refused("labour past the order's maximum", "/labour", map[string]any{"description": "x", "minutes": 1, "amount": 1}, 422, "amount")
		e.do(t, req{method: "POST", path: path + "/labour", token: f.tech.Token,
			body: map[string]any{"description": "free", "minutes": 1, "amount": 0}}).expect(t, 201)
		if b := e.bill(t, f.manager.Token, o.ID); b.Total != billing.MaxFen || len(b.Lines) != 2 {
			t.Fatalf("bill at the maximum %+v", b)
		}
	})
}

func TestBill_ConcurrentLinesNeverPassTheMaximumTogether(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		o := e.onSiteOrder(t, &f, repairBody(f, "normal"))
		const n = 6
		codes := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				hr := e.buildRequest(t, req{method: "POST", path: "/v1/work-orders/" + o.ID.String() + "/parts", token: f.tech.Token,
					body: map[string]any{"part_code": "BIG", "description": "a big part", "quantity": 1, "unit_price": billing.MaxFen/2 + 1}})
				if res, err := e.send(hr); err == nil {
					codes[i] = res.Status
				}
			}()
		}
		wg.Wait()
		won := 0
		for _, c := range codes {
			switch c {
			case 201:
				won++
			case 422:
			default:
				t.Fatalf("answers %v, want 201 or 422", codes)
			}
		}
		if b := e.bill(t, f.manager.Token, o.ID); won != 1 || len(b.Lines) != 1 || b.Total > billing.MaxFen {
			t.Fatalf("answers %v; bill %+v", codes, b)
		}
	}, woNoRateLimit)
}
