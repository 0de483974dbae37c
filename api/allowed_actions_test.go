package api_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// allowed_actions is what the console and the technician's app draw their
// buttons from, so it must be exact for the caller. These tests take it as
// the oracle: for every member of the cast and every state, GET the object,
// then try every action of the spec's enum. A listed action must succeed on
// a fresh copy of the object in that state; any other must be refused with
// 403, 404 or 409 (404 throughout when the GET was 404).

// woActionPaths is the spec's WorkOrderAction enum.
var woActionPaths = []string{"approve", "assign", "accept", "decline", "depart", "arrive", "complete", "close", "cancel", "hold",
	"resume", "reopen"}

// woValidBody is a valid body of an action; assign names the fleet's technician.
func woValidBody(c *woCast, path string) any {
	for _, a := range woActions {
		if a.path == path && a.body != nil {
			return a.body(c)
		}
	}
	return nil
}

// woKey is what the rules look at in the fixtures: two orders with the same
// key allow the cast the same actions.
type woKey struct {
	status     string
	techHolds  bool
	contractor bool
}

// woPool keeps orders left by successful actions, by key, so that building a
// fresh copy of a state mostly takes one that an earlier success produced
// instead of driving a new order through the lifecycle.
type woPool struct {
	e      *env
	c      *woCast
	orders map[woKey][]workOrder
	driven int
}

// take is a fresh order in state s, never handed out before.
func (p *woPool) take(t *testing.T, s woState) workOrder {
	t.Helper()
	m := woModels[s]
	k := woKey{status: m.status, techHolds: m.techHolds, contractor: m.contractor}
	if os := p.orders[k]; len(os) > 0 {
		p.orders[k] = os[1:]
		return os[0]
	}
	p.driven++
	return p.e.woDrive(t, p.c, s)
}

// put keeps an order an action just returned, as r's body.
func (p *woPool) put(t *testing.T, r response) {
	t.Helper()
	var o struct {
		workOrder
		Contractor *struct{ Name string } `json:"contractor"`
	}
	r.decode(t, &o)
	k := woKey{status: o.Status, techHolds: o.TechnicianID != nil && *o.TechnicianID == p.c.tech.ID, contractor: o.Contractor != nil}
	p.orders[k] = append(p.orders[k], o.workOrder)
}

// woListed reads the order as token: its allowed_actions, or ok false on 404.
func (e *env) woListed(t *testing.T, token string, id uuid.UUID) (listed []string, ok bool) {
	t.Helper()
	r := e.do(t, req{method: "GET", path: "/v1/work-orders/" + id.String(), token: token})
	if r.Status == 404 {
		return nil, false
	}
	var o workOrder
	r.expect(t, 200).decode(t, &o)
	return o.AllowedActions, true
}

func TestWorkOrderAllowedActions_ListedSucceedUnlistedAreRefused(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.newWOCast(t)
		pool := &woPool{e: e, c: c, orders: map[woKey][]workOrder{}}
		tried, listed := 0, 0
		for _, s := range woStates { // in lifecycle order, so that successes feed later states
			fixture := pool.take(t, s) // refusals change nothing, so they share it
			for _, who := range woActors {
				u := c.user(who)
				allowed, visible := e.woListed(t, u.Token, fixture.ID)
				for _, a := range allowed {
					if !slices.Contains(woActionPaths, a) {
						t.Errorf("%s/%s: allowed_actions lists %q, not an action", s, who, a)
					}
				}
				for _, path := range woActionPaths {
					tried++
					name := fmt.Sprintf("%s/%s/%s", s, who, path)
					if slices.Contains(allowed, path) {
						listed++
						r := e.act(t, u.Token, pool.take(t, s), path, woValidBody(c, path))
						if r.Status/100 != 2 {
							t.Errorf("%s: listed, but answered %d: %s", name, r.Status, r.Body)
							continue
						}
						pool.put(t, r)
						continue
					}
					r := e.act(t, u.Token, fixture, path, woValidBody(c, path))
					switch {
					case !visible && r.Status != 404:
						t.Errorf("%s: the order is not visible, yet the action answered %d: %s", name, r.Status, r.Body)
					case r.Status == 403 || r.Status == 404 || r.Status == 409:
						_ = r.problem(t)
						continue
					default:
						t.Errorf("%s: not listed (%v), yet answered %d: %s", name, allowed, r.Status, r.Body)
					}
					if r.Status/100 == 2 {
						fixture = pool.take(t, s) // it moved on
					}
				}
			}
		}
		t.Logf("%d actions tried, %d listed; %d orders driven from scratch", tried, listed, pool.driven)
		if listed == 0 {
			t.Fatal("nothing was ever listed")
		}
	}, woNoRateLimit)
}

func TestWorkOrderAllowedActions_InstallListsCompleteOnceEveryVehicleIsFitted(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		o := e.onSiteOrder(t, &f, fleetInstallBody(f))
		if len(f.vehicles) < 2 {
			t.Fatalf("the fleet has %d vehicles; the test needs two", len(f.vehicles))
		}
		photo := e.evidence(t, f.tech.Token, o.ID)
		fit := func(v uuid.UUID) {
			term, sim := e.stock(t, 12)
			e.do(t, req{method: "POST", path: "/v1/work-orders/" + o.ID.String() + "/installations", token: f.tech.Token,
				body: map[string]any{"vehicle_id": v, "terminal_id": term.ID, "sim_id": sim.ID, "photo_ids": []uuid.UUID{photo}}}).expect(t, 201)
		}
		complete := map[string]any{"resolution": "fitted"}
		for i, v := range f.vehicles {
			o = e.woGet(t, f.tech.Token, o.ID)
			if slices.Contains(o.AllowedActions, "complete") {
				t.Fatalf("%d of %d vehicles fitted, yet complete is listed: %v", i, len(f.vehicles), o.AllowedActions)
			}
			r := e.act(t, f.tech.Token, o, "complete", complete)
			woExpect(t, r, 409, "complete before every vehicle is fitted")
			fit(v)
		}
		o = e.woGet(t, f.tech.Token, o.ID)
		if !slices.Contains(o.AllowedActions, "complete") {
			t.Fatalf("every vehicle fitted, yet complete is not listed: %v", o.AllowedActions)
		}
		o = e.woStep(t, f.tech.Token, o, "complete", complete)
		if o.Status != "completed" {
			t.Fatalf("status %s after complete", o.Status)
		}
	})
}

// complaintActionPaths is the spec's ComplaintAction enum.
var complaintActionPaths = []string{"acknowledge", "resolve", "close", "reopen"}

func complaintActionBody(path string) any {
	switch path {
	case "resolve":
		return map[string]any{"resolution": "Apologised, re-trained.", "customer_informed": true}
	case "reopen":
		return map[string]any{"reason": "Still late."}
	}
	return nil
}

func TestComplaintAllowedActions_ListedSucceedUnlistedAreRefused(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		otherCustomer := e.createCustomer(t, "Other "+uuid.NewString()[:8])
		cast := []struct {
			name string
			user user
		}{
			{"admin", user{ID: e.meID(t, e.admin), Token: e.admin}},
			{"manager", f.manager},
			{"dispatcher", f.dispatcher},
			{"technician", f.tech},
			{"finance", e.createUser(t, domain.RoleFinance, uuid.Nil)},
			{"customer", f.custUser},
			{"other_customer", e.createUser(t, domain.RoleCustomer, otherCustomer)},
		}
		// Complaints left by successes, by status, for later states to take.
		pool := map[string][]complaintOut{}
		path := map[string][]string{"open": nil, "acknowledged": {"acknowledge"}, "resolved": {"acknowledge", "resolve"},
			"closed": {"acknowledge", "resolve", "close"}}
		take := func(status string) complaintOut {
			if cs := pool[status]; len(cs) > 0 {
				pool[status] = cs[1:]
				return cs[0]
			}
			c := e.openComplaint(t, f.customer)
			for _, a := range path[status] {
				e.complaintStep(t, e.admin, c, a, complaintActionBody(a)).expect(t, 200).decode(t, &c)
			}
			return c
		}
		listed := 0
		for _, status := range []string{"open", "acknowledged", "resolved", "closed"} {
			fixture := take(status)
			for _, who := range cast {
				r := e.do(t, req{method: "GET", path: "/v1/complaints/" + fixture.ID.String(), token: who.user.Token})
				visible := r.Status != 404
				var got struct {
					AllowedActions []string `json:"allowed_actions"`
				}
				if visible {
					r.expect(t, 200).decode(t, &got)
				}
				for _, a := range complaintActionPaths {
					name := fmt.Sprintf("%s/%s/%s", status, who.name, a)
					if slices.Contains(got.AllowedActions, a) {
						listed++
						r := e.complaintStep(t, who.user.Token, take(status), a, complaintActionBody(a))
						if r.Status/100 != 2 {
							t.Errorf("%s: listed, but answered %d: %s", name, r.Status, r.Body)
							continue
						}
						var c complaintOut
						r.decode(t, &c)
						pool[c.Status] = append(pool[c.Status], c)
						continue
					}
					r := e.complaintStep(t, who.user.Token, fixture, a, complaintActionBody(a))
					switch {
					case !visible && r.Status != 404:
						t.Errorf("%s: the complaint is not visible, yet the action answered %d: %s", name, r.Status, r.Body)
					case r.Status == 403 || r.Status == 404 || r.Status == 409:
						_ = r.problem(t)
						continue
					default:
						t.Errorf("%s: not listed (%v), yet answered %d: %s", name, got.AllowedActions, r.Status, r.Body)
					}
					if r.Status/100 == 2 {
						fixture = take(status)
					}
				}
			}
		}
		if listed == 0 {
			t.Fatal("nothing was ever listed")
		}
	})
}
