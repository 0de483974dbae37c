package api_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/fieldwork/fieldwork/cmd/fieldwork/app"
	"github.com/fieldwork/fieldwork/infra/jobs"
)

type callbackOut struct {
	ID              uuid.UUID  `json:"id"`
	VehicleID       uuid.UUID  `json:"vehicle_id"`
	Seq             int        `json:"seq"`
	DueAt           time.Time  `json:"due_at"`
	Status          string     `json:"status"`
	Version         int        `json:"version"`
	Attempts        int        `json:"attempts"`
	FollowUpOrderID *uuid.UUID `json:"follow_up_work_order_id"`
	AllowedActions  []string   `json:"allowed_actions"`
}

// callback reads one callback as token sees it; the ETag must be its version.
func (e *env) callback(t *testing.T, token string, id uuid.UUID) callbackOut {
	t.Helper()
	var c callbackOut
	r := e.do(t, req{method: "GET", path: "/v1/callbacks/" + id.String(), token: token}).expect(t, 200)
	r.decode(t, &c)
	if r.Header.Get("ETag") != fmt.Sprintf(`"%d"`, c.Version) {
		t.Fatalf("ETag %q for version %d", r.Header.Get("ETag"), c.Version)
	}
	return c
}

// completeCallback records a call on c with c's ETag as If-Match.
func (e *env) completeCallback(t *testing.T, token string, c callbackOut, body map[string]any) response {
	t.Helper()
	return e.do(t, req{method: "POST", path: "/v1/callbacks/" + c.ID.String() + "/complete", token: token, body: body,
		header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, c.Version)}})
}

// scheduledCallbacks lists the customer's scheduled callbacks, soonest first.
func (e *env) scheduledCallbacks(t *testing.T, customer uuid.UUID) []callbackOut {
	t.Helper()
	var page struct{ Items []callbackOut }
	e.do(t, req{method: "GET", path: "/v1/callbacks?status=scheduled&customer_id=" + customer.String(), token: e.admin}).expect(t, 200).decode(t, &page)
	return page.Items
}

func TestCallbacks_ACompletedInstallPlansMonthlyCallsPerVehicle(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		e.completedInstall(t, &f)
		installed := e.clock.Now()

		list := func(query string) []callbackOut {
			t.Helper()
			var page struct{ Items []callbackOut }
			e.do(t, req{method: "GET", path: "/v1/callbacks?customer_id=" + f.customer.String() + query, token: f.dispatcher.Token}).expect(t, 200).decode(t, &page)
			return page.Items
		}
		cbs := list("")
		if len(cbs) != 2 || cbs[0].Seq != 1 || !cbs[0].DueAt.Equal(installed.AddDate(0, 1, 0)) {
			t.Fatalf("planned %+v", cbs)
		}
		if due := list("&due_before=" + installed.Add(24*time.Hour).Format(time.RFC3339)); len(due) != 0 {
			t.Fatalf("due tomorrow: %+v", due)
		}
		e.do(t, req{method: "GET", path: "/v1/callbacks", token: f.tech.Token}).expect(t, 403)
		e.do(t, req{method: "GET", path: "/v1/callbacks", token: f.custUser.Token}).expect(t, 403)

		call := func(id uuid.UUID, body map[string]any) callbackOut {
			t.Helper()
			var c callbackOut
			e.completeCallback(t, f.dispatcher.Token, e.callback(t, f.dispatcher.Token, id), body).expect(t, 200).decode(t, &c)
			return c
		}
		// No answer: two days later, three tries at most; then the next one is planned.
		first := cbs[0]
		c := call(first.ID, map[string]any{"outcome": "no_answer"})
		if c.Status != "scheduled" || c.Attempts != 1 || !c.DueAt.Equal(e.clock.Now().Add(48*time.Hour)) {
			t.Fatalf("after one no answer: %+v", c)
		}
		e.advance(t, &f, 48*time.Hour)
		call(first.ID, map[string]any{"outcome": "no_answer"})
		e.advance(t, &f, 48*time.Hour)
		if c = call(first.ID, map[string]any{"outcome": "no_answer"}); c.Status != "unreachable" || c.Attempts != 3 {
			t.Fatalf("after three: %+v", c)
		}
		e.completeCallback(t, f.dispatcher.Token, c, map[string]any{"outcome": "reached"}).expect(t, 409)
		// Reached, with a follow-up: a repair request is opened and linked.
		second := e.callback(t, f.dispatcher.Token, cbs[1].ID)
		e.completeCallback(t, f.dispatcher.Token, second, map[string]any{"outcome": "no_answer", "satisfaction": 4}).expect(t, 422)
		c = call(second.ID, map[string]any{"outcome": "reached", "satisfaction": 2, "notes": "the tracker reboots", "follow_up": true})
		if c.Status != "done" || c.FollowUpOrderID == nil {
			t.Fatalf("reached with follow-up: %+v", c)
		}
		var repair struct {
			Type       string      `json:"type"`
			Status     string      `json:"status"`
			VehicleIDs []uuid.UUID `json:"vehicle_ids"`
		}
		e.do(t, req{method: "GET", path: "/v1/work-orders/" + c.FollowUpOrderID.String(), token: f.manager.Token}).expect(t, 200).decode(t, &repair)
		if repair.Type != "repair" || repair.Status != "requested" || repair.VehicleIDs[0] != second.VehicleID {
			t.Fatalf("follow-up order %+v", repair)
		}
		next := list("&status=scheduled")
		if len(next) != 2 || next[0].Seq != 2 || next[1].Seq != 2 {
			t.Fatalf("next planned %+v", next)
		}
	})
}

func TestCallbacks_TheDeskIsToldOfEachCallbackDueOnce(t *testing.T) {
	withJobs := func(c *app.Config) { c.DisableBackground, c.JobPollInterval = false, 50*time.Millisecond }
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		events, cancel := e.app.Jobs.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
		defer cancel()
		if err := e.app.Jobs.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		announce := func() {
			t.Helper()
			job, err := e.app.Jobs.Insert(t.Context(), jobs.CleanupArgs{Task: "announce_callbacks_due"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			waitForJob(t, events, job.ID)
		}
		// The dispatcher has a phone, the manager none: one text per callback.
		e.do(t, req{method: "PATCH", path: "/v1/users/" + f.dispatcher.ID.String(), token: e.admin, body: map[string]any{"phone": "13900000001"}}).expect(t, 200)
		rcv := newReceiver(t)
		e.do(t, req{method: "POST", path: "/v1/webhooks", token: e.admin,
			body: map[string]any{"url": rcv.srv.URL, "events": []string{"callback.due"}, "secret": "a-webhook-secret-of-length"}}).expect(t, 201)

		o := e.completedInstall(t, &f)
		told := func() (sms, hooks int) {
			t.Helper()
			var page struct {
				Items []struct {
					Topic   string `json:"topic"`
					Channel string `json:"channel"`
				} `json:"items"`
			}
			e.do(t, req{method: "GET", path: "/v1/notifications?limit=200&work_order_id=" + o.ID.String(), token: f.manager.Token}).expect(t, 200).decode(t, &page)
			for _, n := range page.Items {
				if n.Topic == "callback.due" && n.Channel == "sms" {
					sms++
				} else if n.Topic == "callback.due" {
					hooks++
				}
			}
			return sms, hooks
		}
		announce()
		if sms, hooks := told(); sms+hooks != 0 {
			t.Fatalf("told of callbacks a month early: %d SMS, %d webhooks", sms, hooks)
		}

		e.advance(t, &f, 31*24*time.Hour)
		announce()
		announce() // a second run tells nothing new
		if sms, hooks := told(); sms != 2 || hooks != 2 {
			t.Fatalf("after the due date: %d SMS and %d webhooks, want 2 and 2", sms, hooks)
		}
		rcv.waitFor(t, "two callbacks due", func(d []delivery) bool { return len(d) >= 2 })

		// An unanswered call moves the callback two days on; it is told again then.
		e.completeCallback(t, f.dispatcher.Token, e.scheduledCallbacks(t, f.customer)[0], map[string]any{"outcome": "no_answer"}).expect(t, 200)
		announce()
		if sms, _ := told(); sms != 2 {
			t.Fatalf("told of a moved callback before it fell due again: %d SMS", sms)
		}
		e.advance(t, &f, 49*time.Hour)
		announce()
		if sms, hooks := told(); sms != 3 || hooks != 3 {
			t.Fatalf("after the retry fell due: %d SMS and %d webhooks, want 3 and 3", sms, hooks)
		}
	}, withJobs)
}

// completedInstall fits a terminal and SIM to every vehicle of the fleet on
// one install order and completes it, which plans their callbacks.
func (e *env) completedInstall(t *testing.T, f *fleet) workOrder {
	t.Helper()
	o := e.onSiteOrder(t, f, fleetInstallBody(*f))
	photo := e.evidence(t, f.tech.Token, o.ID)
	for _, v := range f.vehicles {
		term, sim := e.stock(t, 12)
		e.do(t, req{method: "POST", path: "/v1/work-orders/" + o.ID.String() + "/installations", token: f.tech.Token,
			body: map[string]any{"vehicle_id": v, "terminal_id": term.ID, "sim_id": sim.ID, "photo_ids": []uuid.UUID{photo}}}).expect(t, 201)
	}
	return e.step(t, f.tech.Token, o, "complete", map[string]any{"resolution": "fitted"})
}

func TestCallbacks_ConcurrentCallsOnOneCallbackRecordOne(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		f.vehicles = f.vehicles[:1]
		e.completedInstall(t, &f)
		var page struct{ Items []callbackOut }
		e.do(t, req{method: "GET", path: "/v1/callbacks?customer_id=" + f.customer.String(), token: f.dispatcher.Token}).expect(t, 200).decode(t, &page)
		if len(page.Items) != 1 {
			t.Fatalf("planned %+v", page.Items)
		}
		statuses := raceStatuses(8, func() int {
			return e.completeCallback(t, f.dispatcher.Token, page.Items[0], map[string]any{"outcome": "reached", "satisfaction": 5}).Status
		})
		ok := 0
		for _, s := range statuses {
			switch s {
			case 200:
				ok++
			case 409, 412:
			default:
				t.Fatalf("statuses %v: want one 200 and the rest 409 or 412", statuses)
			}
		}
		e.do(t, req{method: "GET", path: "/v1/callbacks?customer_id=" + f.customer.String(), token: f.dispatcher.Token}).expect(t, 200).decode(t, &page)
		if ok != 1 || len(page.Items) != 2 || page.Items[1].Seq != 2 {
			t.Fatalf("statuses %v and callbacks %+v: want one call recorded and one next callback planned", statuses, page.Items)
		}
	})
}

// raceStatuses runs fn n times from goroutines released together and
// returns each run's status.
func raceStatuses(n int, fn func() int) []int {
	statuses := make([]int, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i] = fn()
		}()
	}
	close(start)
	wg.Wait()
	return statuses
}

// Twenty unanswered calls recorded at once from the same read spend one
// try, not all three: the callback is not given up on a month early.
func TestCallbacks_ConcurrentNoAnswersSpendOneTry(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		f.vehicles = f.vehicles[:1]
		e.completedInstall(t, &f)
		c := e.callback(t, f.dispatcher.Token, e.scheduledCallbacks(t, f.customer)[0].ID)
		statuses := raceStatuses(20, func() int {
			return e.completeCallback(t, f.dispatcher.Token, c, map[string]any{"outcome": "no_answer"}).Status
		})
		ok := 0
		for _, s := range statuses {
			switch s {
			case 200:
				ok++
			case 409, 412:
			default:
				t.Fatalf("statuses %v: want one 200 and the rest 409 or 412", statuses)
			}
		}
		after := e.callback(t, f.dispatcher.Token, c.ID)
		if ok != 1 || after.Status != "scheduled" || after.Attempts != 1 || after.Version != c.Version+1 {
			t.Fatalf("statuses %v, callback %+v: want one try recorded", statuses, after)
		}
	})
}

// Recording a call needs the callback's current ETag, and a second
// unanswered call waits for the retry to fall due.
func TestCallbacks_CompleteNeedsIfMatchAndSpacesTheRetries(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		f.vehicles = f.vehicles[:1]
		e.completedInstall(t, &f)
		c := e.callback(t, f.dispatcher.Token, e.scheduledCallbacks(t, f.customer)[0].ID)
		path := "/v1/callbacks/" + c.ID.String() + "/complete"
		noAnswer := map[string]any{"outcome": "no_answer"}
		e.do(t, req{method: "POST", path: path, token: f.dispatcher.Token, body: noAnswer}).expect(t, 428)
		stale := c
		stale.Version++
		e.completeCallback(t, f.dispatcher.Token, stale, noAnswer).expect(t, 412)
		if got := e.callback(t, f.dispatcher.Token, c.ID); got.Attempts != 0 || got.Version != c.Version {
			t.Fatalf("a refused call was recorded: %+v", got)
		}
		var tried callbackOut
		e.completeCallback(t, f.dispatcher.Token, c, noAnswer).expect(t, 200).decode(t, &tried)
		// The old ETag is stale now.
		e.completeCallback(t, f.dispatcher.Token, c, map[string]any{"outcome": "reached"}).expect(t, 412)
		// Before the retry is due another no_answer is refused, naming when it is due.
		p := e.completeCallback(t, f.dispatcher.Token, tried, noAnswer).expect(t, 409).problem(t)
		if due := tried.DueAt.UTC().Format(time.RFC3339); !strings.Contains(p.Detail, due) {
			t.Fatalf("detail %q does not name the due time %s", p.Detail, due)
		}
		e.advance(t, &f, 48*time.Hour)
		var again callbackOut
		e.completeCallback(t, f.dispatcher.Token, tried, noAnswer).expect(t, 200).decode(t, &again)
		if again.Attempts != 2 || again.Status != "scheduled" {
			t.Fatalf("after the retry fell due: %+v", again)
		}
	})
}
