package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/fieldwork/fieldwork/cmd/fieldwork/app"
	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/idempotency"
	"github.com/fieldwork/fieldwork/infra/jobs"
)

// Idempotency-Key (draft-ietf-httpapi-idempotency-key-header) on POST: a
// retry replays, never redoes; the key is claimed in the database, so this
// holds across instances too.

const headerReplayed = "Idempotent-Replayed"

// createWithKey is a create request with an Idempotency-Key and a fixed body.
func createWithKey(token, key string, body []byte) req {
	return req{method: "POST", path: "/v1/work-orders", token: token, body: body, header: map[string]string{"Idempotency-Key": key}}
}

// ordersOf lists the customer's orders as the fleet's manager.
func (e *env) ordersOf(t *testing.T, f fleet) []workOrder {
	t.Helper()
	return listAll(t, e, f.manager.Token, withQuery("/v1/work-orders", "customer_id", f.customer.String()), 200,
		func(o workOrder) uuid.UUID { return o.ID })
}

// checkReplay fails unless r repeats first, marked as a replay.
func checkReplay(t *testing.T, first, r response) {
	t.Helper()
	if r.Status != first.Status || string(r.Body) != string(first.Body) {
		t.Fatalf("replay %d %s, first %d %s", r.Status, r.Body, first.Status, first.Body)
	}
	for _, h := range []string{"ETag", "Location", "Content-Type"} {
		if r.Header.Get(h) != first.Header.Get(h) {
			t.Fatalf("replayed %s %q, first %q", h, r.Header.Get(h), first.Header.Get(h))
		}
	}
	if r.Header.Get(headerReplayed) != "true" {
		t.Fatalf("replay without %s: true; headers %v", headerReplayed, r.Header)
	}
}

// requestHash is what api/idempotency.go stores to tell requests apart; the
// tests that plant a key held by another (simulated) instance need it.
func requestHash(method, path string, body []byte) string {
	sum := sha256.Sum256(append([]byte(method+" "+path+"\n"), body...))
	return hex.EncodeToString(sum[:])
}

func TestIdempotency_RetryReplaysTheFirstResponseWithoutRedoingIt(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		body := mustJSON(t, repairBody(f, "normal"))
		first := e.do(t, createWithKey(f.custUser.Token, "create-1", body)).expect(t, 201)
		if first.Header.Get(headerReplayed) != "" {
			t.Fatalf("a first answer marked as replayed: %v", first.Header)
		}
		for range 2 {
			checkReplay(t, first, e.do(t, createWithKey(f.custUser.Token, "create-1", body)))
		}
		orders := e.ordersOf(t, f)
		if len(orders) != 1 {
			t.Fatalf("%d orders after retries, want 1", len(orders))
		}
		if types := e.timelineTypes(t, f.manager.Token, orders[0].ID); len(types) != 1 || types[0] != "created" {
			t.Fatalf("timeline %v", types)
		}

		// A transition retried with its stale If-Match replays rather than 412.
		o := orders[0]
		approve := req{method: "POST", path: "/v1/work-orders/" + o.ID.String() + "/approve", token: f.manager.Token,
			header: map[string]string{"If-Match": `"1"`, "Idempotency-Key": "approve-1"}}
		firstApprove := e.do(t, approve).expect(t, 200)
		checkReplay(t, firstApprove, e.do(t, approve))
		if got := e.readOrder(t, f.manager.Token, o.ID); got.Version != 2 || got.Status != "approved" {
			t.Fatalf("after a replayed approve: version %d status %s", got.Version, got.Status)
		}
		if types := e.timelineTypes(t, f.manager.Token, o.ID); countOf(types, "approve") != 1 {
			t.Fatalf("timeline %v", types)
		}
		// Without the key the same retry runs again, and the state refuses it
		// (state comes before the precondition, RFC 9110 §13.2.1).
		e.do(t, req{method: "POST", path: "/v1/work-orders/" + o.ID.String() + "/approve", token: f.manager.Token,
			header: map[string]string{"If-Match": `"1"`}}).expect(t, 409)

		// A 204 replays as a 204.
		loc := req{method: "POST", path: "/v1/technicians/me/location", token: f.tech.Token,
			body:   map[string]any{"lat": 22.5, "lng": 114.0, "recorded_at": e.clock.Now().Format(time.RFC3339Nano)},
			header: map[string]string{"Idempotency-Key": "loc-1"}}
		firstLoc := e.do(t, loc).expect(t, 204)
		checkReplay(t, firstLoc, e.do(t, loc))
	})
}

func TestIdempotency_422_WhenTheKeyComesBackWithAnotherRequest(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		body := mustJSON(t, repairBody(f, "normal"))
		first := e.do(t, createWithKey(f.dispatcher.Token, "k", body)).expect(t, 201)
		var o workOrder
		first.decode(t, &o)

		other := repairBody(f, "normal")
		other["description"] = "another fault"
		cases := []struct {
			name string
			r    req
		}{
			{"AnotherBody", createWithKey(f.dispatcher.Token, "k", mustJSON(t, other))},
			{"AnotherPath", req{method: "POST", path: "/v1/work-orders/" + o.ID.String() + "/approve", token: f.dispatcher.Token,
				header: map[string]string{"If-Match": `"1"`, "Idempotency-Key": "k"}}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e.do(t, c.r).expect(t, 422).problem(t).expectField(t, "Idempotency-Key")
			})
		}
		if n := len(e.ordersOf(t, f)); n != 1 {
			t.Fatalf("%d orders, want 1", n)
		}
		if got := e.readOrder(t, f.manager.Token, o.ID); got.Version != 1 {
			t.Fatalf("order changed to version %d", got.Version)
		}
		// The key still replays its own request.
		checkReplay(t, first, e.do(t, createWithKey(f.dispatcher.Token, "k", body)))
	})
}

func TestIdempotency_KeysArePerUser(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		body := mustJSON(t, repairBody(f, "normal"))
		var ids []uuid.UUID
		for _, token := range []string{f.dispatcher.Token, f.manager.Token, f.custUser.Token} {
			r := e.do(t, createWithKey(token, "shared-key", body)).expect(t, 201)
			if r.Header.Get(headerReplayed) != "" {
				t.Fatalf("another user's key replayed: %s", r.Body)
			}
			var o workOrder
			r.decode(t, &o)
			ids = append(ids, o.ID)
		}
		sameIDs(t, "orders", mapSlice(e.ordersOf(t, f), func(o workOrder) uuid.UUID { return o.ID }), ids)
	})
}

// checkOneCreate fails unless the answers to concurrent retries of one
// create did it once: 201s with one body (409 for those that gave up
// waiting), and one order.
func checkOneCreate(t *testing.T, e *env, f fleet, answers []response) {
	t.Helper()
	var first *response
	fresh := 0
	for i, r := range answers {
		switch r.Status {
		case http.StatusCreated:
			if first == nil {
				first = &answers[i]
			} else if string(r.Body) != string(first.Body) || r.Header.Get("ETag") != first.Header.Get("ETag") ||
				r.Header.Get("Location") != first.Header.Get("Location") {
				t.Fatalf("two different 201s: %s and %s", first.Body, r.Body)
			}
			if r.Header.Get(headerReplayed) == "" {
				fresh++
			}
		case http.StatusConflict:
			_ = r.expect(t, http.StatusConflict)
		default:
			t.Fatalf("answer %d %s", r.Status, r.Body)
		}
	}
	if first == nil || fresh != 1 {
		t.Fatalf("answers %v with %d not replayed; want the work done once", byStatus(answers), fresh)
	}
	orders := e.ordersOf(t, f)
	if len(orders) != 1 {
		t.Fatalf("%d orders, want 1", len(orders))
	}
	if types := e.timelineTypes(t, f.manager.Token, orders[0].ID); len(types) != 1 {
		t.Fatalf("timeline %v", types)
	}
}

func TestIdempotency_ConcurrentRetriesWithOneKeyCreateOneOrder(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		body := mustJSON(t, repairBody(f, "urgent"))
		rs := make([]req, 10)
		for i := range rs {
			rs[i] = createWithKey(f.custUser.Token, "flaky-network", body)
		}
		checkOneCreate(t, e, f, sendTogether(t, []*env{e}, rs))
	})
}

func TestIdempotency_ConcurrentRetriesOnTwoInstancesCreateOneOrder(t *testing.T) {
	eachFootingTwice(t, func(t *testing.T, a, b *env) {
		for _, key := range []string{"two-instances-1", "two-instances-2", "two-instances-3"} {
			f := a.newFleet(t)
			body := mustJSON(t, repairBody(f, "urgent"))
			rs := make([]req, 10)
			for i := range rs {
				rs[i] = createWithKey(f.custUser.Token, key, body)
			}
			checkOneCreate(t, b, f, sendTogether(t, []*env{a, b}, rs))
		}
	})
}

func TestIdempotency_AFailedRequestReleasesItsKey(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		other := e.newFleet(t)
		bad := repairBody(f, "normal")
		bad["vehicle_id"] = other.vehicles[0] // another customer's vehicle: 422
		badBody := mustJSON(t, bad)

		failed := e.do(t, createWithKey(f.custUser.Token, "retry-me", badBody)).expect(t, 422)
		// An error is not recorded: the same request runs again (and fails again).
		again := e.do(t, createWithKey(f.custUser.Token, "retry-me", badBody)).expect(t, 422)
		if again.Header.Get(headerReplayed) != "" || failed.Header.Get(headerReplayed) != "" {
			t.Fatal("an error answer was replayed")
		}
		if n := len(e.ordersOf(t, f)); n != 0 {
			t.Fatalf("%d orders after failures", n)
		}
		// The corrected request may use the same key, and then owns it.
		good := mustJSON(t, repairBody(f, "normal"))
		created := e.do(t, createWithKey(f.custUser.Token, "retry-me", good)).expect(t, 201)
		if created.Header.Get(headerReplayed) != "" {
			t.Fatal("the corrected request was answered by a replay")
		}
		checkReplay(t, created, e.do(t, createWithKey(f.custUser.Token, "retry-me", good)))
		e.do(t, createWithKey(f.custUser.Token, "retry-me", badBody)).expect(t, 422).problem(t).expectField(t, "Idempotency-Key")
		if n := len(e.ordersOf(t, f)); n != 1 {
			t.Fatalf("%d orders, want 1", n)
		}
	})
}

// plantKey claims a key as if another instance had just started the request.
func (e *env) plantKey(t *testing.T, userID uuid.UUID, key, path string, body []byte, startedAt time.Time) idempotency.Record {
	t.Helper()
	rec := idempotency.Record{UserID: userID, Key: key, Method: "POST", Path: path, RequestHash: requestHash("POST", path, body),
		CreatedAt: startedAt, ExpiresAt: startedAt.Add(24 * time.Hour)}
	if _, claimed, err := e.app.DB.Idempotency().Claim(context.Background(), rec); err != nil || !claimed {
		t.Fatalf("plant key: claimed %v, %v", claimed, err)
	}
	return rec
}

// sendLater sends r from a goroutine; the function it returns waits for
// the answer and checks it like do.
func (e *env) sendLater(t *testing.T, r req) func() response {
	t.Helper()
	hr := e.buildRequest(t, r)
	type answer struct {
		res response
		err error
	}
	done := make(chan answer, 1)
	go func() {
		res, err := e.send(hr)
		done <- answer{res, err}
	}()
	return func() response {
		t.Helper()
		a := <-done
		if a.err != nil {
			t.Fatalf("%s %s: %v", hr.Method, hr.URL.Path, a.err)
		}
		e.checkSpec(t, hr, a.res)
		if a.res.Status >= 500 {
			t.Fatalf("%s %s: %d %s", hr.Method, hr.URL.Path, a.res.Status, a.res.Body)
		}
		return a.res
	}
}

func TestIdempotency_RetryWhileTheFirstRuns(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		// A real answer to replay from the planted key.
		model := e.do(t, createWithKey(f.dispatcher.Token, "model", mustJSON(t, repairBody(f, "low")))).expect(t, 201)

		t.Run("WaitsAndReplaysWhenTheFirstFinishes", func(t *testing.T) {
			body := mustJSON(t, repairBody(f, "normal"))
			rec := e.plantKey(t, f.dispatcher.ID, "in-flight", "/v1/work-orders", body, e.clock.Now())
			answer := e.sendLater(t, createWithKey(f.dispatcher.Token, "in-flight", body))
			time.Sleep(200 * time.Millisecond) // let the retry start waiting
			rec.State, rec.Status, rec.Body = idempotency.Done, model.Status, model.Body
			rec.Header = map[string]string{"Content-Type": model.Header.Get("Content-Type"), "ETag": model.Header.Get("ETag"),
				"Location": model.Header.Get("Location")}
			if err := e.app.DB.Idempotency().Complete(context.Background(), rec); err != nil {
				t.Fatal(err)
			}
			checkReplay(t, model, answer())
		})

		t.Run("409WhenTheFirstFails", func(t *testing.T) {
			body := mustJSON(t, repairBody(f, "normal"))
			e.plantKey(t, f.dispatcher.ID, "doomed", "/v1/work-orders", body, e.clock.Now())
			answer := e.sendLater(t, createWithKey(f.dispatcher.Token, "doomed", body))
			time.Sleep(200 * time.Millisecond) // let the retry start waiting
			if err := e.app.DB.Idempotency().Release(context.Background(), f.dispatcher.ID, "doomed"); err != nil {
				t.Fatal(err)
			}
			answer().expect(t, 409)
			// The key is free again: the next retry does the work.
			e.do(t, createWithKey(f.dispatcher.Token, "doomed", body)).expect(t, 201)
		})

		t.Run("TakesOverFromAFirstThatDied", func(t *testing.T) {
			body := mustJSON(t, repairBody(f, "high"))
			e.plantKey(t, f.dispatcher.ID, "orphan", "/v1/work-orders", body, e.clock.Now().Add(-2*time.Minute))
			r := e.do(t, createWithKey(f.dispatcher.Token, "orphan", body)).expect(t, 201)
			if r.Header.Get(headerReplayed) != "" {
				t.Fatal("took over but answered with a replay")
			}
			checkReplay(t, r, e.do(t, createWithKey(f.dispatcher.Token, "orphan", body)))
		})

		t.Run("409AfterWaitingTooLong", func(t *testing.T) {
			if testing.Short() {
				t.Skip("waits 10 s for the first request")
			}
			body := mustJSON(t, repairBody(f, "urgent"))
			e.plantKey(t, f.dispatcher.ID, "stuck", "/v1/work-orders", body, e.clock.Now())
			e.do(t, createWithKey(f.dispatcher.Token, "stuck", body)).expect(t, 409)
		})

		// model, in-flight (replayed, not run), doomed and orphan: three orders.
		if n := len(e.ordersOf(t, f)); n != 3 {
			t.Fatalf("%d orders, want 3", n)
		}
	})
}

func TestIdempotency_TheClaimCommitsWithTheWork(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		if e.footing != "postgres" {
			t.Skip("SQLite runs one writer at a time: a request can't be seen halfway")
		}
		ctx := context.Background()
		f := e.newFleet(t)
		e.do(t, req{method: "POST", path: "/v1/work-orders", token: f.dispatcher.Token, body: mustJSON(t, repairBody(f, "low"))}).expect(t, 201)
		// Hold the sync counter, which every create takes, so that the next
		// create stops halfway through its transaction.
		db := e.app.DB.SQL()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, "SELECT value FROM counters WHERE name = 'work_order_change_seq' FOR UPDATE"); err != nil {
			t.Fatal(err)
		}
		answer := e.sendLater(t, createWithKey(f.dispatcher.Token, "halfway", mustJSON(t, repairBody(f, "normal"))))
		deadline := time.Now().Add(10 * time.Second)
		for waiting := 0; waiting == 0; {
			if time.Now().After(deadline) {
				t.Fatal("the create never waited on the counter")
			}
			if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
				WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
				t.Fatal(err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		keys := func() int {
			var n int
			if err := db.QueryRowContext(ctx, "SELECT count(*) FROM idempotency_keys WHERE key = 'halfway'").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		// Halfway, nothing of the request is committed, its claim included:
		// the claim costs no commit of its own, and a crash leaves no key.
		if n := keys(); n != 0 {
			t.Fatalf("%d committed claims halfway through the request, want 0", n)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		answer().expect(t, 201)
		if n := keys(); n != 1 {
			t.Fatalf("%d recorded keys after the request, want 1", n)
		}
	})
}

// waitForJob waits for the job to complete, failing on its failure or after 20 s.
func waitForJob(t *testing.T, events <-chan *river.Event, id int64) {
	t.Helper()
	timeout := time.NewTimer(20 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("event subscription closed")
			}
			if ev.Job == nil || ev.Job.ID != id {
				continue
			}
			if ev.Kind == river.EventKindJobCompleted && ev.Job.State == rivertype.JobStateCompleted {
				return
			}
			t.Fatalf("job %d: %s, state %s", id, ev.Kind, ev.Job.State)
		case <-timeout.C:
			t.Fatalf("job %d did not complete within 20s", id)
		}
	}
}

func TestIdempotency_KeysLiveADayThenTheCleanupJobPrunesThem(t *testing.T) {
	withJobs := func(c *app.Config) { c.DisableBackground, c.JobPollInterval = false, 50*time.Millisecond }
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		body := mustJSON(t, repairBody(f, "normal"))
		first := e.do(t, createWithKey(f.custUser.Token, "daily", body)).expect(t, 201)

		events, cancel := e.app.Jobs.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
		defer cancel()
		if err := e.app.Jobs.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		prune := func() {
			t.Helper()
			job, err := e.app.Jobs.Insert(t.Context(), jobs.CleanupArgs{Task: "idempotency_keys"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			waitForJob(t, events, job.ID)
		}

		e.advance(t, &f, 23*time.Hour)
		prune()
		if _, err := e.app.DB.Idempotency().Get(t.Context(), f.custUser.ID, "daily"); err != nil {
			t.Fatalf("key gone before 24 h: %v", err)
		}
		checkReplay(t, first, e.do(t, createWithKey(f.custUser.Token, "daily", body)))

		e.advance(t, &f, 2*time.Hour)
		prune()
		if _, err := e.app.DB.Idempotency().Get(t.Context(), f.custUser.ID, "daily"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("key after 25 h and the cleanup job: %v, want not found", err)
		}
		again := e.do(t, createWithKey(f.custUser.Token, "daily", body)).expect(t, 201)
		if again.Header.Get(headerReplayed) != "" || string(again.Body) == string(first.Body) {
			t.Fatalf("a pruned key replayed: %s", again.Body)
		}
		if n := len(e.ordersOf(t, f)); n != 2 {
			t.Fatalf("%d orders, want 2", n)
		}
	}, withJobs)
}
