package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/cmd/fieldwork/app"
	"github.com/fieldwork/fieldwork/domain"
)

// Helpers of the work-order matrix and bad-input tests.

// woNoRateLimit lifts the per-user request budget: the matrix sends
// thousands of requests within one minute of the fake clock.
func woNoRateLimit(c *app.Config) { c.RateLimit = 0 }

// woActor names a member of the cast by its relation to the order.
type woActor string

// The cast of the matrix.
const (
	woAdmin      woActor = "admin"
	woManager    woActor = "manager"
	woDispatcher woActor = "dispatcher"
	woTech       woActor = "assigned_technician" // the fleet's technician, whom the fixtures assign
	woOtherTech  woActor = "other_technician"    // never assigned anything
	woFinance    woActor = "finance"
	woCustomer   woActor = "customer"       // a user of the order's customer
	woOtherCust  woActor = "other_customer" // a user of another customer
)

var woActors = []woActor{woAdmin, woManager, woDispatcher, woTech, woOtherTech, woFinance, woCustomer, woOtherCust}

// woCast is a fleet (customer, vehicles, technician, manager, dispatcher,
// customer user) plus the admin, finance, a technician who is never
// assigned, and another customer with its own vehicle and user.
type woCast struct {
	fleet
	admin, finance, otherTech, otherCust user
	otherCustomer, otherVehicle          uuid.UUID
}

func (e *env) newWOCast(t *testing.T) *woCast {
	t.Helper()
	c := &woCast{fleet: e.newFleet(t)}
	c.admin = user{ID: e.meID(t, e.admin), Username: "admin", Token: e.admin}
	c.finance = e.createUser(t, domain.RoleFinance, uuid.Nil)
	c.otherTech = e.createUser(t, domain.RoleTechnician, uuid.Nil)
	c.otherCustomer = e.createCustomer(t, "Other "+uuid.NewString()[:8])
	c.otherVehicle = e.createVehicle(t, c.otherCustomer, "粤C00001")
	c.otherCust = e.createUser(t, domain.RoleCustomer, c.otherCustomer)
	return c
}

func (c *woCast) user(a woActor) user {
	switch a {
	case woAdmin:
		return c.admin
	case woManager:
		return c.manager
	case woDispatcher:
		return c.dispatcher
	case woTech:
		return c.tech
	case woOtherTech:
		return c.otherTech
	case woFinance:
		return c.finance
	case woCustomer:
		return c.custUser
	case woOtherCust:
		return c.otherCust
	}
	panic("unknown actor " + a)
}

// woState is a place in the lifecycle that woDrive reaches.
type woState string

// The fixture states; woContractor is an order assigned to a contractor
// after the fleet's technician had it.
const (
	woRequested  woState = "requested"
	woApproved   woState = "approved"
	woAssigned   woState = "assigned"
	woAccepted   woState = "accepted"
	woEnRoute    woState = "en_route"
	woOnSite     woState = "on_site"
	woOnHold     woState = "on_hold" // held from on_site
	woCompleted  woState = "completed"
	woClosed     woState = "closed"
	woCancelled  woState = "cancelled" // cancelled while assigned
	woContractor woState = "assigned_contractor"
)

var woStates = []woState{woRequested, woApproved, woAssigned, woAccepted, woEnRoute, woOnSite, woOnHold,
	woCompleted, woClosed, woCancelled, woContractor}

var (
	woSiteNear       = map[string]any{"lat": 22.5440, "lng": 114.0579, "accuracy_m": 8} // ~100 m from repairBody's site
	woContractorBody = map[string]any{"name": "Quick Fix Ltd", "phone": "13800138111", "reason": "urgent and nobody free"}
)

// woDrive creates a repair order as the customer's user and moves it to s
// through the real API.
func (e *env) woDrive(t *testing.T, c *woCast, s woState) workOrder {
	t.Helper()
	step := func(prev woState, token, action string, body any) workOrder {
		return e.woStep(t, token, e.woDrive(t, c, prev), action, body)
	}
	switch s {
	case woRequested:
		return e.createOrder(t, c.custUser.Token, repairBody(c.fleet, "normal"))
	case woApproved:
		return step(woRequested, c.manager.Token, "approve", nil)
	case woAssigned:
		return step(woApproved, c.dispatcher.Token, "assign", map[string]any{"technician_id": c.tech.ID})
	case woAccepted:
		return step(woAssigned, c.tech.Token, "accept", nil)
	case woEnRoute:
		return step(woAccepted, c.tech.Token, "depart", checklistOK)
	case woOnSite:
		return step(woEnRoute, c.tech.Token, "arrive", woSiteNear)
	case woOnHold:
		return step(woOnSite, c.tech.Token, "hold", map[string]any{"reason": "waiting for a spare SIM"})
	case woCompleted:
		return step(woOnSite, c.tech.Token, "complete", map[string]any{"resolution": "replaced the antenna"})
	case woClosed:
		return step(woCompleted, c.dispatcher.Token, "close", nil)
	case woCancelled:
		return step(woAssigned, c.dispatcher.Token, "cancel", map[string]any{"reason": "the customer sold the truck"})
	case woContractor:
		return step(woAssigned, c.manager.Token, "assign", map[string]any{"contractor": woContractorBody})
	}
	t.Fatalf("no way to %s", s)
	return workOrder{}
}

// woStep is e.step that also holds the ETag to the new version.
func (e *env) woStep(t *testing.T, token string, o workOrder, action string, body any) workOrder {
	t.Helper()
	r := e.act(t, token, o, action, body)
	woExpect(t, r, 200, action)
	var out workOrder
	r.decode(t, &out)
	if out.Version != o.Version+1 {
		t.Fatalf("%s: version %d after %d", action, out.Version, o.Version)
	}
	woExpectETag(t, r, out.Version)
	return out
}

// woSnap is everything the API shows of one order, as raw bytes: the
// fake clock stands still, so an untouched order reads the same.
type woSnap struct {
	order, events []byte
	etag          string
}

func (e *env) woSnapshot(t *testing.T, id uuid.UUID) woSnap {
	t.Helper()
	r := e.do(t, req{method: "GET", path: "/v1/work-orders/" + id.String(), token: e.admin}).expect(t, 200)
	ev := e.do(t, req{method: "GET", path: "/v1/work-orders/" + id.String() + "/events", token: e.admin}).expect(t, 200)
	return woSnap{order: r.Body, events: ev.Body, etag: r.Header.Get("ETag")}
}

// woUnchanged fails unless the order and its timeline read as before.
func (e *env) woUnchanged(t *testing.T, id uuid.UUID, before woSnap) bool {
	t.Helper()
	after := e.woSnapshot(t, id)
	ok := true
	if !bytes.Equal(before.order, after.order) || before.etag != after.etag {
		t.Errorf("a rejected request changed the order:\nbefore %s %s\nafter  %s %s", before.etag, before.order, after.etag, after.order)
		ok = false
	}
	if !bytes.Equal(before.events, after.events) {
		t.Errorf("a rejected request added to the timeline:\nbefore %s\nafter  %s", before.events, after.events)
		ok = false
	}
	return ok
}

// woEvent is one timeline entry as the tests read it.
type woEvent struct {
	Type    string         `json:"type"`
	ActorID *uuid.UUID     `json:"actor_id"`
	From    *string        `json:"from"`
	To      *string        `json:"to"`
	Data    map[string]any `json:"data"`
}

func (e *env) woEvents(t *testing.T, id uuid.UUID) []woEvent {
	t.Helper()
	var tl struct {
		Items []woEvent `json:"items"`
	}
	e.do(t, req{method: "GET", path: "/v1/work-orders/" + id.String() + "/events", token: e.admin}).expect(t, 200).decode(t, &tl)
	return tl.Items
}

// stateProblem is a 409's extension members.
type stateProblem struct {
	CurrentState   *string  `json:"current_state"`
	AllowedActions []string `json:"allowed_actions"`
}

// woExpect fails unless r has the status; error statuses must be problems.
func woExpect(t *testing.T, r response, want int, what string) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: status %d, want %d; body %s", what, r.Status, want, r.Body)
	}
	if want >= 400 {
		_ = r.problem(t)
	}
}

// woExpectETag fails unless the response's ETag is the version, strong.
func woExpectETag(t *testing.T, r response, version int) {
	t.Helper()
	if got, want := r.Header.Get("ETag"), fmt.Sprintf(`"%d"`, version); got != want {
		t.Fatalf("ETag %q, want %q", got, want)
	}
}

// woSameSet reports whether a and b hold the same strings, in any order.
func woSameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// woGet reads an order as token, expecting 200, and checks its ETag.
func (e *env) woGet(t *testing.T, token string, id uuid.UUID) workOrder {
	t.Helper()
	var o workOrder
	r := e.do(t, req{method: "GET", path: "/v1/work-orders/" + id.String(), token: token}).expect(t, 200)
	r.decode(t, &o)
	woExpectETag(t, r, o.Version)
	return o
}

// woListIDs pages through GET /v1/work-orders as token.
func (e *env) woListIDs(t *testing.T, token string, query ...string) []uuid.UUID {
	t.Helper()
	all := listAll(t, e, token, withQuery("/v1/work-orders", query...), 200, func(o workOrder) uuid.UUID { return o.ID })
	return mapSlice(all, func(o workOrder) uuid.UUID { return o.ID })
}

// woJSON re-encodes v, for messages.
func woJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
