package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/workorder"
)

// workOrder is the part of a work order the tests read.
type workOrder struct {
	ID             uuid.UUID  `json:"id"`
	Number         string     `json:"number"`
	Status         string     `json:"status"`
	Version        int        `json:"version"`
	TechnicianID   *uuid.UUID `json:"technician_id"`
	FarFromSite    bool       `json:"far_from_site"`
	AllowedActions []string   `json:"allowed_actions"`
	CheckIn        *struct {
		DistanceM *float64 `json:"distance_m"`
	} `json:"check_in"`
	SLA struct {
		RespondBy          time.Time `json:"respond_by"`
		ResolveBy          time.Time `json:"resolve_by"`
		ResponseBreached   bool      `json:"response_breached"`
		ResolutionBreached bool      `json:"resolution_breached"`
		PausedMinutes      int       `json:"paused_minutes"`
	} `json:"sla"`
	ResponseMinutes *int `json:"response_minutes"`
	WaitMinutes     *int `json:"wait_minutes"`
	TravelMinutes   *int `json:"travel_minutes"`
	RepairMinutes   *int `json:"repair_minutes"`
}

// fleet is a customer with vehicles, a technician and desk users.
type fleet struct {
	customer   uuid.UUID
	vehicles   []uuid.UUID
	tech       user
	manager    user
	dispatcher user
	custUser   user
}

func (e *env) newFleet(t *testing.T) fleet {
	t.Helper()
	c := e.createCustomer(t, "Fleet "+uuid.NewString()[:8])
	f := fleet{customer: c}
	for i := range 2 {
		f.vehicles = append(f.vehicles, e.createVehicle(t, c, fmt.Sprintf("粤B%05d", i+1)))
	}
	f.tech = e.createUser(t, domain.RoleTechnician, uuid.Nil)
	f.manager = e.createUser(t, domain.RoleManager, uuid.Nil)
	f.dispatcher = e.createUser(t, domain.RoleDispatcher, uuid.Nil)
	f.custUser = e.createUser(t, domain.RoleCustomer, c)
	return f
}

// advance moves the clock and logs the fleet's users in again: access
// tokens live 15 minutes.
func (e *env) advance(t *testing.T, f *fleet, d time.Duration) {
	t.Helper()
	e.clock.Advance(d)
	for _, u := range []*user{&f.tech, &f.manager, &f.dispatcher, &f.custUser} {
		u.Token = e.login(u.Username, "password-"+u.Username).AccessToken
	}
	e.admin = e.login("admin", adminPassword).AccessToken
}

func repairBody(f fleet, priority string) map[string]any {
	return map[string]any{"type": "repair", "customer_id": f.customer, "vehicle_id": f.vehicles[0],
		"site":        map[string]any{"address": "Futian, Shenzhen", "lat": 22.5431, "lng": 114.0579},
		"description": "tracker offline", "fault_symptoms": "no GPS fix since Monday", "priority": priority}
}

func (e *env) createOrder(t *testing.T, token string, body map[string]any) workOrder {
	t.Helper()
	var o workOrder
	r := e.do(t, req{method: "POST", path: "/v1/work-orders", token: token, body: body}).expect(t, 201)
	r.decode(t, &o)
	if r.Header.Get("ETag") != fmt.Sprintf(`"%d"`, o.Version) || r.Header.Get("Location") != "/v1/work-orders/"+o.ID.String() {
		t.Fatalf("headers %v", r.Header)
	}
	return o
}

// act posts a lifecycle action with the order's current ETag.
func (e *env) act(t *testing.T, token string, o workOrder, action string, body any) response {
	t.Helper()
	return e.do(t, req{method: "POST", path: "/v1/work-orders/" + o.ID.String() + "/" + action, token: token, body: body,
		header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, o.Version)}})
}

func (e *env) step(t *testing.T, token string, o workOrder, action string, body any) workOrder {
	t.Helper()
	var out workOrder
	e.act(t, token, o, action, body).expect(t, 200).decode(t, &out)
	if out.Version != o.Version+1 {
		t.Fatalf("%s: version %d after %d", action, out.Version, o.Version)
	}
	return out
}

var checklistOK = map[string]any{"checklist": map[string]bool{"details_verified": true, "tools_ready": true, "parts_ready": true}}

func TestWorkOrder_RepairLifecycleMeasuresEveryStep(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		o := e.createOrder(t, f.custUser.Token, repairBody(f, "urgent"))
		if o.Status != "requested" || !strings.HasPrefix(o.Number, fmt.Sprintf("WO-%d-", e.clock.Now().Year())) {
			t.Fatalf("created %+v", o)
		}
		if got := o.SLA.RespondBy.Sub(e.clock.Now()); got != 4*time.Hour {
			t.Fatalf("respond_by in %v", got)
		}
		e.advance(t, &f, 10*time.Minute)
		o = e.step(t, f.manager.Token, o, "approve", nil)
		o = e.step(t, f.dispatcher.Token, o, "assign", map[string]any{"technician_id": f.tech.ID})
		o = e.step(t, f.tech.Token, o, "accept", nil)
		e.advance(t, &f, 20*time.Minute)
		o = e.step(t, f.tech.Token, o, "depart", checklistOK)
		e.advance(t, &f, 40*time.Minute)
		o = e.step(t, f.tech.Token, o, "arrive", map[string]any{"lat": 22.5440, "lng": 114.0579, "accuracy_m": 8})
		if o.CheckIn == nil || o.CheckIn.DistanceM == nil || *o.CheckIn.DistanceM > 150 || o.FarFromSite {
			t.Fatalf("check-in %+v far=%v", o.CheckIn, o.FarFromSite)
		}
		e.advance(t, &f, 30*time.Minute)
		o = e.step(t, f.tech.Token, o, "hold", map[string]any{"reason": "waiting for a spare SIM"})
		e.advance(t, &f, 60*time.Minute)
		o = e.step(t, f.tech.Token, o, "resume", nil)
		if o.Status != "on_site" || o.SLA.PausedMinutes != 60 {
			t.Fatalf("after resume: %s paused %d", o.Status, o.SLA.PausedMinutes)
		}
		e.advance(t, &f, 15*time.Minute)
		o = e.step(t, f.tech.Token, o, "complete", map[string]any{"resolution": "replaced the antenna"})
		o = e.step(t, f.dispatcher.Token, o, "close", nil)
		if *o.ResponseMinutes != 70 || *o.WaitMinutes != 20 || *o.TravelMinutes != 40 || *o.RepairMinutes != 105 {
			t.Fatalf("minutes: response %d wait %d travel %d repair %d", *o.ResponseMinutes, *o.WaitMinutes, *o.TravelMinutes, *o.RepairMinutes)
		}
		if o.SLA.ResponseBreached || o.SLA.ResolutionBreached || len(o.AllowedActions) != 1 || o.AllowedActions[0] != "reopen" {
			t.Fatalf("closed order %+v", o)
		}

		var tl struct {
			Items []struct {
				Type    string         `json:"type"`
				ActorID *uuid.UUID     `json:"actor_id"`
				From    *string        `json:"from"`
				To      *string        `json:"to"`
				Data    map[string]any `json:"data"`
			} `json:"items"`
		}
		e.do(t, req{method: "GET", path: "/v1/work-orders/" + o.ID.String() + "/events", token: f.manager.Token}).expect(t, 200).decode(t, &tl)
		var types []string
		for _, ev := range tl.Items {
			types = append(types, strings.TrimPrefix(ev.Type, "work_order."))
		}
		want := "created approve assign accept depart arrive hold resume complete close"
		if strings.Join(types, " ") != want {
			t.Fatalf("timeline %v", types)
		}
		arrive := tl.Items[5]
		if *arrive.From != "en_route" || *arrive.To != "on_site" || arrive.Data["lat"] != 22.544 || *arrive.ActorID != f.tech.ID {
			t.Fatalf("arrive event %+v", arrive)
		}
	})
}

func TestWorkOrderAction_400_WhenABodyIsSentToAnActionThatTakesNone(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		o := e.createOrder(t, f.manager.Token, repairBody(f, "normal"))
		p := e.act(t, f.manager.Token, o, "approve", map[string]any{"note": "ok"}).expect(t, 400).problem(t)
		if len(p.Errors) == 0 || p.Errors[0].Field != "body" {
			t.Fatalf("problem %+v", p)
		}
		e.step(t, f.manager.Token, o, "approve", nil) // unchanged: still version 1
	})
}

// RFC 9110 §13.2.1: a precondition is judged only for a request that would
// otherwise succeed, so role and state answer before If-Match does.
func TestWorkOrderAction_RoleAndStateAnswerBeforeIfMatch(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		o := e.createOrder(t, f.manager.Token, repairBody(f, "normal"))
		path := "/v1/work-orders/" + o.ID.String()
		finance := e.createUser(t, domain.RoleFinance, uuid.Nil)
		e.do(t, req{method: "POST", path: path + "/approve", token: finance.Token, header: map[string]string{"If-Match": `"9"`}}).expect(t, 403)
		e.do(t, req{method: "POST", path: path + "/close", token: f.manager.Token}).expect(t, 409)
		e.do(t, req{method: "POST", path: path + "/approve", token: f.manager.Token}).expect(t, 428)
		e.do(t, req{method: "POST", path: path + "/approve", token: f.manager.Token, header: map[string]string{"If-Match": `"9"`}}).expect(t, 412)
	})
}

func TestUpdateWorkOrder_AnEditThatChangesNothingIsNoEvent(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		o := e.createOrder(t, f.manager.Token, repairBody(f, "normal"))
		var got workOrder
		e.do(t, req{method: "PATCH", path: "/v1/work-orders/" + o.ID.String(), token: f.manager.Token, body: map[string]any{"priority": "normal"},
			header: map[string]string{"If-Match": `"1"`}}).expect(t, 200).decode(t, &got)
		var tl struct{ Items []any }
		e.do(t, req{method: "GET", path: "/v1/work-orders/" + o.ID.String() + "/events", token: f.manager.Token}).expect(t, 200).decode(t, &tl)
		if got.Version != 1 || len(tl.Items) != 1 {
			t.Fatalf("version %d, %d events", got.Version, len(tl.Items))
		}
	})
}

// The stored milestones, and so every number the order shows, are what its
// timeline says: replaying the events gives the same durations and SLA.
func TestWorkOrder_TimelineExplainsItsNumbers(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		o := e.createOrder(t, f.manager.Token, repairBody(f, "high"))
		e.advance(t, &f, 7*time.Minute)
		o = e.step(t, f.manager.Token, o, "approve", nil)
		o = e.step(t, f.dispatcher.Token, o, "assign", map[string]any{"technician_id": f.tech.ID})
		o = e.step(t, f.tech.Token, o, "accept", nil)
		e.advance(t, &f, 13*time.Minute)
		o = e.step(t, f.tech.Token, o, "depart", checklistOK)
		e.advance(t, &f, 9*time.Minute)
		o = e.step(t, f.tech.Token, o, "hold", map[string]any{"reason": "road closed"})
		e.advance(t, &f, 31*time.Minute)
		o = e.step(t, f.tech.Token, o, "resume", nil)
		e.advance(t, &f, 5*time.Minute)
		o = e.step(t, f.tech.Token, o, "arrive", map[string]any{"lat": 22.5431, "lng": 114.0579})
		e.advance(t, &f, 44*time.Minute)
		o = e.step(t, f.tech.Token, o, "complete", map[string]any{"resolution": "new SIM"})

		var tl struct {
			Items []struct {
				Type string         `json:"type"`
				At   time.Time      `json:"at"`
				From *string        `json:"from"`
				To   *string        `json:"to"`
				Data map[string]any `json:"data"`
			} `json:"items"`
		}
		e.do(t, req{method: "GET", path: "/v1/work-orders/" + o.ID.String() + "/events", token: f.manager.Token}).expect(t, 200).decode(t, &tl)
		events := make([]domain.Event, len(tl.Items))
		for i, it := range tl.Items {
			events[i] = domain.Event{Type: it.Type, At: it.At, Data: it.Data}
		}
		times, err := workorder.Replay(events, workorder.DefaultSLA())
		if err != nil {
			t.Fatal(err)
		}
		replayed := workorder.Order{Status: workorder.Completed, CreatedAt: tl.Items[0].At, Times: times}
		d := replayed.Durations()
		if *d.Response != *o.ResponseMinutes || *d.Wait != *o.WaitMinutes || *d.Travel != *o.TravelMinutes || *d.Repair != *o.RepairMinutes {
			t.Fatalf("replayed %d/%d/%d/%d, order shows %d/%d/%d/%d", *d.Response, *d.Wait, *d.Travel, *d.Repair,
				*o.ResponseMinutes, *o.WaitMinutes, *o.TravelMinutes, *o.RepairMinutes)
		}
		sla := replayed.SLAAt(e.clock.Now())
		if !sla.RespondBy.Equal(o.SLA.RespondBy) || !sla.ResolveBy.Equal(o.SLA.ResolveBy) || int(sla.Paused/time.Minute) != o.SLA.PausedMinutes ||
			sla.ResponseBreached != o.SLA.ResponseBreached || sla.ResolutionBreached != o.SLA.ResolutionBreached {
			t.Fatalf("replayed SLA %+v, order shows %+v", sla, o.SLA)
		}
		if o.SLA.PausedMinutes != 31 || *o.TravelMinutes != 45 {
			t.Fatalf("paused %d travel %d", o.SLA.PausedMinutes, *o.TravelMinutes)
		}
	})
}

func TestFeedback_TheCustomerRatesCompletedWorkOnce(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		o := e.onSiteOrder(t, &f, repairBody(f, "normal"))
		path := "/v1/work-orders/" + o.ID.String() + "/feedback"
		rate := map[string]any{"rating": 5, "comment": "quick and tidy"}
		e.do(t, req{method: "POST", path: path, token: f.custUser.Token, body: rate}).expect(t, 409) // not completed yet
		o = e.step(t, f.tech.Token, o, "complete", map[string]any{"resolution": "reseated the SIM"})
		e.do(t, req{method: "POST", path: path, token: f.manager.Token, body: rate}).expect(t, 403)
		other := e.newFleet(t)
		e.do(t, req{method: "POST", path: path, token: other.custUser.Token, body: rate}).expect(t, 404)
		e.do(t, req{method: "POST", path: path, token: f.custUser.Token, body: map[string]any{"rating": 6}}).expect(t, 400)
		e.do(t, req{method: "POST", path: path, token: f.custUser.Token, body: rate}).expect(t, 201)
		e.do(t, req{method: "POST", path: path, token: f.custUser.Token, body: rate}).expect(t, 409) // once
		var got struct {
			Feedback *struct {
				Rating  int     `json:"rating"`
				Comment *string `json:"comment"`
			} `json:"feedback"`
		}
		e.do(t, req{method: "GET", path: "/v1/work-orders/" + o.ID.String(), token: f.manager.Token}).expect(t, 200).decode(t, &got)
		if got.Feedback == nil || got.Feedback.Rating != 5 || *got.Feedback.Comment != "quick and tidy" {
			t.Fatalf("staff read %+v", got.Feedback)
		}
	})
}
