package api_test

import (
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Bad input to the work-order endpoints: 400 when the request doesn't
// match openapi.yaml, 422 when it breaks a business rule, and nothing
// written either way.

// woWith copies a body with members set; a nil value removes the member.
func woWith(body map[string]any, kv ...any) map[string]any {
	out := maps.Clone(body)
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == nil {
			delete(out, k)
		} else {
			out[k] = kv[i+1]
		}
	}
	return out
}

func installBody(c *woCast, vehicles ...uuid.UUID) map[string]any {
	return map[string]any{"type": "install", "customer_id": c.customer, "vehicle_ids": vehicles,
		"site":        map[string]any{"address": "Bao'an depot, Shenzhen", "lat": 22.5550, "lng": 113.8830},
		"description": "fit trackers to the new trucks", "priority": "normal",
		"contact_name": "Li Lei", "contact_phone": "13700137000", "product_model": "GT06N", "purchase_date": "2025-12-01"}
}

// woOrderCount is how many orders exist; the admin sees them all.
func (e *env) woOrderCount(t *testing.T) int {
	t.Helper()
	return len(e.woListIDs(t, e.admin))
}

func TestWorkOrderCreate_RejectsBadInputAndWritesNothing(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.newWOCast(t)
		future := e.clock.Now().AddDate(0, 0, 2).Format(time.DateOnly)
		repair := repairBody(c.fleet, "normal")
		install := installBody(c, c.vehicles...)
		for _, tc := range []struct {
			name  string
			who   woActor
			body  map[string]any
			want  int
			field string // a 400/422 must name it; "" for a 404
			or404 bool   // 404 is an acceptable answer too
		}{
			{"customer user, another customer's vehicle", woCustomer, woWith(repair, "vehicle_id", c.otherVehicle), 422, "vehicle_id", true},
			{"customer user, another customer's vehicle in an install", woCustomer, installBody(c, c.vehicles[0], c.otherVehicle), 422, "vehicle_ids", true},
			{"customer user, another customer", woCustomer, woWith(repair, "customer_id", c.otherCustomer, "vehicle_id", c.otherVehicle), 422, "customer_id", true},
			{"staff, vehicle of another customer", woDispatcher, woWith(repair, "vehicle_id", c.otherVehicle), 422, "vehicle_id", false},
			{"staff, install with a vehicle of another customer", woManager, installBody(c, c.otherVehicle), 422, "vehicle_ids", false},
			{"staff, unknown vehicle", woAdmin, woWith(repair, "vehicle_id", uuid.New()), 422, "vehicle_id", false},
			{"repair without vehicle_id", woDispatcher, woWith(repair, "vehicle_id", nil), 422, "vehicle_id", false},
			{"repair with vehicle_ids instead of vehicle_id", woDispatcher, woWith(repair, "vehicle_id", nil, "vehicle_ids", []uuid.UUID{c.vehicles[0]}), 422, "vehicle_id", false},
			{"repair with vehicle_ids besides vehicle_id", woDispatcher, woWith(repair, "vehicle_ids", []uuid.UUID{c.vehicles[1]}), 422, "vehicle_ids", false},
			{"install without vehicle_ids", woDispatcher, woWith(install, "vehicle_ids", nil), 422, "vehicle_ids", false},
			{"install with vehicle_id instead of vehicle_ids", woDispatcher, woWith(install, "vehicle_ids", nil, "vehicle_id", c.vehicles[0]), 422, "vehicle_ids", false},
			{"install with an empty vehicle_ids", woDispatcher, woWith(install, "vehicle_ids", []uuid.UUID{}), 400, "vehicle_ids", false},
			{"install with fault_symptoms", woDispatcher, woWith(install, "fault_symptoms", "it beeps"), 422, "fault_symptoms", false},
			{"unknown customer", woManager, woWith(repair, "customer_id", uuid.New()), 422, "customer_id", false},
			{"site lat 91", woDispatcher, woWith(repair, "site", map[string]any{"address": "North Pole", "lat": 91, "lng": 114}), 400, "site.lat", false},
			{"site lng -181", woDispatcher, woWith(repair, "site", map[string]any{"address": "Dateline", "lat": 22, "lng": -181}), 400, "site.lng", false},
			{"site lat without lng", woDispatcher, woWith(repair, "site", map[string]any{"address": "Futian", "lat": 22.5}), 422, "site", false},
			{"blank site address", woDispatcher, woWith(repair, "site", map[string]any{"address": "   "}), 422, "site.address", false},
			{"blank description", woCustomer, woWith(repair, "description", " \t "), 422, "description", false},
			{"unknown priority", woDispatcher, woWith(repair, "priority", "asap"), 400, "priority", false},
			{"unknown type", woDispatcher, woWith(repair, "type", "inspection"), 400, "type", false},
			{"purchase_date in the future", woCustomer, woWith(repair, "purchase_date", future), 422, "purchase_date", false},
			{"purchase_date not a date", woDispatcher, woWith(repair, "purchase_date", "yesterday"), 400, "purchase_date", false},
			{"unknown field", woDispatcher, woWith(repair, "urgent", true), 400, "", false},
			{"unknown field in site", woDispatcher, woWith(repair, "site", map[string]any{"address": "Futian", "floor": 3}), 400, "", false},
			{"technician may not create", woTech, repair, 403, "", false},
			{"finance may not create", woFinance, repair, 403, "", false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := e.woListIDs(t, e.admin)
				r := e.do(t, req{method: "POST", path: "/v1/work-orders", token: c.user(tc.who).Token, body: tc.body})
				switch {
				case tc.or404 && r.Status == 404:
					_ = r.problem(t)
				default:
					woExpect(t, r, tc.want, tc.name)
					if tc.field != "" {
						r.problem(t).expectField(t, tc.field)
					}
				}
				sameIDs(t, "orders after a rejected create", e.woListIDs(t, e.admin), before)
			})
		}
	}, woNoRateLimit)
}

func TestWorkOrderCreate_201_CustomerUserRequestsInstallAndRepairForItsOwnFleet(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.newWOCast(t)
		for _, tc := range []struct {
			name     string
			body     map[string]any
			vehicles []uuid.UUID
		}{
			{"install, every vehicle its own", installBody(c, c.vehicles...), c.vehicles},
			{"install, one vehicle named twice", installBody(c, c.vehicles[1], c.vehicles[1]), c.vehicles[1:]},
			{"repair", woWith(repairBody(c.fleet, "urgent"), "purchase_date", e.clock.Now().Format(time.DateOnly)), c.vehicles[:1]},
		} {
			t.Run(tc.name, func(t *testing.T) {
				o := e.createOrder(t, c.custUser.Token, tc.body)
				var got struct {
					Type       string      `json:"type"`
					CustomerID uuid.UUID   `json:"customer_id"`
					VehicleIDs []uuid.UUID `json:"vehicle_ids"`
					CreatedBy  uuid.UUID   `json:"created_by"`
				}
				e.do(t, req{method: "GET", path: "/v1/work-orders/" + o.ID.String(), token: c.custUser.Token}).expect(t, 200).decode(t, &got)
				if o.Status != "requested" || o.Version != 1 || got.Type != tc.body["type"] || got.CustomerID != c.customer || got.CreatedBy != c.custUser.ID {
					t.Fatalf("created %+v %+v", o, got)
				}
				sameIDs(t, "vehicle_ids", got.VehicleIDs, tc.vehicles)
				evs := e.woEvents(t, o.ID)
				if len(evs) != 1 || evs[0].Type != "work_order.created" || evs[0].To == nil || *evs[0].To != "requested" {
					t.Fatalf("timeline %s", woJSON(evs))
				}
			})
		}
		// The other customer's user sees none of them.
		sameIDs(t, "other customer's list", e.woListIDs(t, c.otherCust.Token), nil)
	})
}

// woBad is a rejected lifecycle request.
type woBad struct {
	name   string
	state  woState
	who    woActor
	action string
	body   func(c *woCast) any
	want   int
	field  string // the problem names it; "" when it needn't
}

func (e *env) playBad(t *testing.T, c *woCast, orders map[woState]workOrder, tc woBad) {
	t.Helper()
	o, ok := orders[tc.state]
	if !ok {
		o = e.woDrive(t, c, tc.state)
		orders[tc.state] = o
	}
	snap := e.woSnapshot(t, o.ID)
	var body any
	if tc.body != nil {
		body = tc.body(c)
	}
	r := e.act(t, c.user(tc.who).Token, o, tc.action, body)
	woExpect(t, r, tc.want, tc.name)
	if tc.field != "" {
		r.problem(t).expectField(t, tc.field)
	}
	e.woUnchanged(t, o.ID, snap)
}

func woBody(kv ...any) func(*woCast) any {
	return func(*woCast) any { return woWith(map[string]any{}, kv...) }
}

func TestWorkOrderAction_RejectsBadInputAndWritesNothing(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.newWOCast(t)
		dispatcher := e.createUser(t, domain.RoleDispatcher, uuid.Nil)
		disabled := e.createUser(t, domain.RoleTechnician, uuid.Nil)
		e.do(t, req{method: "PATCH", path: "/v1/users/" + disabled.ID.String(), token: e.admin, body: map[string]any{"disabled": true}}).expect(t, 200)
		customerUser := c.custUser.ID

		var cases []woBad
		// Reasons: empty fails the schema, blank the rule.
		for _, rc := range []struct {
			action string
			state  woState
			who    woActor
		}{{"decline", woAssigned, woTech}, {"cancel", woAccepted, woDispatcher}, {"cancel", woRequested, woCustomer},
			{"hold", woOnSite, woTech}, {"reopen", woCompleted, woManager}} {
			cases = append(cases,
				woBad{rc.action + " with an empty reason", rc.state, rc.who, rc.action, woBody("reason", ""), 400, "reason"},
				woBad{rc.action + " with a blank reason", rc.state, rc.who, rc.action, woBody("reason", " \n\t "), 422, "reason"},
				woBad{rc.action + " without a reason", rc.state, rc.who, rc.action, woBody(), 400, ""},
				woBad{rc.action + " with an unknown field", rc.state, rc.who, rc.action, woBody("reason", "ok", "note", "x"), 400, ""},
			)
		}
		techID := func(id uuid.UUID) func(*woCast) any { return woBody("technician_id", id) }
		contractor := func(kv ...any) func(*woCast) any {
			return func(*woCast) any { return map[string]any{"contractor": woWith(woContractorBody, kv...)} }
		}
		cases = append(cases,
			woBad{"assign to an unknown technician", woApproved, woDispatcher, "assign", techID(uuid.New()), 422, "technician_id"},
			woBad{"assign to a dispatcher", woApproved, woDispatcher, "assign", techID(dispatcher.ID), 422, "technician_id"},
			woBad{"assign to a customer user", woApproved, woManager, "assign", techID(customerUser), 422, "technician_id"},
			woBad{"assign to a disabled technician", woApproved, woDispatcher, "assign", techID(disabled.ID), 422, "technician_id"},
			woBad{"reassign to a disabled technician", woAccepted, woManager, "assign", techID(disabled.ID), 422, "technician_id"},
			woBad{"reopen to a dispatcher", woClosed, woManager, "reopen", woBody("reason", "rework", "technician_id", dispatcher.ID), 422, "technician_id"},
			woBad{"reopen to an unknown technician", woCompleted, woDispatcher, "reopen", woBody("reason", "rework", "technician_id", uuid.New()), 422, "technician_id"},
			woBad{"assign to a technician id that is not a UUID", woApproved, woDispatcher, "assign", woBody("technician_id", "tech-7"), 400, "technician_id"},
			woBad{"assign with both a technician and a contractor", woApproved, woManager, "assign", func(c *woCast) any {
				return map[string]any{"technician_id": c.tech.ID, "contractor": woContractorBody}
			}, 400, ""},
			woBad{"assign with neither", woApproved, woManager, "assign", woBody(), 400, ""},
			woBad{"assign with an unknown field", woApproved, woManager, "assign", func(c *woCast) any {
				return map[string]any{"technician_id": c.tech.ID, "urgent": true}
			}, 400, ""},
			woBad{"contractor without a reason", woApproved, woManager, "assign", contractor("reason", nil), 400, "contractor.reason"},
			woBad{"contractor with an empty reason", woApproved, woManager, "assign", contractor("reason", ""), 400, "contractor.reason"},
			woBad{"contractor with a blank reason", woApproved, woManager, "assign", contractor("reason", "   "), 422, "contractor.reason"},
			woBad{"contractor without a phone", woApproved, woManager, "assign", contractor("phone", nil), 400, "contractor.phone"},
			woBad{"contractor with a blank name", woApproved, woManager, "assign", contractor("name", "  "), 422, "contractor.name"},
			woBad{"contractor with an unknown field", woApproved, woManager, "assign", contractor("licence", "A1"), 400, ""},
		)
		for _, item := range []string{"details_verified", "tools_ready", "parts_ready"} {
			checklist := map[string]any{"details_verified": true, "tools_ready": true, "parts_ready": true}
			checklist[item] = false
			cases = append(cases,
				woBad{"depart with " + item + " false", woAccepted, woTech, "depart", woBody("checklist", checklist), 422, "checklist." + item},
				woBad{"depart without " + item, woAccepted, woTech, "depart", woBody("checklist", woWith(checklist, item, nil)), 400, ""},
			)
		}
		cases = append(cases,
			woBad{"depart with an unknown checklist item", woAccepted, woTech, "depart",
				woBody("checklist", map[string]any{"details_verified": true, "tools_ready": true, "parts_ready": true, "fuel": true}), 400, ""},
			woBad{"depart without a checklist", woAccepted, woTech, "depart", woBody(), 400, "checklist"},
			woBad{"arrive at lat 91", woEnRoute, woTech, "arrive", woBody("lat", 91, "lng", 114.05), 400, "lat"},
			woBad{"arrive at lat -90.5", woEnRoute, woTech, "arrive", woBody("lat", -90.5, "lng", 114.05), 400, "lat"},
			woBad{"arrive at lng -181", woEnRoute, woTech, "arrive", woBody("lat", 22.54, "lng", -181), 400, "lng"},
			woBad{"arrive at lng 180.01", woEnRoute, woTech, "arrive", woBody("lat", 22.54, "lng", 180.01), 400, "lng"},
			woBad{"arrive without lng", woEnRoute, woTech, "arrive", woBody("lat", 22.54), 400, "lng"},
			woBad{"arrive with a negative accuracy", woEnRoute, woTech, "arrive", woBody("lat", 22.54, "lng", 114.05, "accuracy_m", -1), 400, "accuracy_m"},
			woBad{"arrive with lat as a string", woEnRoute, woTech, "arrive", woBody("lat", "22.54", "lng", 114.05), 400, "lat"},
			woBad{"complete with an empty resolution", woOnSite, woTech, "complete", woBody("resolution", ""), 400, "resolution"},
			woBad{"complete with a blank resolution", woOnSite, woTech, "complete", woBody("resolution", "  "), 422, "resolution"},
		)
		orders := map[woState]workOrder{}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) { e.playBad(t, c, orders, tc) })
		}
		t.Logf("%d bad transition requests", len(cases))

		// The disabled technician was never given anything.
		e.do(t, req{method: "GET", path: "/v1/work-orders/" + orders[woApproved].ID.String(), token: c.otherTech.Token}).expect(t, 404)
	}, woNoRateLimit)
}

func TestWorkOrderEdit_RejectsBadInputAndWritesNothing(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.newWOCast(t)
		o := e.woDrive(t, c, woAssigned)
		for _, tc := range []struct {
			name  string
			body  any
			want  int
			field string
		}{
			{"empty object", map[string]any{}, 400, ""},
			{"unknown field", map[string]any{"status": "closed"}, 400, ""},
			{"technician is not editable", map[string]any{"technician_id": c.otherTech.ID}, 400, ""},
			{"site lat 91", map[string]any{"site": map[string]any{"address": "X", "lat": 91, "lng": 114}}, 400, "site.lat"},
			{"site lng -181", map[string]any{"site": map[string]any{"address": "X", "lat": 22, "lng": -181}}, 400, "site.lng"},
			{"site lng without lat", map[string]any{"site": map[string]any{"address": "X", "lng": 114}}, 422, "site"},
			{"blank description", map[string]any{"description": "   "}, 422, "description"},
			{"unknown priority", map[string]any{"priority": "asap"}, 400, "priority"},
			{"bad contact phone", map[string]any{"contact_phone": "call me"}, 400, "contact_phone"},
			{"blank description with a valid priority", map[string]any{"description": " ", "priority": "urgent"}, 422, "description"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				snap := e.woSnapshot(t, o.ID)
				r := e.do(t, req{method: "PATCH", path: "/v1/work-orders/" + o.ID.String(), token: c.manager.Token, body: tc.body,
					header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, o.Version)}})
				woExpect(t, r, tc.want, tc.name)
				if tc.field != "" {
					r.problem(t).expectField(t, tc.field)
				}
				e.woUnchanged(t, o.ID, snap)
			})
		}
	})
}

func TestWorkOrderArrive_200_FarFromTheSiteIsAcceptedAndFlagged(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.newWOCast(t)
		o := e.createOrder(t, c.dispatcher.Token, installBody(c, c.vehicles...))
		o = e.woStep(t, c.manager.Token, o, "approve", nil)
		o = e.woStep(t, c.dispatcher.Token, o, "assign", map[string]any{"technician_id": c.tech.ID})
		o = e.woStep(t, c.tech.Token, o, "accept", nil)
		o = e.woStep(t, c.tech.Token, o, "depart", checklistOK)
		// About 1.1 km north of the site (22.5550, 113.8830).
		o = e.woStep(t, c.tech.Token, o, "arrive", map[string]any{"lat": 22.5650, "lng": 113.8830, "accuracy_m": 15})
		if o.Status != "on_site" || !o.FarFromSite || o.CheckIn == nil || o.CheckIn.DistanceM == nil ||
			*o.CheckIn.DistanceM <= 500 || *o.CheckIn.DistanceM > 1300 {
			t.Fatalf("far check-in: status %s far %v check_in %s", o.Status, o.FarFromSite, woJSON(o.CheckIn))
		}
		var full struct {
			VehicleIDs []uuid.UUID `json:"vehicle_ids"`
			CheckIn    struct {
				FarFromSite bool    `json:"far_from_site"`
				Lat         float64 `json:"lat"`
			} `json:"check_in"`
		}
		e.do(t, req{method: "GET", path: "/v1/work-orders/" + o.ID.String(), token: c.tech.Token}).expect(t, 200).decode(t, &full)
		if !full.CheckIn.FarFromSite || full.CheckIn.Lat != 22.565 {
			t.Fatalf("stored check-in %+v", full.CheckIn)
		}
		sameIDs(t, "install vehicles", full.VehicleIDs, c.vehicles)
		evs := e.woEvents(t, o.ID)
		ev := evs[len(evs)-1]
		if d, _ := ev.Data["distance_m"].(float64); ev.Type != "work_order.arrive" || ev.Data["far_from_site"] != true || d <= 500 {
			t.Fatalf("arrive event %s", woJSON(ev))
		}
		// Completing a flagged visit works as usual, once every vehicle is fitted.
		photo := e.evidence(t, c.tech.Token, o.ID)
		for _, v := range c.vehicles {
			term, sim := e.stock(t, 12)
			e.do(t, req{method: "POST", path: "/v1/work-orders/" + o.ID.String() + "/installations", token: c.tech.Token,
				body: map[string]any{"vehicle_id": v, "terminal_id": term.ID, "sim_id": sim.ID, "photo_ids": []uuid.UUID{photo}}}).expect(t, 201)
		}
		o = e.woStep(t, c.tech.Token, o, "complete", map[string]any{"resolution": "fitted both trackers"})
		if o.Status != "completed" || !o.FarFromSite {
			t.Fatalf("completed %+v", o)
		}

		// Within 500 m is not flagged.
		n := e.woDrive(t, c, woOnSite)
		if n.FarFromSite || n.CheckIn == nil || n.CheckIn.DistanceM == nil || *n.CheckIn.DistanceM > 500 {
			t.Fatalf("near check-in: far %v check_in %s", n.FarFromSite, woJSON(n.CheckIn))
		}
		// A site without coordinates has no distance and no flag.
		body := woWith(repairBody(c.fleet, "high"), "site", map[string]any{"address": "somewhere in Longgang"})
		s := e.createOrder(t, c.custUser.Token, body)
		s = e.woStep(t, c.manager.Token, s, "approve", nil)
		s = e.woStep(t, c.dispatcher.Token, s, "assign", map[string]any{"technician_id": c.tech.ID})
		s = e.woStep(t, c.tech.Token, s, "accept", nil)
		s = e.woStep(t, c.tech.Token, s, "depart", checklistOK)
		s = e.woStep(t, c.tech.Token, s, "arrive", map[string]any{"lat": 22.72, "lng": 114.25})
		if s.FarFromSite || s.CheckIn == nil || s.CheckIn.DistanceM != nil {
			t.Fatalf("check-in without site coordinates: far %v check_in %s", s.FarFromSite, woJSON(s.CheckIn))
		}
		if !strings.HasPrefix(s.Number, "WO-") {
			t.Fatalf("number %q", s.Number)
		}
	})
}
