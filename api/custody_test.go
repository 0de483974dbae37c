package api_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Terminals, SIM cards and their chain of custody through installs and swaps.

type terminalOut struct {
	ID               uuid.UUID  `json:"id"`
	Serial           string     `json:"serial"`
	Status           string     `json:"status"`
	VehicleID        *uuid.UUID `json:"vehicle_id"`
	CustomerID       *uuid.UUID `json:"customer_id"`
	FirstInstalledOn *string    `json:"first_installed_on"`
	Label            *string    `json:"label"`
}

type simOut struct {
	ID        uuid.UUID  `json:"id"`
	Status    string     `json:"status"`
	VehicleID *uuid.UUID `json:"vehicle_id"`
}

// luhn appends the Luhn check digit to digits.
func luhn(digits string) string {
	for c := '0'; c <= '9'; c++ {
		s, sum := digits+string(c), 0
		for i := len(s) - 1; i >= 0; i-- {
			d := int(s[i] - '0')
			if (len(s)-1-i)%2 == 1 {
				d *= 2
				if d > 9 {
					d -= 9
				}
			}
			sum += d
		}
		if sum%10 == 0 {
			return s
		}
	}
	panic("unreachable")
}

var unitSeq struct {
	sync.Mutex
	n int
}

func nextUnit() int {
	unitSeq.Lock()
	defer unitSeq.Unlock()
	unitSeq.n++
	return unitSeq.n
}

// stock registers a terminal model once per env and returns a new terminal and SIM in stock.
func (e *env) stock(t *testing.T, warrantyMonths int) (terminalOut, simOut) {
	t.Helper()
	n := nextUnit()
	var m struct{ ID uuid.UUID }
	e.do(t, req{method: "POST", path: "/v1/terminal-models", token: e.admin,
		body: map[string]any{"name": fmt.Sprintf("GT-%d", n), "manufacturer": "Concox", "warranty_months": warrantyMonths}}).expect(t, 201).decode(t, &m)
	var term terminalOut
	e.do(t, req{method: "POST", path: "/v1/terminals", token: e.admin,
		body: map[string]any{"serial": fmt.Sprintf("SN%06d", n), "imei": luhn(fmt.Sprintf("86%012d", n)), "model_id": m.ID}}).expect(t, 201).decode(t, &term)
	var sim simOut
	e.do(t, req{method: "POST", path: "/v1/sims", token: e.admin,
		body: map[string]any{"iccid": luhn(fmt.Sprintf("8986%014d", n)), "msisdn": fmt.Sprintf("1440%07d", n), "carrier": "China Mobile"}}).expect(t, 201).decode(t, &sim)
	return term, sim
}

func tinyPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// evidence uploads a ready label photo to the order as token.
func (e *env) evidence(t *testing.T, token string, orderID uuid.UUID) uuid.UUID {
	t.Helper()
	return e.photoOfKind(t, token, orderID, "label")
}

// onSiteOrder drives an order to on_site with the fleet's technician.
func (e *env) onSiteOrder(t *testing.T, f *fleet, body map[string]any) workOrder {
	t.Helper()
	o := e.createOrder(t, f.manager.Token, body)
	o = e.step(t, f.manager.Token, o, "approve", nil)
	o = e.step(t, f.dispatcher.Token, o, "assign", map[string]any{"technician_id": f.tech.ID})
	o = e.step(t, f.tech.Token, o, "accept", nil)
	o = e.step(t, f.tech.Token, o, "depart", checklistOK)
	return e.step(t, f.tech.Token, o, "arrive", map[string]any{"lat": 22.5431, "lng": 114.0579})
}

func fleetInstallBody(f fleet) map[string]any {
	return map[string]any{"type": "install", "customer_id": f.customer, "vehicle_ids": f.vehicles,
		"site": map[string]any{"address": "Depot", "lat": 22.5431, "lng": 114.0579}, "description": "fit trackers", "priority": "normal"}
}

// checkCustody asserts, after every API test (eachFooting calls it), the
// invariants of the chain of custody: an
// installed unit is on exactly one vehicle, a vehicle has at most one
// installed terminal and SIM, and the vehicle view agrees with the units.
func (e *env) checkCustody(t *testing.T) {
	t.Helper()
	if t.Failed() || e.app.DB.Ping(context.Background()) != nil {
		return // nothing to add, or the test closed the database on purpose
	}
	db := e.app.DB.SQL()
	for _, q := range []string{
		"SELECT count(*) FROM terminals WHERE (status = 'installed') <> (vehicle_id IS NOT NULL)",
		"SELECT count(*) FROM sims WHERE (status = 'installed') <> (vehicle_id IS NOT NULL)",
		"SELECT count(*) FROM (SELECT vehicle_id FROM terminals WHERE status = 'installed' GROUP BY vehicle_id HAVING count(*) > 1) x",
		"SELECT count(*) FROM (SELECT vehicle_id FROM sims WHERE status = 'installed' GROUP BY vehicle_id HAVING count(*) > 1) x",
		"SELECT count(*) FROM terminals t JOIN vehicles v ON v.id = t.vehicle_id WHERE t.customer_id <> v.customer_id",
	} {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("custody invariant broken (%d rows): %s", n, q)
		}
	}
}

func TestInstall_FitsEveryVehicleThenTheOrderCompletes(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		o := e.onSiteOrder(t, &f, fleetInstallBody(f))
		photo := e.evidence(t, f.tech.Token, o.ID)
		t1, s1 := e.stock(t, 24)
		t2, s2 := e.stock(t, 24)
		path := "/v1/work-orders/" + o.ID.String()
		install := func(v, term, sim uuid.UUID) response {
			return e.do(t, req{method: "POST", path: path + "/installations", token: f.tech.Token,
				body: map[string]any{"vehicle_id": v, "terminal_id": term, "sim_id": sim, "photo_ids": []uuid.UUID{photo}}})
		}
		install(f.vehicles[0], t1.ID, s1.ID).expect(t, 201)
		// Completing needs an installation for every vehicle.
		e.act(t, f.tech.Token, o, "complete", map[string]any{"resolution": "done"}).expect(t, 409)
		install(f.vehicles[0], t2.ID, s2.ID).expect(t, 409) // the vehicle has its units
		install(f.vehicles[1], t1.ID, s2.ID).expect(t, 409) // the terminal is installed already
		other := e.newFleet(t)
		install(other.vehicles[0], t2.ID, s2.ID).expect(t, 422) // not a vehicle of the order
		install(f.vehicles[1], t2.ID, s2.ID).expect(t, 201)
		e.step(t, f.tech.Token, o, "complete", map[string]any{"resolution": "fitted both"})

		var got terminalOut
		e.do(t, req{method: "GET", path: "/v1/terminals/" + t1.ID.String(), token: f.manager.Token}).expect(t, 200).decode(t, &got)
		today := e.clock.Now().Format(time.DateOnly)
		if got.Status != "installed" || *got.VehicleID != f.vehicles[0] || *got.CustomerID != f.customer || *got.FirstInstalledOn != today {
			t.Fatalf("terminal %+v", got)
		}
		var v struct {
			TerminalID *uuid.UUID `json:"terminal_id"`
			SimID      *uuid.UUID `json:"sim_id"`
		}
		e.do(t, req{method: "GET", path: "/v1/vehicles/" + f.vehicles[1].String(), token: f.custUser.Token}).expect(t, 200).decode(t, &v)
		if *v.TerminalID != t2.ID || *v.SimID != s2.ID {
			t.Fatalf("vehicle shows %+v", v)
		}
		var full struct {
			Installations []struct {
				VehicleID uuid.UUID `json:"vehicle_id"`
			} `json:"installations"`
		}
		e.do(t, req{method: "GET", path: path, token: f.manager.Token}).expect(t, 200).decode(t, &full)
		if len(full.Installations) != 2 {
			t.Fatalf("order shows %d installations", len(full.Installations))
		}
		// The customer sees its own units, not others'.
		e.do(t, req{method: "GET", path: "/v1/terminals/" + t1.ID.String(), token: f.custUser.Token}).expect(t, 200)
		e.do(t, req{method: "GET", path: "/v1/terminals/" + t1.ID.String(), token: other.custUser.Token}).expect(t, 404)
	})
}

func TestSwap_TerminalAndSimRecordBothNumbersAndMoveTheOldUnits(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		fit := e.onSiteOrder(t, &f, fleetInstallBody(f))
		photo := e.evidence(t, f.tech.Token, fit.ID)
		oldT, oldS := e.stock(t, 12)
		e.do(t, req{method: "POST", path: "/v1/work-orders/" + fit.ID.String() + "/installations", token: f.tech.Token,
			body: map[string]any{"vehicle_id": f.vehicles[0], "terminal_id": oldT.ID, "sim_id": oldS.ID, "photo_ids": []uuid.UUID{photo}}}).expect(t, 201)

		repair := e.onSiteOrder(t, &f, repairBody(f, "high"))
		label := e.evidence(t, f.tech.Token, repair.ID)
		newT, newS := e.stock(t, 12)
		swap := func(kind string, old, nu uuid.UUID) response {
			return e.do(t, req{method: "POST", path: "/v1/work-orders/" + repair.ID.String() + "/swaps", token: f.tech.Token,
				body: map[string]any{"kind": kind, "old_id": old, "new_id": nu, "reason": "no GPS fix", "photo_ids": []uuid.UUID{label}}})
		}
		swap("terminal", newT.ID, oldT.ID).expect(t, 409) // the old one must be the installed one
		swap("terminal", oldT.ID, newT.ID).expect(t, 201)
		swap("sim", oldS.ID, newS.ID).expect(t, 201)

		var old terminalOut
		e.do(t, req{method: "GET", path: "/v1/terminals/" + oldT.ID.String(), token: f.manager.Token}).expect(t, 200).decode(t, &old)
		if old.Status != "returned_for_repair" || old.VehicleID != nil || old.Label == nil || *old.Label != "粤B00001: no GPS fix" {
			t.Fatalf("old terminal %+v label %v", old, old.Label)
		}
		var oldSim simOut
		e.do(t, req{method: "GET", path: "/v1/sims/" + oldS.ID.String(), token: f.manager.Token}).expect(t, 200).decode(t, &oldSim)
		if oldSim.Status != "deactivated" || oldSim.VehicleID != nil {
			t.Fatalf("old SIM %+v", oldSim)
		}
		var o struct {
			Swaps []struct {
				Kind         string    `json:"kind"`
				OldID, NewID uuid.UUID `json:"-"`
				Old          uuid.UUID `json:"old_id"`
				New          uuid.UUID `json:"new_id"`
			} `json:"swaps"`
		}
		e.do(t, req{method: "GET", path: "/v1/work-orders/" + repair.ID.String(), token: f.manager.Token}).expect(t, 200).decode(t, &o)
		if len(o.Swaps) != 2 || o.Swaps[0].Old != oldT.ID || o.Swaps[0].New != newT.ID || o.Swaps[1].Kind != "sim" {
			t.Fatalf("order swaps %+v", o.Swaps)
		}

		// The chain of custody: registered, installed, swapped out, received back, scrapped.
		e.do(t, req{method: "POST", path: "/v1/terminals/" + oldT.ID.String() + "/receive-back", token: f.dispatcher.Token, body: map[string]any{}}).expect(t, 200)
		e.do(t, req{method: "POST", path: "/v1/terminals/" + oldT.ID.String() + "/scrap", token: f.dispatcher.Token, body: map[string]any{}}).expect(t, 403)
		e.do(t, req{method: "POST", path: "/v1/terminals/" + oldT.ID.String() + "/scrap", token: f.manager.Token, body: map[string]any{"note": "water damage"}}).expect(t, 200)
		e.do(t, req{method: "POST", path: "/v1/terminals/" + oldT.ID.String() + "/receive-back", token: f.manager.Token, body: map[string]any{}}).expect(t, 409)
		var h struct {
			Items []struct {
				Type        string      `json:"type"`
				WorkOrderID *uuid.UUID  `json:"work_order_id"`
				VehicleID   *uuid.UUID  `json:"vehicle_id"`
				PhotoIDs    []uuid.UUID `json:"photo_ids"`
			} `json:"items"`
		}
		e.do(t, req{method: "GET", path: "/v1/terminals/" + oldT.ID.String() + "/history", token: f.manager.Token}).expect(t, 200).decode(t, &h)
		var types []string
		for _, it := range h.Items {
			types = append(types, it.Type)
		}
		if fmt.Sprint(types) != "[registered installed swapped_out received_back scrapped]" {
			t.Fatalf("history %v", types)
		}
		if out := h.Items[2]; *out.WorkOrderID != repair.ID || *out.VehicleID != f.vehicles[0] || len(out.PhotoIDs) != 1 || out.PhotoIDs[0] != label {
			t.Fatalf("swap-out step %+v", out)
		}

		// The replacement carries its own warranty, from its own install.
		var w struct {
			InWarranty bool    `json:"in_warranty"`
			StartsOn   *string `json:"starts_on"`
			EndsOn     *string `json:"ends_on"`
			Basis      string  `json:"basis"`
		}
		e.do(t, req{method: "GET", path: "/v1/terminals/" + newT.ID.String() + "/warranty", token: f.manager.Token}).expect(t, 200).decode(t, &w)
		today := e.clock.Now()
		if !w.InWarranty || *w.StartsOn != today.Format(time.DateOnly) || *w.EndsOn != today.AddDate(0, 12, -1).Format(time.DateOnly) || w.Basis != "first_install" {
			t.Fatalf("warranty %+v", w)
		}
	})
}

func TestSwap_TwoTechniciansSwappingOneUnitAtOnce_OneWins(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		fit := e.onSiteOrder(t, &f, fleetInstallBody(f))
		photo := e.evidence(t, f.tech.Token, fit.ID)
		oldT, oldS := e.stock(t, 12)
		e.do(t, req{method: "POST", path: "/v1/work-orders/" + fit.ID.String() + "/installations", token: f.tech.Token,
			body: map[string]any{"vehicle_id": f.vehicles[0], "terminal_id": oldT.ID, "sim_id": oldS.ID, "photo_ids": []uuid.UUID{photo}}}).expect(t, 201)

		// Two repair orders for the same vehicle, each with its technician on site.
		g := f
		g.tech = e.createUser(t, domain.RoleTechnician, uuid.Nil)
		a := e.onSiteOrder(t, &f, repairBody(f, "urgent"))
		b := e.onSiteOrder(t, &g, repairBody(f, "urgent"))
		pa, pb := e.evidence(t, f.tech.Token, a.ID), e.evidence(t, g.tech.Token, b.ID)
		na, _ := e.stock(t, 12)
		nb, _ := e.stock(t, 12)
		var wg sync.WaitGroup
		codes := make([]int, 2)
		for i, c := range []struct {
			order workOrder
			token string
			nu    uuid.UUID
			photo uuid.UUID
		}{{a, f.tech.Token, na.ID, pa}, {b, g.tech.Token, nb.ID, pb}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				hr := e.buildRequest(t, req{method: "POST", path: "/v1/work-orders/" + c.order.ID.String() + "/swaps", token: c.token,
					body: map[string]any{"kind": "terminal", "old_id": oldT.ID, "new_id": c.nu, "reason": "dead", "photo_ids": []uuid.UUID{c.photo}}})
				res, err := e.send(hr)
				if err == nil {
					codes[i] = res.Status
				}
			}()
		}
		wg.Wait()
		if !(codes[0] == 201 && codes[1] == 409 || codes[0] == 409 && codes[1] == 201) {
			t.Fatalf("answers %v, want one 201 and one 409", codes)
		}
	})
}

func TestBill_TheWarrantyRule(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		fit := e.onSiteOrder(t, &f, fleetInstallBody(f))
		photo := e.evidence(t, f.tech.Token, fit.ID)
		term, sim := e.stock(t, 12)
		e.do(t, req{method: "POST", path: "/v1/work-orders/" + fit.ID.String() + "/installations", token: f.tech.Token,
			body: map[string]any{"vehicle_id": f.vehicles[0], "terminal_id": term.ID, "sim_id": sim.ID, "photo_ids": []uuid.UUID{photo}}}).expect(t, 201)
		part := map[string]any{"part_code": "ANT-2", "description": "antenna", "quantity": 2, "unit_price": 3500}
		labour := map[string]any{"description": "fitting", "minutes": 45, "amount": 8000}
		bill := func(o workOrder) (total int64, rule string, inWarranty bool) {
			var b struct {
				Total    int64 `json:"total"`
				Warranty struct {
					InWarranty bool   `json:"in_warranty"`
					Rule       string `json:"rule"`
				} `json:"warranty"`
			}
			e.do(t, req{method: "GET", path: "/v1/work-orders/" + o.ID.String() + "/bill", token: f.manager.Token}).expect(t, 200).decode(t, &b)
			return b.Total, b.Warranty.Rule, b.Warranty.InWarranty
		}
		for _, o := range []workOrder{fit} {
			e.do(t, req{method: "POST", path: "/v1/work-orders/" + o.ID.String() + "/parts", token: f.tech.Token, body: part}).expect(t, 201)
			e.do(t, req{method: "POST", path: "/v1/work-orders/" + o.ID.String() + "/labour", token: f.tech.Token, body: labour}).expect(t, 201)
		}
		if total, rule, _ := bill(fit); total != 7000 || rule != "install_labour_free" {
			t.Fatalf("install bill %d %s", total, rule)
		}

		inWarranty := e.onSiteOrder(t, &f, repairBody(f, "normal"))
		e.do(t, req{method: "POST", path: "/v1/work-orders/" + inWarranty.ID.String() + "/parts", token: f.tech.Token, body: part}).expect(t, 201)
		if total, rule, in := bill(inWarranty); total != 0 || rule != "in_warranty_free" || !in {
			r := e.do(t, req{method: "GET", path: "/v1/work-orders/" + inWarranty.ID.String(), token: f.manager.Token})
			t.Fatalf("in-warranty bill %d %s %v\n%s", total, rule, in, r.Body)
		}

		e.advance(t, &f, 400*24*time.Hour) // past the 12-month warranty
		late := e.onSiteOrder(t, &f, repairBody(f, "normal"))
		e.do(t, req{method: "POST", path: "/v1/work-orders/" + late.ID.String() + "/parts", token: f.tech.Token, body: part}).expect(t, 201)
		e.do(t, req{method: "POST", path: "/v1/work-orders/" + late.ID.String() + "/labour", token: f.tech.Token, body: labour}).expect(t, 201)
		if total, rule, in := bill(late); total != 7000 || rule != "out_of_warranty_parts_only" || in {
			t.Fatalf("out-of-warranty bill %d %s %v", total, rule, in)
		}
		var o struct {
			Warranty *struct {
				TerminalID *uuid.UUID `json:"terminal_id"`
				InWarranty bool       `json:"in_warranty"`
			} `json:"warranty_at_approval"`
		}
		e.do(t, req{method: "GET", path: "/v1/work-orders/" + late.ID.String(), token: f.manager.Token}).expect(t, 200).decode(t, &o)
		if o.Warranty == nil || *o.Warranty.TerminalID != term.ID || o.Warranty.InWarranty {
			t.Fatalf("warranty at approval %+v", o.Warranty)
		}
	})
}

func TestRegistry_RejectsBadNumbersAndDuplicates(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		term, sim := e.stock(t, 24)
		var m struct{ ID uuid.UUID }
		e.do(t, req{method: "POST", path: "/v1/terminal-models", token: e.admin,
			body: map[string]any{"name": "X1", "manufacturer": "Jimi", "warranty_months": 24}}).expect(t, 201).decode(t, &m)
		e.do(t, req{method: "POST", path: "/v1/terminal-models", token: e.admin,
			body: map[string]any{"name": "X1", "manufacturer": "Jimi", "warranty_months": 24}}).expect(t, 409)
		bad := luhn("86000000000009")
		bad = bad[:14] + string('0'+(bad[14]-'0'+1)%10)
		// A wrong check digit is as malformed as a wrong length: 400, naming the field.
		e.do(t, req{method: "POST", path: "/v1/terminals", token: e.admin, body: map[string]any{"serial": "Z1", "imei": bad, "model_id": m.ID}}).
			expect(t, 400).problem(t).expectField(t, "imei")
		e.do(t, req{method: "POST", path: "/v1/terminals", token: e.admin, body: map[string]any{"serial": "Z1", "imei": "12345", "model_id": m.ID}}).expect(t, 400)
		e.do(t, req{method: "POST", path: "/v1/terminals", token: e.admin, body: map[string]any{"serial": term.Serial, "imei": luhn("86999999999999"), "model_id": m.ID}}).expect(t, 409)
		e.do(t, req{method: "POST", path: "/v1/terminals", token: e.admin, body: map[string]any{"serial": "Z2", "imei": luhn("86999999999998"), "model_id": uuid.New()}}).expect(t, 422)
		e.do(t, req{method: "POST", path: "/v1/sims", token: e.admin, body: map[string]any{"iccid": "8986000000000000001", "msisdn": "14400000001", "carrier": "CM"}}).
			expect(t, 400).problem(t).expectField(t, "iccid")
		var s struct{ Iccid string }
		e.do(t, req{method: "GET", path: "/v1/sims/" + sim.ID.String(), token: e.admin}).expect(t, 200).decode(t, &s)
		e.do(t, req{method: "POST", path: "/v1/sims", token: e.admin, body: map[string]any{"iccid": s.Iccid, "msisdn": "14400000001", "carrier": "CM"}}).expect(t, 409)
		tech := e.createUser(t, domain.RoleTechnician, uuid.Nil)
		e.do(t, req{method: "POST", path: "/v1/terminals", token: tech.Token, body: map[string]any{"serial": "Z3", "imei": luhn("86999999999997"), "model_id": m.ID}}).expect(t, 403)
		e.do(t, req{method: "POST", path: "/v1/sims/" + sim.ID.String() + "/deactivate", token: e.admin, body: map[string]any{}}).expect(t, 200)
		e.do(t, req{method: "POST", path: "/v1/sims/" + sim.ID.String() + "/deactivate", token: e.admin, body: map[string]any{}}).expect(t, 409)
		var page struct {
			Items []terminalOut `json:"items"`
		}
		e.do(t, req{method: "GET", path: "/v1/terminals?status=in_stock&q=" + term.Serial, token: e.admin}).expect(t, 200).decode(t, &page)
		if len(page.Items) != 1 || page.Items[0].ID != term.ID {
			t.Fatalf("search %+v", page.Items)
		}
	})
}
