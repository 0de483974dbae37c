package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/cmd/fieldwork/app"
	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/infra/store/storetest"
)

// Races: requests that arrive together, on one instance and on two
// instances over one database. Every response is still checked against
// openapi.yaml, on the test goroutine once all have answered.

// eachFootingTwice runs fn on every footing with two app instances over one
// database (on SQLite, one data directory) that share one fake clock.
func eachFootingTwice(t *testing.T, fn func(t *testing.T, a, b *env), opts ...option) {
	t.Helper()
	for _, f := range storetest.Footings(t) {
		t.Run(f.Name, func(t *testing.T) {
			a := newEnv(t, f, opts...)
			b := newEnv(t, f, append(slices.Clone(opts), func(c *app.Config) { c.Clock = a.clock })...)
			b.clock = a.clock
			fn(t, a, b)
		})
	}
}

// sendTogether sends every request at once, each from its own goroutine,
// request i to envs[i%len(envs)], and returns the answers in order. Like
// do, it fails on a 5xx or a response that does not match openapi.yaml.
func sendTogether(t *testing.T, envs []*env, rs []req) []response {
	t.Helper()
	type sent struct {
		e   *env
		hr  *http.Request
		res response
		err error
	}
	out := make([]sent, len(rs))
	for i, r := range rs {
		e := envs[i%len(envs)]
		out[i] = sent{e: e, hr: e.buildRequest(t, r)}
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range out {
		s := &out[i]
		wg.Go(func() {
			<-start
			s.res, s.err = s.e.send(s.hr)
		})
	}
	close(start)
	wg.Wait()
	resps := make([]response, len(out))
	for i, s := range out {
		if s.err != nil {
			t.Fatalf("%s %s: %v", s.hr.Method, s.hr.URL.Path, s.err)
		}
		s.e.checkSpec(t, s.hr, s.res)
		if s.res.Status >= 500 {
			t.Fatalf("%s %s: %d %s", s.hr.Method, s.hr.URL.Path, s.res.Status, s.res.Body)
		}
		resps[i] = s.res
	}
	return resps
}

// byStatus counts answers by status.
func byStatus(rs []response) map[int]int {
	m := map[int]int{}
	for _, r := range rs {
		m[r.Status]++
	}
	return m
}

// readOrder GETs an order.
func (e *env) readOrder(t *testing.T, token string, id uuid.UUID) workOrder {
	t.Helper()
	var o workOrder
	e.do(t, req{method: "GET", path: "/v1/work-orders/" + id.String(), token: token}).expect(t, 200).decode(t, &o)
	return o
}

// timelineTypes lists the order's event types without the work_order. prefix.
func (e *env) timelineTypes(t *testing.T, token string, id uuid.UUID) []string {
	t.Helper()
	var tl struct {
		Items []struct {
			Type string `json:"type"`
		} `json:"items"`
	}
	e.do(t, req{method: "GET", path: "/v1/work-orders/" + id.String() + "/events", token: token}).expect(t, 200).decode(t, &tl)
	out := make([]string, len(tl.Items))
	for i, ev := range tl.Items {
		out[i] = strings.TrimPrefix(ev.Type, "work_order.")
	}
	return out
}

func countOf(xs []string, x string) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}

// ifMatch is the header of a change to the order as it was.
func ifMatch(o workOrder) map[string]string {
	return map[string]string{"If-Match": fmt.Sprintf(`"%d"`, o.Version)}
}

// toAccepted takes a fresh order to accepted by the fleet's technician.
func (e *env) toAccepted(t *testing.T, f fleet) workOrder {
	t.Helper()
	o := e.createOrder(t, f.dispatcher.Token, repairBody(f, "high"))
	o = e.step(t, f.manager.Token, o, "approve", nil)
	o = e.step(t, f.dispatcher.Token, o, "assign", map[string]any{"technician_id": f.tech.ID})
	return e.step(t, f.tech.Token, o, "accept", nil)
}

const racers = 8

func TestIfMatch_ConcurrentChangesWithOneVersion_ExactlyOneWins(t *testing.T) {
	type raceCase struct {
		name string
		// prepare brings a new order to the state the race starts from.
		prepare func(t *testing.T, e *env, f fleet) workOrder
		// request is racer i's change, all with the same If-Match.
		request func(f fleet, techs []user, o workOrder, i int) req
		// events are the event types a winner may add; exactly one is added.
		events []string
		// after checks more, given the winning racer.
		after func(t *testing.T, e *env, f fleet, techs []user, o workOrder, winner int)
	}
	transition := func(token func(f fleet) string, action string, body any) func(fleet, []user, workOrder, int) req {
		return func(f fleet, _ []user, o workOrder, _ int) req {
			return req{method: "POST", path: "/v1/work-orders/" + o.ID.String() + "/" + action, token: token(f), body: body, header: ifMatch(o)}
		}
	}
	manager := func(f fleet) string { return f.manager.Token }
	dispatcher := func(f fleet) string { return f.dispatcher.Token }
	tech := func(f fleet) string { return f.tech.Token }
	requested := func(t *testing.T, e *env, f fleet) workOrder {
		return e.createOrder(t, f.custUser.Token, repairBody(f, "normal"))
	}
	approved := func(t *testing.T, e *env, f fleet) workOrder {
		return e.step(t, f.manager.Token, requested(t, e, f), "approve", nil)
	}
	cases := []raceCase{
		{name: "Approve", prepare: requested, request: transition(manager, "approve", nil), events: []string{"approve"}},
		{name: "Hold", prepare: func(t *testing.T, e *env, f fleet) workOrder { return e.toAccepted(t, f) },
			request: transition(tech, "hold", map[string]any{"reason": "waiting for parts"}), events: []string{"hold"}},
		{name: "Cancel", prepare: approved,
			request: transition(dispatcher, "cancel", map[string]any{"reason": "customer withdrew"}), events: []string{"cancel"}},
		{name: "Edit", prepare: requested,
			request: func(f fleet, _ []user, o workOrder, i int) req {
				return req{method: "PATCH", path: "/v1/work-orders/" + o.ID.String(), token: f.manager.Token,
					body: map[string]any{"description": fmt.Sprintf("edit by racer %d", i)}, header: ifMatch(o)}
			},
			events: []string{"edited"}},
		{name: "AssignEachToAnotherTechnician", prepare: approved,
			request: func(f fleet, techs []user, o workOrder, i int) req {
				return req{method: "POST", path: "/v1/work-orders/" + o.ID.String() + "/assign", token: f.dispatcher.Token,
					body: map[string]any{"technician_id": techs[i].ID}, header: ifMatch(o)}
			},
			events: []string{"assign"},
			after: func(t *testing.T, e *env, f fleet, techs []user, o workOrder, winner int) {
				if o.TechnicianID == nil || *o.TechnicianID != techs[winner].ID {
					t.Fatalf("technician %v, want the winner's %s", o.TechnicianID, techs[winner].ID)
				}
				// A loser's assignment rolled back: its technician never had the order.
				for i, u := range techs {
					if i != winner {
						e.do(t, req{method: "GET", path: "/v1/work-orders/" + o.ID.String(), token: u.Token}).expect(t, 404)
					}
				}
			}},
		{name: "ApproveAgainstCancel", prepare: requested,
			request: func(f fleet, techs []user, o workOrder, i int) req {
				if i%2 == 0 {
					return transition(manager, "approve", nil)(f, techs, o, i)
				}
				return transition(dispatcher, "cancel", map[string]any{"reason": "duplicate request"})(f, techs, o, i)
			},
			events: []string{"approve", "cancel"}},
	}
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		techs := make([]user, racers)
		for i := range techs {
			techs[i] = e.createUser(t, domain.RoleTechnician, uuid.Nil)
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				o := c.prepare(t, e, f)
				before := e.timelineTypes(t, f.manager.Token, o.ID)
				rs := make([]req, racers)
				for i := range rs {
					rs[i] = c.request(f, techs, o, i)
				}
				answers := sendTogether(t, []*env{e}, rs)
				winner := -1
				for i, r := range answers {
					switch r.Status {
					case http.StatusOK:
						if winner >= 0 {
							t.Fatalf("racers %d and %d both won: %v", winner, i, byStatus(answers))
						}
						winner = i
					case http.StatusPreconditionFailed, http.StatusConflict:
						_ = r.expect(t, r.Status)
					default:
						t.Fatalf("racer %d: %d %s", i, r.Status, r.Body)
					}
				}
				if winner < 0 {
					t.Fatalf("nobody won: %v", byStatus(answers))
				}
				var won workOrder
				answers[winner].decode(t, &won)
				if won.Version != o.Version+1 || answers[winner].Header.Get("ETag") != fmt.Sprintf(`"%d"`, o.Version+1) {
					t.Fatalf("winner: version %d, ETag %s; want %d", won.Version, answers[winner].Header.Get("ETag"), o.Version+1)
				}
				now := e.readOrder(t, f.manager.Token, o.ID)
				if now.Version != o.Version+1 || now.Status != won.Status {
					t.Fatalf("stored: version %d status %s; winner said %d %s", now.Version, now.Status, won.Version, won.Status)
				}
				after := e.timelineTypes(t, f.manager.Token, o.ID)
				if len(after) != len(before)+1 {
					t.Fatalf("timeline grew from %v to %v, want one event", before, after)
				}
				added := 0
				for _, typ := range c.events {
					added += countOf(after, typ) - countOf(before, typ)
				}
				if added != 1 || !slices.Contains(c.events, after[len(after)-1]) {
					t.Fatalf("timeline %v: want exactly one of %v added", after, c.events)
				}
				if c.after != nil {
					c.after(t, e, f, techs, now, winner)
				}
			})
		}
	})
}

func TestIfMatch_ConcurrentApprovesOnTwoInstances_ExactlyOneWins(t *testing.T) {
	eachFootingTwice(t, func(t *testing.T, a, b *env) {
		f := a.newFleet(t)
		for round := range 3 {
			o := a.createOrder(t, f.custUser.Token, repairBody(f, "urgent"))
			rs := make([]req, racers)
			for i := range rs {
				rs[i] = req{method: "POST", path: "/v1/work-orders/" + o.ID.String() + "/approve", token: f.manager.Token, header: ifMatch(o)}
			}
			got := byStatus(sendTogether(t, []*env{a, b}, rs))
			if got[200] != 1 || got[200]+got[412]+got[409] != racers {
				t.Fatalf("round %d: answers %v, want one 200 and the rest 412 or 409", round, got)
			}
			if v := b.readOrder(t, f.manager.Token, o.ID).Version; v != o.Version+1 {
				t.Fatalf("round %d: version %d, want %d", round, v, o.Version+1)
			}
			if types := a.timelineTypes(t, f.manager.Token, o.ID); countOf(types, "approve") != 1 || len(types) != 2 {
				t.Fatalf("round %d: timeline %v", round, types)
			}
		}
	})
}

// createConcurrently creates n orders at once, spread over the envs and the
// fleets' users, and returns them.
func createConcurrently(t *testing.T, envs []*env, fleets []fleet, n int) []workOrder {
	t.Helper()
	rs := make([]req, n)
	for i := range rs {
		f := fleets[i%len(fleets)]
		token := []string{f.custUser.Token, f.dispatcher.Token, f.manager.Token, envs[0].admin}[i/len(fleets)%4]
		rs[i] = req{method: "POST", path: "/v1/work-orders", token: token, body: repairBody(f, "normal")}
	}
	out := make([]workOrder, n)
	for i, r := range sendTogether(t, envs, rs) {
		r.expect(t, 201).decode(t, &out[i])
	}
	return out
}

// checkNumbers fails unless every number is WO-<year>-NNNNNN, unique, and
// increasing in the order the creations committed (their change sequence).
func checkNumbers(t *testing.T, e *env, orders []workOrder) {
	t.Helper()
	format := regexp.MustCompile(fmt.Sprintf(`^WO-%d-\d{6}$`, e.clock.Now().Year()))
	seen := map[string]bool{}
	type committed struct {
		number string
		seq    int64
	}
	var cs []committed
	for _, o := range orders {
		if !format.MatchString(o.Number) {
			t.Fatalf("number %q", o.Number)
		}
		if seen[o.Number] {
			t.Fatalf("number %s handed out twice", o.Number)
		}
		seen[o.Number] = true
		stored, err := e.app.DB.WorkOrders().ByID(context.Background(), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Number != o.Number {
			t.Fatalf("stored number %s, answered %s", stored.Number, o.Number)
		}
		cs = append(cs, committed{o.Number, stored.ChangeSeq})
	}
	slices.SortFunc(cs, func(a, b committed) int { return int(a.seq - b.seq) })
	for i := 1; i < len(cs); i++ {
		if cs[i].seq == cs[i-1].seq || cs[i].number <= cs[i-1].number {
			t.Fatalf("in commit order %s (seq %d) follows %s (seq %d)", cs[i].number, cs[i].seq, cs[i-1].number, cs[i-1].seq)
		}
	}
}

func TestCreateWorkOrder_ConcurrentCreatesGetUniqueNumbersInCommitOrder(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		fleets := []fleet{e.newFleet(t), e.newFleet(t)}
		orders := createConcurrently(t, []*env{e}, fleets, 20)
		checkNumbers(t, e, orders)
		// A fresh database where no create failed: nothing was skipped either.
		prefix := fmt.Sprintf("WO-%d-", e.clock.Now().Year())
		if first, last := minNumber(orders), maxNumber(orders); first != prefix+"000001" || last != prefix+"000020" {
			t.Fatalf("numbers run from %s to %s, want 000001 to 000020", first, last)
		}
	})
}

func TestCreateWorkOrder_TwoInstancesGetUniqueNumbers(t *testing.T) {
	eachFootingTwice(t, func(t *testing.T, a, b *env) {
		fleets := []fleet{a.newFleet(t), a.newFleet(t)}
		orders := createConcurrently(t, []*env{a, b}, fleets, 20)
		orders = append(orders, createConcurrently(t, []*env{b, a}, fleets, 20)...)
		checkNumbers(t, a, orders)
		// Both instances see every order under its number.
		for _, o := range orders {
			if got := b.readOrder(t, fleets[0].manager.Token, o.ID).Number; got != o.Number {
				t.Fatalf("instance b reads %s as %s", o.Number, got)
			}
		}
	})
}

func minNumber(orders []workOrder) string {
	return slices.MinFunc(orders, func(a, b workOrder) int { return strings.Compare(a.Number, b.Number) }).Number
}

func maxNumber(orders []workOrder) string {
	return slices.MaxFunc(orders, func(a, b workOrder) int { return strings.Compare(a.Number, b.Number) }).Number
}

// jsonEqual reports whether two JSON documents hold the same values.
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("decode %s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	return bytes.Equal(xs, ys)
}
