package api_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// The table: every action × every role × every state, through the
// real API on both footings. The expected answer is derived from the rules
// of the issue and openapi.yaml, written out again here rather than taken
// from domain/workorder, so that the test holds the domain to them. Checks
// come in this order: 404 when the actor can't see the order, 403 when its
// role may not do the action, 409 when the state doesn't allow it, else 200.

// woAction is one lifecycle request with a valid body.
type woAction struct {
	name string // as the subtests call it
	path string // the action's path segment
	body func(c *woCast) any
}

func woReason(r string) func(*woCast) any {
	return func(*woCast) any { return map[string]any{"reason": r} }
}

var woActions = []woAction{
	{name: "approve", path: "approve"},
	{name: "assign_technician", path: "assign", body: func(c *woCast) any { return map[string]any{"technician_id": c.tech.ID} }},
	{name: "assign_contractor", path: "assign", body: func(*woCast) any { return map[string]any{"contractor": woContractorBody} }},
	{name: "accept", path: "accept"},
	{name: "decline", path: "decline", body: woReason("on leave today")},
	{name: "depart", path: "depart", body: func(*woCast) any { return checklistOK }},
	{name: "arrive", path: "arrive", body: func(*woCast) any { return woSiteNear }},
	{name: "complete", path: "complete", body: func(*woCast) any { return map[string]any{"resolution": "replaced the fuse"} }},
	{name: "close", path: "close"},
	{name: "cancel", path: "cancel", body: woReason("no longer needed")},
	{name: "hold", path: "hold", body: woReason("waiting for parts")},
	{name: "resume", path: "resume"},
	{name: "reopen", path: "reopen", body: woReason("the tracker dropped out again")},
}

// woModel is what the rules need to know of an order.
type woModel struct {
	status     string
	heldFrom   string
	techHolds  bool // the cast's technician is assigned now
	techHeld   bool // ... now or before
	contractor bool
}

var woModels = map[woState]woModel{
	woRequested:  {status: "requested"},
	woApproved:   {status: "approved"},
	woAssigned:   {status: "assigned", techHolds: true, techHeld: true},
	woAccepted:   {status: "accepted", techHolds: true, techHeld: true},
	woEnRoute:    {status: "en_route", techHolds: true, techHeld: true},
	woOnSite:     {status: "on_site", techHolds: true, techHeld: true},
	woOnHold:     {status: "on_hold", heldFrom: "on_site", techHolds: true, techHeld: true},
	woCompleted:  {status: "completed", techHolds: true, techHeld: true},
	woClosed:     {status: "closed", techHolds: true, techHeld: true},
	woCancelled:  {status: "cancelled", techHolds: true, techHeld: true},
	woContractor: {status: "assigned", techHeld: true, contractor: true},
}

// woFrom is the lifecycle: the states each action starts from.
var woFrom = map[string][]string{
	"approve":  {"requested"},
	"assign":   {"approved", "assigned", "accepted"},
	"accept":   {"assigned"},
	"decline":  {"assigned"},
	"depart":   {"accepted"},
	"arrive":   {"en_route"},
	"complete": {"on_site"},
	"close":    {"completed"},
	"cancel":   {"requested", "approved", "assigned", "accepted", "en_route", "on_site", "on_hold"},
	"hold":     {"assigned", "accepted", "en_route", "on_site"},
	"resume":   {"on_hold"},
	"reopen":   {"completed", "closed"},
}

// woContractorCompleteFrom: nobody of ours travels to a contractor job, so
// staff complete it from any assigned-or-later state, and nobody accepts,
// declines, departs or checks in.
var woContractorCompleteFrom = []string{"assigned", "accepted", "en_route", "on_site"}

func (m woModel) stateAllows(path string) bool {
	if m.contractor {
		switch path {
		case "complete":
			return slices.Contains(woContractorCompleteFrom, m.status)
		case "accept", "decline", "depart", "arrive":
			return false
		}
	}
	return slices.Contains(woFrom[path], m.status)
}

// allowedFor is the actor's allowed_actions, on the order and in a 409:
// the actions that succeed for it now (assign in either form).
func (m woModel) allowedFor(a woActor) []string {
	out := []string{}
	for _, act := range woActions {
		if m.want(a, act) == 200 && !slices.Contains(out, act.path) {
			out = append(out, act.path)
		}
	}
	return out
}

func (m woModel) visibleTo(a woActor) bool {
	switch a {
	case woTech:
		return m.techHeld
	case woOtherTech, woOtherCust:
		return false
	}
	return true
}

func (m woModel) roleMay(a woActor, action string) bool {
	staff := a == woAdmin || a == woManager || a == woDispatcher
	manager := a == woAdmin || a == woManager
	tech := a == woTech && m.techHolds
	switch action {
	case "approve", "assign_contractor":
		return manager
	case "assign_technician", "close", "reopen":
		return staff
	case "accept", "decline", "depart", "arrive":
		return tech
	case "complete":
		if m.contractor {
			return staff
		}
		return tech
	case "cancel":
		return staff || a == woCustomer && (m.status == "requested" || m.status == "approved")
	case "hold", "resume":
		return staff || tech
	}
	panic("unknown action " + action)
}

// want is the status the cell must answer.
func (m woModel) want(a woActor, act woAction) int {
	switch {
	case !m.visibleTo(a):
		return 404
	case !m.roleMay(a, act.name):
		return 403
	case !m.stateAllows(act.path):
		return 409
	}
	return 200
}

// after is the order once the action succeeded.
func (m woModel) after(action string) woModel {
	switch action {
	case "approve":
		m.status = "approved"
	case "assign_technician":
		m.status, m.techHolds, m.techHeld, m.contractor = "assigned", true, true, false
	case "assign_contractor":
		m.status, m.techHolds, m.contractor = "assigned", false, true
	case "accept":
		m.status = "accepted"
	case "decline":
		m.status, m.techHolds = "approved", false
	case "depart":
		m.status = "en_route"
	case "arrive":
		m.status = "on_site"
	case "complete":
		m.status = "completed"
	case "close":
		m.status = "closed"
	case "cancel":
		m.status = "cancelled"
	case "hold":
		m.status, m.heldFrom = "on_hold", m.status
	case "resume":
		m.status, m.heldFrom = m.heldFrom, ""
	case "reopen":
		m.status = "assigned"
	}
	return m
}

// woCell is one action by one actor on an order in one state.
type woCell struct {
	state woState
	act   woAction
	actor woActor
	want  int
}

func (c woCell) name() string { return fmt.Sprintf("%s/%s/%s", c.state, c.act.name, c.actor) }

func woCells() []woCell {
	var out []woCell
	for _, s := range woStates {
		for _, a := range woActions {
			for _, who := range woActors {
				out = append(out, woCell{state: s, act: a, actor: who, want: woModels[s].want(who, a)})
			}
		}
	}
	return out
}

// woShared is one fixture order per state, reused by every cell that must
// not change it; a cell that did change it gets a fresh one for the next.
type woShared struct {
	order workOrder
	snap  woSnap
	dirty bool
}

// runMatrix plays every cell whose expected status is want.
func runMatrix(t *testing.T, want int) {
	eachFooting(t, func(t *testing.T, e *env) {
		start := time.Now()
		c := e.newWOCast(t)
		shared := map[woState]*woShared{}
		n := 0
		for _, cell := range woCells() {
			if cell.want != want {
				continue
			}
			n++
			if want == 200 {
				t.Run(cell.name(), func(t *testing.T) { e.playSuccess(t, c, cell) })
				continue
			}
			fx := shared[cell.state]
			if fx == nil || fx.dirty {
				o := e.woDrive(t, c, cell.state)
				fx = &woShared{order: o, snap: e.woSnapshot(t, o.ID)}
				shared[cell.state] = fx
			}
			t.Run(cell.name(), func(t *testing.T) { e.playRefusal(t, c, cell, fx) })
		}
		t.Logf("%d cells answering %d in %v", n, want, time.Since(start).Round(time.Millisecond))
		if n == 0 {
			t.Fatalf("no cell answers %d", want)
		}
	}, woNoRateLimit)
}

// playRefusal sends a request that must be refused and checks that it
// changed nothing.
func (e *env) playRefusal(t *testing.T, c *woCast, cell woCell, fx *woShared) {
	fx.dirty = true // until proven otherwise
	u := c.user(cell.actor)
	var body any
	if cell.act.body != nil {
		body = cell.act.body(c)
	}
	r := e.act(t, u.Token, fx.order, cell.act.path, body)
	if r.Status != cell.want {
		t.Errorf("status %d, want %d; body %s", r.Status, cell.want, r.Body)
	} else {
		_ = r.problem(t)
	}
	if r.Status == 409 && cell.want == 409 {
		var sp stateProblem
		r.decode(t, &sp)
		m := woModels[cell.state]
		if sp.CurrentState == nil || *sp.CurrentState != m.status {
			t.Errorf("current_state %v, want %s; body %s", sp.CurrentState, m.status, r.Body)
		}
		if want := m.allowedFor(cell.actor); !woSameSet(sp.AllowedActions, want) {
			t.Errorf("allowed_actions %v, want %v", sp.AllowedActions, want)
		}
	}
	if r.Status == 200 {
		return // the fixture moved on: dirty
	}
	if e.woUnchanged(t, fx.order.ID, fx.snap) {
		fx.dirty = false
	}
}

// playSuccess drives a fresh order to the cell's state, performs the
// action and checks the new state, version, ETag and timeline.
func (e *env) playSuccess(t *testing.T, c *woCast, cell woCell) {
	o := e.woDrive(t, c, cell.state)
	before := e.woEvents(t, o.ID)
	var body any
	if cell.act.body != nil {
		body = cell.act.body(c)
	}
	u := c.user(cell.actor)
	r := e.act(t, u.Token, o, cell.act.path, body)
	woExpect(t, r, 200, cell.name())
	var got workOrder
	r.decode(t, &got)
	m := woModels[cell.state].after(cell.act.name)
	if got.Status != m.status || got.Version != o.Version+1 {
		t.Fatalf("now %s v%d, want %s v%d", got.Status, got.Version, m.status, o.Version+1)
	}
	woExpectETag(t, r, got.Version)
	if want := m.allowedFor(cell.actor); !woSameSet(got.AllowedActions, want) {
		t.Errorf("allowed_actions %v, want %v", got.AllowedActions, want)
	}
	switch {
	case m.techHolds && (got.TechnicianID == nil || *got.TechnicianID != c.tech.ID):
		t.Errorf("technician_id %v, want %s", got.TechnicianID, c.tech.ID)
	case !m.techHolds && got.TechnicianID != nil:
		t.Errorf("technician_id %v, want null", got.TechnicianID)
	}
	var ct struct {
		Contractor *struct{ Name string } `json:"contractor"`
	}
	r.decode(t, &ct)
	if (ct.Contractor != nil) != m.contractor {
		t.Errorf("contractor %v, want one: %v", ct.Contractor, m.contractor)
	}
	if again := e.woGet(t, e.admin, o.ID); again.Status != got.Status || again.Version != got.Version {
		t.Errorf("GET after %s: %s v%d, want %s v%d", cell.act.name, again.Status, again.Version, got.Status, got.Version)
	}
	after := e.woEvents(t, o.ID)
	if len(after) != len(before)+1 {
		t.Fatalf("%d events after %d, want one more: %s", len(after), len(before), woJSON(after))
	}
	ev := after[len(after)-1]
	from := woModels[cell.state].status
	if ev.Type != "work_order."+cell.act.path || ev.ActorID == nil || *ev.ActorID != u.ID ||
		ev.From == nil || *ev.From != from || ev.To == nil || *ev.To != m.status {
		t.Errorf("event %s, want work_order.%s by %s from %s to %s", woJSON(ev), cell.act.path, u.ID, from, m.status)
	}
}

func TestWorkOrderAction_404_WhenActorCannotSeeTheOrder(t *testing.T) { runMatrix(t, 404) }

func TestWorkOrderAction_403_WhenRoleMayNotAct(t *testing.T) { runMatrix(t, 403) }

func TestWorkOrderAction_409_WhenStateDisallows(t *testing.T) { runMatrix(t, 409) }

func TestWorkOrderAction_200_WhenRoleAndStateAllow(t *testing.T) { runMatrix(t, 200) }

// TestWorkOrderAction_MatrixCoversEveryCell keeps the four tests above
// honest: together they play every action × actor × state, and the rules
// leave no actor without some success and no action that nobody can do.
func TestWorkOrderAction_MatrixCoversEveryCell(t *testing.T) {
	cells := woCells()
	if want := len(woStates) * len(woActions) * len(woActors); len(cells) != want {
		t.Fatalf("%d cells, want %d", len(cells), want)
	}
	count := map[int]int{}
	byAction := map[string]bool{}
	for _, c := range cells {
		count[c.want]++
		if c.want == 200 {
			byAction[c.act.name] = true
		}
	}
	for _, a := range woActions {
		if !byAction[a.name] {
			t.Errorf("no cell where %s succeeds", a.name)
		}
	}
	for _, s := range []int{200, 403, 404, 409} {
		if count[s] == 0 {
			t.Errorf("no cell answers %d", s)
		}
	}
	t.Logf("%d cells: %v", len(cells), count)
}

// woReady is a fresh order in a state where act succeeds for the actor.
type woReady struct {
	state woState
	act   woAction
	actor woActor
}

// woReadies picks, for each action, one state and actor where it succeeds.
func woReadies() []woReady {
	var out []woReady
	for _, a := range woActions {
	found:
		for _, s := range woStates {
			for _, who := range woActors {
				if woModels[s].want(who, a) == 200 {
					out = append(out, woReady{state: s, act: a, actor: who})
					break found
				}
			}
		}
	}
	return out
}

func TestWorkOrderAction_IfMatch_428WhenMissing412WhenStaleWeakAccepted(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.newWOCast(t)
		for _, rd := range woReadies() {
			t.Run(rd.act.name, func(t *testing.T) {
				o := e.woDrive(t, c, rd.state)
				snap := e.woSnapshot(t, o.ID)
				u := c.user(rd.actor)
				var body any
				if rd.act.body != nil {
					body = rd.act.body(c)
				}
				path := "/v1/work-orders/" + o.ID.String() + "/" + rd.act.path
				for _, tc := range []struct {
					ifMatch string
					want    int
				}{
					{"", 428},
					{fmt.Sprintf(`"%d"`, o.Version-1), 412},
					{fmt.Sprintf(`"%d"`, o.Version+1), 412},
					{fmt.Sprintf(`W/"%d"`, o.Version+7), 412},
					{"0", 412},
				} {
					h := map[string]string{}
					if tc.ifMatch != "" {
						h["If-Match"] = tc.ifMatch
					}
					r := e.do(t, req{method: "POST", path: path, token: u.Token, body: body, header: h})
					woExpect(t, r, tc.want, fmt.Sprintf("If-Match %q", tc.ifMatch))
					e.woUnchanged(t, o.ID, snap)
				}
				// Nobody learns of an order it can't see, not even from a 428.
				r := e.do(t, req{method: "POST", path: path, token: c.otherCust.Token, body: body})
				woExpect(t, r, 404, "no If-Match, another customer")
				e.woUnchanged(t, o.ID, snap)

				r = e.do(t, req{method: "POST", path: path, token: u.Token, body: body,
					header: map[string]string{"If-Match": fmt.Sprintf(`W/"%d"`, o.Version)}})
				woExpect(t, r, 200, "weak If-Match")
				var got workOrder
				r.decode(t, &got)
				if got.Version != o.Version+1 {
					t.Fatalf("version %d after %d", got.Version, o.Version)
				}
				woExpectETag(t, r, got.Version)
				// The new ETag works unquoted too, as the spec's pattern admits.
				if rd.act.name == "approve" {
					r = e.do(t, req{method: "POST", path: "/v1/work-orders/" + o.ID.String() + "/assign", token: c.dispatcher.Token,
						body: map[string]any{"technician_id": c.tech.ID}, header: map[string]string{"If-Match": fmt.Sprint(got.Version)}})
					woExpect(t, r, 200, "unquoted If-Match")
					woExpectETag(t, r, got.Version+1)
				}
			})
		}
	}, woNoRateLimit)
}

func TestWorkOrderAction_412_WhenTwoClientsRaceOnOneVersion(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.newWOCast(t)
		o := e.woDrive(t, c, woApproved)
		first := e.woStep(t, c.dispatcher.Token, o, "assign", map[string]any{"technician_id": c.tech.ID})
		snap := e.woSnapshot(t, o.ID)
		// The manager still holds the version before the dispatcher's assignment.
		r := e.act(t, c.manager.Token, o, "assign", map[string]any{"technician_id": c.otherTech.ID})
		woExpect(t, r, 412, "stale assign")
		e.woUnchanged(t, o.ID, snap)
		if got := e.woGet(t, e.admin, o.ID); got.TechnicianID == nil || *got.TechnicianID != c.tech.ID || got.Version != first.Version {
			t.Fatalf("after the stale assign: %+v", got)
		}
		// The never-assigned technician still can't see it.
		e.do(t, req{method: "GET", path: "/v1/work-orders/" + o.ID.String(), token: c.otherTech.Token}).expect(t, 404)
	})
}

// ---------------------------------------------------------------- PATCH

func TestWorkOrderEdit_200_StaffEditEveryFieldWhileOpen(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.newWOCast(t)
		staff := []woActor{woAdmin, woManager, woDispatcher}
		i := 0
		for _, s := range []woState{woRequested, woApproved, woAssigned, woAccepted, woEnRoute, woOnSite, woOnHold, woContractor} {
			for _, who := range staff {
				i++
				t.Run(fmt.Sprintf("%s/%s", s, who), func(t *testing.T) {
					o := e.woDrive(t, c, s)
					before := e.woEvents(t, o.ID)
					body := map[string]any{
						"description":   fmt.Sprintf("edit %d: tracker offline, also the panic button", i),
						"site":          map[string]any{"address": fmt.Sprintf("Depot %d, Nanshan, Shenzhen", i), "lat": 22.53, "lng": 113.93},
						"contact_name":  "Wang Fang",
						"contact_phone": "13900139000",
					}
					r := e.do(t, req{method: "PATCH", path: "/v1/work-orders/" + o.ID.String(), token: c.user(who).Token, body: body,
						header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, o.Version)}})
					woExpect(t, r, 200, "edit")
					var got struct {
						workOrder
						Description  string  `json:"description"`
						ContactName  *string `json:"contact_name"`
						ContactPhone *string `json:"contact_phone"`
						Site         struct {
							Address string   `json:"address"`
							Lat     *float64 `json:"lat"`
							Lng     *float64 `json:"lng"`
						} `json:"site"`
					}
					r.decode(t, &got)
					woExpectETag(t, r, got.Version)
					if got.Version != o.Version+1 || got.Status != o.Status || got.Description != body["description"] ||
						got.Site.Address != body["site"].(map[string]any)["address"] || got.Site.Lat == nil || *got.Site.Lat != 22.53 ||
						got.ContactName == nil || *got.ContactName != "Wang Fang" || got.ContactPhone == nil || *got.ContactPhone != "13900139000" {
						t.Fatalf("after edit: %s", r.Body)
					}
					after := e.woEvents(t, o.ID)
					if len(after) != len(before)+1 {
						t.Fatalf("%d events after %d", len(after), len(before))
					}
					ev := after[len(after)-1]
					if ev.Type != "work_order.edited" || ev.ActorID == nil || *ev.ActorID != c.user(who).ID || ev.Data["description"] != body["description"] {
						t.Fatalf("edit event %s", woJSON(ev))
					}
					// null clears a contact.
					r = e.do(t, req{method: "PATCH", path: "/v1/work-orders/" + o.ID.String(), token: c.user(who).Token,
						body: map[string]any{"contact_name": nil}, header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, got.Version)}})
					woExpect(t, r, 200, "clear contact")
					var cleared struct {
						Version     int     `json:"version"`
						ContactName *string `json:"contact_name"`
					}
					r.decode(t, &cleared)
					if cleared.ContactName != nil || cleared.Version != got.Version+1 {
						t.Fatalf("after clearing: %s", r.Body)
					}
					if n := len(e.woEvents(t, o.ID)); n != len(before)+2 {
						t.Fatalf("%d events after two edits, want %d", n, len(before)+2)
					}
				})
			}
		}
	}, woNoRateLimit)
}

func TestWorkOrderEdit_200_PriorityChangeRecomputesSLA(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.newWOCast(t)
		o := e.woDrive(t, c, woApproved)
		created := e.clock.Now()
		if got := o.SLA.RespondBy.Sub(created); got != 24*time.Hour {
			t.Fatalf("normal respond_by in %v", got)
		}
		e.advance(t, &c.fleet, 30*time.Minute)
		c.admin.Token = e.admin
		for _, tc := range []struct {
			priority         string
			respond, resolve time.Duration
		}{{"urgent", 4 * time.Hour, 8 * time.Hour}, {"high", 8 * time.Hour, 16 * time.Hour}, {"low", 72 * time.Hour, 144 * time.Hour}} {
			r := e.do(t, req{method: "PATCH", path: "/v1/work-orders/" + o.ID.String(), token: c.manager.Token,
				body: map[string]any{"priority": tc.priority}, header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, o.Version)}})
			woExpect(t, r, 200, "priority "+tc.priority)
			r.decode(t, &o)
			woExpectETag(t, r, o.Version)
			// Deadlines run from creation, not from the edit.
			if got := o.SLA.RespondBy.Sub(created); got != tc.respond {
				t.Errorf("%s: respond_by %v after creation, want %v", tc.priority, got, tc.respond)
			}
			if got := o.SLA.ResolveBy.Sub(created); got != tc.resolve {
				t.Errorf("%s: resolve_by %v after creation, want %v", tc.priority, got, tc.resolve)
			}
			evs := e.woEvents(t, o.ID)
			ev := evs[len(evs)-1]
			if p, _ := ev.Data["priority"].(map[string]any); ev.Type != "work_order.edited" || p["to"] != tc.priority {
				t.Errorf("priority event %s", woJSON(ev))
			}
		}
		// The dispatch board follows the new priority.
		ids := e.woListIDs(t, c.dispatcher.Token, "priority", "low", "customer_id", c.customer.String())
		if !slices.Contains(ids, o.ID) {
			t.Errorf("priority=low list lacks the order: %v", ids)
		}
	})
}

func TestWorkOrderEdit_409_WhenCompletedClosedOrCancelled(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.newWOCast(t)
		for _, s := range []woState{woCompleted, woClosed, woCancelled} {
			t.Run(string(s), func(t *testing.T) {
				o := e.woDrive(t, c, s)
				snap := e.woSnapshot(t, o.ID)
				for _, who := range []woActor{woAdmin, woManager, woDispatcher} {
					r := e.do(t, req{method: "PATCH", path: "/v1/work-orders/" + o.ID.String(), token: c.user(who).Token,
						body: map[string]any{"description": "too late"}, header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, o.Version)}})
					woExpect(t, r, 409, string(who))
					var sp stateProblem
					r.decode(t, &sp)
					m := woModels[s]
					if sp.CurrentState == nil || *sp.CurrentState != m.status || !woSameSet(sp.AllowedActions, m.allowedFor(who)) {
						t.Errorf("409 %s, want current_state %s allowed %v", r.Body, m.status, m.allowedFor(who))
					}
					e.woUnchanged(t, o.ID, snap)
				}
			})
		}
	})
}

func TestWorkOrderEdit_403or404_WhenNotStaff(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.newWOCast(t)
		o := e.woDrive(t, c, woOnSite)
		snap := e.woSnapshot(t, o.ID)
		for _, tc := range []struct {
			who  woActor
			want int
		}{{woTech, 403}, {woCustomer, 403}, {woFinance, 403}, {woOtherTech, 404}, {woOtherCust, 404}} {
			t.Run(string(tc.who), func(t *testing.T) {
				r := e.do(t, req{method: "PATCH", path: "/v1/work-orders/" + o.ID.String(), token: c.user(tc.who).Token,
					body: map[string]any{"priority": "urgent"}, header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, o.Version)}})
				woExpect(t, r, tc.want, string(tc.who))
				e.woUnchanged(t, o.ID, snap)
			})
		}
	})
}

func TestWorkOrderEdit_IfMatch_428WhenMissing412WhenStaleWeakAccepted(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.newWOCast(t)
		o := e.woDrive(t, c, woAssigned)
		snap := e.woSnapshot(t, o.ID)
		path := "/v1/work-orders/" + o.ID.String()
		body := map[string]any{"description": "edited"}
		r := e.do(t, req{method: "PATCH", path: path, token: c.manager.Token, body: body})
		woExpect(t, r, 428, "no If-Match")
		e.woUnchanged(t, o.ID, snap)
		for _, stale := range []string{fmt.Sprintf(`"%d"`, o.Version-1), fmt.Sprintf(`W/"%d"`, o.Version+1)} {
			r = e.do(t, req{method: "PATCH", path: path, token: c.manager.Token, body: body, header: map[string]string{"If-Match": stale}})
			woExpect(t, r, 412, "stale "+stale)
			e.woUnchanged(t, o.ID, snap)
		}
		r = e.do(t, req{method: "PATCH", path: path, token: c.otherTech.Token, body: body})
		woExpect(t, r, 404, "invisible, no If-Match")
		r = e.do(t, req{method: "PATCH", path: path, token: c.manager.Token, body: body,
			header: map[string]string{"If-Match": fmt.Sprintf(`W/"%d"`, o.Version)}})
		woExpect(t, r, 200, "weak")
		woExpectETag(t, r, o.Version+1)
	})
}

// ---------------------------------------------------------------- visibility

func TestWorkOrderVisibility_TechnicianSeesOrdersAssignedNowOrBefore(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.newWOCast(t)
		second := e.createUser(t, "technician", uuid.Nil)
		o := e.woDrive(t, c, woAccepted) // the fleet's technician has it
		mine := e.woDrive(t, c, woAssigned)
		theirs := e.woStep(t, c.dispatcher.Token, e.woDrive(t, c, woApproved), "assign", map[string]any{"technician_id": second.ID})
		unassigned := e.woDrive(t, c, woApproved)

		// Reassigned from the fleet's technician to the second one.
		o = e.woStep(t, c.dispatcher.Token, o, "assign", map[string]any{"technician_id": second.ID})
		if o.TechnicianID == nil || *o.TechnicianID != second.ID {
			t.Fatalf("reassigned %+v", o)
		}
		for _, tc := range []struct {
			who     user
			see     []uuid.UUID
			notSeen []uuid.UUID
		}{
			{c.tech, []uuid.UUID{o.ID, mine.ID}, []uuid.UUID{theirs.ID, unassigned.ID}},
			{second, []uuid.UUID{o.ID, theirs.ID}, []uuid.UUID{mine.ID, unassigned.ID}},
			{c.otherTech, nil, []uuid.UUID{o.ID, mine.ID, theirs.ID, unassigned.ID}},
		} {
			t.Run(tc.who.Username, func(t *testing.T) {
				for _, id := range tc.see {
					e.woGet(t, tc.who.Token, id)
					e.do(t, req{method: "GET", path: "/v1/work-orders/" + id.String() + "/events", token: tc.who.Token}).expect(t, 200)
				}
				for _, id := range tc.notSeen {
					e.do(t, req{method: "GET", path: "/v1/work-orders/" + id.String(), token: tc.who.Token}).expect(t, 404)
					e.do(t, req{method: "GET", path: "/v1/work-orders/" + id.String() + "/events", token: tc.who.Token}).expect(t, 404)
				}
				sameIDs(t, "technician's list", e.woListIDs(t, tc.who.Token), tc.see)
				// Filters can't widen the list.
				sameIDs(t, "filtered by another technician", e.woListIDs(t, tc.who.Token, "technician_id", second.ID.String()),
					intersect(tc.see, []uuid.UUID{o.ID, theirs.ID}))
				sameIDs(t, "filtered by customer", e.woListIDs(t, tc.who.Token, "customer_id", c.customer.String()), tc.see)
			})
		}

		// The former technician reads the order but may no longer act on it.
		snap := e.woSnapshot(t, o.ID)
		for _, a := range []struct {
			path string
			body any
		}{{"accept", nil}, {"decline", map[string]any{"reason": "not mine any more"}}, {"hold", map[string]any{"reason": "mine?"}}} {
			woExpect(t, e.act(t, c.tech.Token, o, a.path, a.body), 403, "former technician "+a.path)
			e.woUnchanged(t, o.ID, snap)
		}

		// A technician who declines still sees what it declined.
		d := e.woStep(t, second.Token, theirs, "decline", map[string]any{"reason": "van broke down"})
		if d.Status != "approved" || d.TechnicianID != nil {
			t.Fatalf("declined %+v", d)
		}
		e.woGet(t, second.Token, theirs.ID)
		if ids := e.woListIDs(t, second.Token); !slices.Contains(ids, theirs.ID) {
			t.Fatalf("declined order left the list: %v", ids)
		}
	})
}

func intersect(a, b []uuid.UUID) []uuid.UUID {
	out := []uuid.UUID{}
	for _, id := range a {
		if slices.Contains(b, id) {
			out = append(out, id)
		}
	}
	return out
}

func TestWorkOrderVisibility_CustomerSeesOnlyItsOwnCustomersOrders(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.newWOCast(t)
		colleague := e.createUser(t, "customer", c.customer)
		own := []uuid.UUID{
			e.createOrder(t, c.custUser.Token, repairBody(c.fleet, "normal")).ID,
			e.createOrder(t, c.dispatcher.Token, repairBody(c.fleet, "high")).ID, // staff for the customer
			e.woDrive(t, c, woOnSite).ID,
		}
		otherBody := repairBody(c.fleet, "low")
		otherBody["customer_id"], otherBody["vehicle_id"] = c.otherCustomer, c.otherVehicle
		others := []uuid.UUID{
			e.createOrder(t, c.otherCust.Token, otherBody).ID,
			e.createOrder(t, c.manager.Token, otherBody).ID,
		}
		for _, tc := range []struct {
			who       user
			see, hide []uuid.UUID
		}{{c.custUser, own, others}, {colleague, own, others}, {c.otherCust, others, own}} {
			t.Run(tc.who.Username, func(t *testing.T) {
				sameIDs(t, "list", e.woListIDs(t, tc.who.Token), tc.see)
				for _, id := range tc.see {
					e.woGet(t, tc.who.Token, id)
				}
				for _, id := range tc.hide {
					e.do(t, req{method: "GET", path: "/v1/work-orders/" + id.String(), token: tc.who.Token}).expect(t, 404)
					e.do(t, req{method: "GET", path: "/v1/work-orders/" + id.String() + "/events", token: tc.who.Token}).expect(t, 404)
				}
			})
		}
		// Asking for another customer's orders gives nothing, not theirs.
		sameIDs(t, "custUser filtering by the other customer", e.woListIDs(t, c.custUser.Token, "customer_id", c.otherCustomer.String()), nil)
		// Cancelling another customer's order is a 404, and changes nothing.
		snap := e.woSnapshot(t, others[0])
		r := e.do(t, req{method: "POST", path: "/v1/work-orders/" + others[0].String() + "/cancel", token: c.custUser.Token,
			body: map[string]any{"reason": "mine now"}, header: map[string]string{"If-Match": `"1"`}})
		woExpect(t, r, 404, "cancel another customer's order")
		e.woUnchanged(t, others[0], snap)
	})
}

func TestWorkOrderVisibility_FinanceReadsEverythingAndActsOnNothing(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.newWOCast(t)
		otherBody := repairBody(c.fleet, "low")
		otherBody["customer_id"], otherBody["vehicle_id"] = c.otherCustomer, c.otherVehicle
		ids := []uuid.UUID{
			e.woDrive(t, c, woRequested).ID,
			e.woDrive(t, c, woOnHold).ID,
			e.woDrive(t, c, woClosed).ID,
			e.createOrder(t, c.otherCust.Token, otherBody).ID,
		}
		sameIDs(t, "finance's list", e.woListIDs(t, c.finance.Token), e.woListIDs(t, e.admin))
		for _, id := range ids {
			o := e.woGet(t, c.finance.Token, id)
			e.do(t, req{method: "GET", path: "/v1/work-orders/" + id.String() + "/events", token: c.finance.Token}).expect(t, 200)
			snap := e.woSnapshot(t, id)
			for _, a := range woActions {
				var body any
				if a.body != nil {
					body = a.body(c)
				}
				woExpect(t, e.act(t, c.finance.Token, o, a.path, body), 403, "finance "+a.name+" on "+o.Status)
			}
			r := e.do(t, req{method: "PATCH", path: "/v1/work-orders/" + id.String(), token: c.finance.Token,
				body: map[string]any{"description": "finance was here"}, header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, o.Version)}})
			woExpect(t, r, 403, "finance edit")
			r = e.do(t, req{method: "POST", path: "/v1/work-orders", token: c.finance.Token, body: repairBody(c.fleet, "low")})
			woExpect(t, r, 403, "finance create")
			e.woUnchanged(t, id, snap)
		}
		if n := len(e.woListIDs(t, e.admin)); n != len(ids) {
			t.Fatalf("%d orders, want %d: finance created some", n, len(ids))
		}
	}, woNoRateLimit)
}

// woTimelineTypes lists the event types of an order without their prefix.
func woTimelineTypes(evs []woEvent) string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = strings.TrimPrefix(ev.Type, "work_order.")
	}
	return strings.Join(out, " ")
}

func TestWorkOrderAction_200_ContractorOrderIsCompletedByStaff(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.newWOCast(t)
		o := e.woDrive(t, c, woContractor)
		var full struct {
			Contractor *struct{ Name, Phone, Reason string } `json:"contractor"`
		}
		e.do(t, req{method: "GET", path: "/v1/work-orders/" + o.ID.String(), token: c.manager.Token}).expect(t, 200).decode(t, &full)
		if full.Contractor == nil || full.Contractor.Name != "Quick Fix Ltd" || o.TechnicianID != nil {
			t.Fatalf("contractor order %+v %+v", o, full.Contractor)
		}
		o = e.woStep(t, c.dispatcher.Token, o, "complete", map[string]any{"resolution": "the contractor replaced the unit"})
		o = e.woStep(t, c.dispatcher.Token, o, "close", nil)
		evs := e.woEvents(t, o.ID)
		if got, want := woTimelineTypes(evs), "created approve assign assign complete close"; got != want {
			t.Fatalf("timeline %q, want %q", got, want)
		}
		if ct, _ := evs[3].Data["contractor"].(map[string]any); ct["reason"] != "urgent and nobody free" {
			t.Fatalf("contractor assignment event %s", woJSON(evs[3]))
		}
	})
}
