package api_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
)

type contractOut struct {
	ID             uuid.UUID                 `json:"id"`
	Number         string                    `json:"number"`
	CustomerID     uuid.UUID                 `json:"customer_id"`
	StartsOn       string                    `json:"starts_on"`
	EndsOn         string                    `json:"ends_on"`
	VehicleIDs     []uuid.UUID               `json:"vehicle_ids"`
	SLA            map[string]map[string]int `json:"sla"`
	WarrantyMonths *int                      `json:"warranty_months"`
	Version        int                       `json:"version"`
}

// contractOrder is what a work order says of its contract and deadlines.
type contractOrder struct {
	ID         uuid.UUID  `json:"id"`
	Version    int        `json:"version"`
	ContractID *uuid.UUID `json:"contract_id"`
	CreatedAt  time.Time  `json:"created_at"`
	SLA        struct {
		RespondBy time.Time `json:"respond_by"`
		ResolveBy time.Time `json:"resolve_by"`
	} `json:"sla"`
}

// today is the fake clock's UTC day, shifted by days.
func (e *env) today(days int) string {
	return e.clock.Now().UTC().AddDate(0, 0, days).Format(time.DateOnly)
}

// contractBody is a contract of the customer in force from yesterday for a
// year, with urgent terms of 2 h and 6 h; extra fields are added over it.
func (e *env) contractBody(customer uuid.UUID, extra map[string]any) map[string]any {
	b := map[string]any{"number": "HT-" + uuid.NewString()[:8], "customer_id": customer, "starts_on": e.today(-1), "ends_on": e.today(365),
		"sla": map[string]any{"urgent": map[string]any{"respond_minutes": 120, "resolve_minutes": 360}}}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

func (e *env) createContract(t *testing.T, token string, body map[string]any) contractOut {
	t.Helper()
	var c contractOut
	r := e.do(t, req{method: "POST", path: "/v1/contracts", token: token, body: body}).expect(t, 201)
	r.decode(t, &c)
	if r.Header.Get("ETag") != fmt.Sprintf(`"%d"`, c.Version) || r.Header.Get("Location") != "/v1/contracts/"+c.ID.String() {
		t.Fatalf("headers %v", r.Header)
	}
	return c
}

func (e *env) patchContract(t *testing.T, token string, c contractOut, body map[string]any) response {
	t.Helper()
	return e.do(t, req{method: "PATCH", path: "/v1/contracts/" + c.ID.String(), token: token, body: body,
		header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, c.Version)}})
}

func (e *env) contractOrder(t *testing.T, token string, body map[string]any) contractOrder {
	t.Helper()
	var o contractOrder
	e.do(t, req{method: "POST", path: "/v1/work-orders", token: token, body: body}).expect(t, 201).decode(t, &o)
	return o
}

func (e *env) getContractOrder(t *testing.T, id uuid.UUID) contractOrder {
	t.Helper()
	var o contractOrder
	e.do(t, req{method: "GET", path: "/v1/work-orders/" + id.String(), token: e.admin}).expect(t, 200).decode(t, &o)
	return o
}

// deadlines fails unless the order is due on site and resolved the given
// times after its creation.
func deadlines(t *testing.T, what string, o contractOrder, respond, resolve time.Duration) {
	t.Helper()
	if got := o.SLA.RespondBy.Sub(o.CreatedAt); got != respond {
		t.Errorf("%s: respond_by is %v after creation, want %v", what, got, respond)
	}
	if got := o.SLA.ResolveBy.Sub(o.CreatedAt); got != resolve {
		t.Errorf("%s: resolve_by is %v after creation, want %v", what, got, resolve)
	}
}

func TestContracts_CreateReadListAndEditUnderIfMatch(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		c := e.createContract(t, f.manager.Token, e.contractBody(f.customer, map[string]any{"vehicle_ids": []uuid.UUID{f.vehicles[1], f.vehicles[0], f.vehicles[1]},
			"warranty_months": 24}))
		if c.Version != 1 || len(c.VehicleIDs) != 2 || c.SLA["urgent"]["resolve_minutes"] != 360 || c.SLA["high"] != nil || *c.WarrantyMonths != 24 {
			t.Fatalf("created %+v", c)
		}
		var got contractOut
		r := e.do(t, req{method: "GET", path: "/v1/contracts/" + c.ID.String(), token: f.custUser.Token}).expect(t, 200)
		r.decode(t, &got)
		if r.Header.Get("ETag") != `"1"` || got.Number != c.Number {
			t.Fatalf("GET %+v %v", got, r.Header)
		}

		path := "/v1/contracts/" + c.ID.String()
		edit := map[string]any{"vehicle_ids": nil, "warranty_months": nil, "sla": map[string]any{"low": map[string]any{"respond_minutes": 60, "resolve_minutes": 60}}}
		e.do(t, req{method: "PATCH", path: path, token: f.manager.Token, body: edit}).expect(t, 428)
		e.do(t, req{method: "PATCH", path: path, token: f.manager.Token, body: edit, header: map[string]string{"If-Match": `"2"`}}).expect(t, 412)
		got = contractOut{}
		r = e.patchContract(t, f.manager.Token, c, edit).expect(t, 200)
		r.decode(t, &got)
		if r.Header.Get("ETag") != `"2"` || got.VehicleIDs != nil || got.WarrantyMonths != nil || got.SLA["urgent"] != nil || got.SLA["low"]["respond_minutes"] != 60 {
			t.Fatalf("after PATCH %+v %v", got, r.Header)
		}
		// The same edit again changes nothing and keeps the version.
		e.patchContract(t, f.manager.Token, got, edit).expect(t, 200).decode(t, &got)
		if got.Version != 2 {
			t.Fatalf("an edit that changed nothing moved the version to %d", got.Version)
		}

		// A customer's contracts; those in force on a day, both end days included.
		other := e.newFleet(t)
		later := e.createContract(t, e.admin, e.contractBody(other.customer, map[string]any{"starts_on": e.today(400), "ends_on": e.today(400)}))
		ids := func(path, token string) []uuid.UUID {
			id := func(c contractOut) uuid.UUID { return c.ID }
			return mapSlice(listAll(t, e, token, path, 1, id), id)
		}
		sameIDs(t, "customer A", ids("/v1/contracts?customer_id="+f.customer.String(), e.admin), []uuid.UUID{c.ID})
		sameIDs(t, "B on its day", ids("/v1/contracts?customer_id="+other.customer.String()+"&active_on="+e.today(400), e.admin), []uuid.UUID{later.ID})
		sameIDs(t, "B the day before", ids("/v1/contracts?customer_id="+other.customer.String()+"&active_on="+e.today(399), e.admin), nil)
		sameIDs(t, "A's last day", ids("/v1/contracts?customer_id="+f.customer.String()+"&active_on="+e.today(365), e.admin), []uuid.UUID{c.ID})
		// A customer user sees its own only, whatever it asks for.
		sameIDs(t, "customer user", ids("/v1/contracts", f.custUser.Token), []uuid.UUID{c.ID})
		sameIDs(t, "customer user asking for B", ids("/v1/contracts?customer_id="+other.customer.String(), f.custUser.Token), nil)
	})
}

func TestContracts_409_WhenNumberTakenOrAVehicleWouldBeUnderTwo(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		first := e.createContract(t, e.admin, e.contractBody(f.customer, map[string]any{"vehicle_ids": []uuid.UUID{f.vehicles[0]}}))
		e.do(t, req{method: "POST", path: "/v1/contracts", token: e.admin,
			body: e.contractBody(f.customer, map[string]any{"number": first.Number, "vehicle_ids": []uuid.UUID{f.vehicles[1]}})}).expect(t, 409)
		// Over all vehicles, or over the same vehicle, on a day in common.
		e.do(t, req{method: "POST", path: "/v1/contracts", token: e.admin, body: e.contractBody(f.customer, nil)}).expect(t, 409)
		e.do(t, req{method: "POST", path: "/v1/contracts", token: e.admin,
			body: e.contractBody(f.customer, map[string]any{"vehicle_ids": []uuid.UUID{f.vehicles[0]}, "starts_on": e.today(365), "ends_on": e.today(500)})}).
			expect(t, 409)
		// The other vehicle, or the same one from the day after, is fine.
		second := e.createContract(t, e.admin, e.contractBody(f.customer, map[string]any{"vehicle_ids": []uuid.UUID{f.vehicles[1]}}))
		e.createContract(t, e.admin, e.contractBody(f.customer, map[string]any{"vehicle_ids": []uuid.UUID{f.vehicles[0]}, "starts_on": e.today(366), "ends_on": e.today(500)}))
		// Editing one onto the other's vehicle clashes too, and changes nothing.
		e.patchContract(t, e.admin, second, map[string]any{"vehicle_ids": []uuid.UUID{f.vehicles[0], f.vehicles[1]}}).expect(t, 409)
		var got contractOut
		e.do(t, req{method: "GET", path: "/v1/contracts/" + second.ID.String(), token: e.admin}).expect(t, 200).decode(t, &got)
		if got.Version != 1 || len(got.VehicleIDs) != 1 {
			t.Fatalf("a refused edit changed the contract: %+v", got)
		}
		// Another customer's contracts don't clash with these.
		other := e.newFleet(t)
		e.createContract(t, e.admin, e.contractBody(other.customer, nil))
	})
}

func TestContracts_422_OnMeaning(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f, other := e.newFleet(t), e.newFleet(t)
		for name, c := range map[string]struct {
			extra map[string]any
			field string
		}{
			"ends before it starts": {map[string]any{"starts_on": e.today(2), "ends_on": e.today(1)}, "ends_on"},
			"resolve before respond": {map[string]any{"sla": map[string]any{"high": map[string]any{"respond_minutes": 60, "resolve_minutes": 59}}},
				"sla.high.resolve_minutes"},
			"another customer's vehicle": {map[string]any{"vehicle_ids": []uuid.UUID{other.vehicles[0]}}, "vehicle_ids"},
			"no such customer":           {map[string]any{"customer_id": uuid.New()}, "customer_id"},
			"blank number":               {map[string]any{"number": " "}, "number"},
		} {
			t.Run(name, func(t *testing.T) {
				p := e.do(t, req{method: "POST", path: "/v1/contracts", token: e.admin, body: e.contractBody(f.customer, c.extra)}).problem(t)
				if p.Status != 422 && !(name == "blank number" && p.Status == 400) {
					t.Fatalf("status %d, want 422: %+v", p.Status, p)
				}
				if p.Status == 422 {
					p.expectField(t, c.field)
				}
			})
		}
		var page pageOut[contractOut]
		e.do(t, req{method: "GET", path: "/v1/contracts?customer_id=" + f.customer.String(), token: e.admin}).expect(t, 200).decode(t, &page)
		if len(page.Items) != 0 {
			t.Fatalf("a refused contract was written: %+v", page.Items)
		}
	})
}

func TestWorkOrder_TakesTheTermsOfTheContractInForceOnItsVehicles(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		c := e.createContract(t, f.manager.Token, e.contractBody(f.customer, map[string]any{"vehicle_ids": []uuid.UUID{f.vehicles[0]}}))
		// Urgent is the contract's; normal falls back to FIELDWORK_SLA (24 h, 48 h).
		urgent := e.contractOrder(t, f.manager.Token, repairBody(f, "urgent"))
		if urgent.ContractID == nil || *urgent.ContractID != c.ID {
			t.Fatalf("contract_id = %v, want %s", urgent.ContractID, c.ID)
		}
		deadlines(t, "urgent under the contract", urgent, 2*time.Hour, 6*time.Hour)
		normal := e.contractOrder(t, f.manager.Token, repairBody(f, "normal"))
		deadlines(t, "normal under the contract", normal, 24*time.Hour, 48*time.Hour)
		// A vehicle no contract covers runs by FIELDWORK_SLA.
		body := repairBody(f, "urgent")
		body["vehicle_id"] = f.vehicles[1]
		bare := e.contractOrder(t, f.manager.Token, body)
		if bare.ContractID != nil {
			t.Fatalf("an order outside any contract has contract_id %v", bare.ContractID)
		}
		deadlines(t, "urgent without a contract", bare, 4*time.Hour, 8*time.Hour)
		// Nor does a contract that starts tomorrow.
		e.createContract(t, e.admin, e.contractBody(f.customer, map[string]any{"vehicle_ids": []uuid.UUID{f.vehicles[1]}, "starts_on": e.today(1)}))
		if o := e.contractOrder(t, f.manager.Token, body); o.ContractID != nil {
			t.Fatalf("a contract not yet in force was taken: %v", o.ContractID)
		}
	})
}

func TestWorkOrder_422_WhenItsVehiclesFallUnderDifferentContracts(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		f.vehicles = append(f.vehicles, e.createVehicle(t, f.customer, "粤B00003"))
		e.createContract(t, e.admin, e.contractBody(f.customer, map[string]any{"vehicle_ids": []uuid.UUID{f.vehicles[0]}}))
		e.createContract(t, e.admin, e.contractBody(f.customer, map[string]any{"vehicle_ids": []uuid.UUID{f.vehicles[1]}}))
		install := func(vs ...uuid.UUID) map[string]any {
			return map[string]any{"type": "install", "customer_id": f.customer, "vehicle_ids": vs, "site": map[string]any{"address": "Depot"},
				"description": "fit trackers", "priority": "urgent"}
		}
		for name, vs := range map[string][]uuid.UUID{"two contracts": {f.vehicles[0], f.vehicles[1]}, "a contract and none": {f.vehicles[2], f.vehicles[0]}} {
			t.Run(name, func(t *testing.T) {
				e.do(t, req{method: "POST", path: "/v1/work-orders", token: e.admin, body: install(vs...)}).expect(t, 422).problem(t).expectField(t, "vehicle_ids")
			})
		}
		if ids := e.woListIDs(t, e.admin, "customer_id="+f.customer.String()); len(ids) != 0 {
			t.Fatalf("a refused order was written: %v", ids)
		}
		o := e.contractOrder(t, e.admin, install(f.vehicles[0]))
		deadlines(t, "one vehicle's contract", o, 2*time.Hour, 6*time.Hour)
	})
}

// The terms are snapshotted on the order: editing (or ending) the contract
// moves no existing order's deadlines, not even when the order's priority
// is edited later; new orders take the new terms.
func TestContracts_EditingNeverMovesAnExistingOrdersDeadlines(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		c := e.createContract(t, f.manager.Token, e.contractBody(f.customer, map[string]any{
			"sla": map[string]any{"urgent": map[string]any{"respond_minutes": 120, "resolve_minutes": 360},
				"high": map[string]any{"respond_minutes": 180, "resolve_minutes": 600}}}))
		o := e.contractOrder(t, f.manager.Token, repairBody(f, "urgent"))
		var edited contractOut
		e.patchContract(t, f.manager.Token, c, map[string]any{"sla": map[string]any{
			"urgent": map[string]any{"respond_minutes": 30, "resolve_minutes": 60},
			"high":   map[string]any{"respond_minutes": 45, "resolve_minutes": 90}}}).expect(t, 200).decode(t, &edited)
		after := e.getContractOrder(t, o.ID)
		deadlines(t, "after the contract's edit", after, 2*time.Hour, 6*time.Hour)

		// A later priority change runs by the terms the order was created under.
		e.do(t, req{method: "PATCH", path: "/v1/work-orders/" + o.ID.String(), token: f.manager.Token, body: map[string]any{"priority": "high"},
			header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, after.Version)}}).expect(t, 200)
		deadlines(t, "made high after the edit", e.getContractOrder(t, o.ID), 3*time.Hour, 10*time.Hour)

		deadlines(t, "a new order", e.contractOrder(t, f.manager.Token, repairBody(f, "urgent")), 30*time.Minute, time.Hour)

		// Ending the contract before today leaves the order under it.
		e.patchContract(t, f.manager.Token, edited, map[string]any{"ends_on": e.today(-1)}).expect(t, 200)
		if got := e.getContractOrder(t, o.ID); got.ContractID == nil || *got.ContractID != c.ID {
			t.Fatalf("the order left its contract: %v", got.ContractID)
		}
		deadlines(t, "after the contract ended", e.getContractOrder(t, o.ID), 3*time.Hour, 10*time.Hour)
	})
}

// A terminal first installed under a contract has the contract's warranty
// in place of its model's, as the contract said then; one installed
// outside any contract keeps its model's.
func TestContracts_WarrantyOfUnitsInstalledUnderThem(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		c := e.createContract(t, e.admin, e.contractBody(f.customer, map[string]any{"vehicle_ids": []uuid.UUID{f.vehicles[0]}, "warranty_months": 36}))
		install := func(v uuid.UUID) uuid.UUID {
			one := f
			one.vehicles = []uuid.UUID{v}
			o := e.onSiteOrder(t, &one, fleetInstallBody(one))
			photo := e.evidence(t, f.tech.Token, o.ID)
			term, sim := e.stock(t, 12)
			e.do(t, req{method: "POST", path: "/v1/work-orders/" + o.ID.String() + "/installations", token: f.tech.Token,
				body: map[string]any{"vehicle_id": v, "terminal_id": term.ID, "sim_id": sim.ID, "photo_ids": []uuid.UUID{photo}}}).expect(t, 201)
			return term.ID
		}
		endsOn := func(term uuid.UUID) string {
			var w struct {
				EndsOn *string `json:"ends_on"`
			}
			e.do(t, req{method: "GET", path: "/v1/terminals/" + term.String() + "/warranty", token: f.manager.Token}).expect(t, 200).decode(t, &w)
			if w.EndsOn == nil {
				t.Fatal("no warranty end")
			}
			return *w.EndsOn
		}
		today := e.clock.Now().UTC()
		under, outside := install(f.vehicles[0]), install(f.vehicles[1])
		if got, want := endsOn(under), today.AddDate(3, 0, -1).Format(time.DateOnly); got != want {
			t.Errorf("under the contract the warranty ends %s, want %s (36 months)", got, want)
		}
		if got, want := endsOn(outside), today.AddDate(1, 0, -1).Format(time.DateOnly); got != want {
			t.Errorf("outside any contract the warranty ends %s, want %s (the model's 12 months)", got, want)
		}
		e.patchContract(t, e.admin, c, map[string]any{"warranty_months": 6}).expect(t, 200)
		if got, want := endsOn(under), today.AddDate(3, 0, -1).Format(time.DateOnly); got != want {
			t.Errorf("after the contract's edit the warranty ends %s, want %s still", got, want)
		}
	})
}
