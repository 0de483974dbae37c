package api_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/cmd/fieldwork/app"
	"github.com/fieldwork/fieldwork/domain"
)

// GET /v1/work-orders: filters, both sorts with keyset paging, and the SLA
// filters, which the database answers and which must agree with the SLA
// each order shows.

// listedOrder is the part of a listed order the list tests read.
type listedOrder struct {
	ID           uuid.UUID  `json:"id"`
	Number       string     `json:"number"`
	Type         string     `json:"type"`
	Status       string     `json:"status"`
	Priority     string     `json:"priority"`
	CustomerID   uuid.UUID  `json:"customer_id"`
	TechnicianID *uuid.UUID `json:"technician_id"`
	CreatedAt    time.Time  `json:"created_at"`
	ArrivedAt    *time.Time `json:"arrived_at"`
	SLA          struct {
		RespondBy          time.Time `json:"respond_by"`
		ResolveBy          time.Time `json:"resolve_by"`
		ResponseBreached   bool      `json:"response_breached"`
		ResolutionBreached bool      `json:"resolution_breached"`
		PausedMinutes      int       `json:"paused_minutes"`
	} `json:"sla"`
}

func listedID(o listedOrder) uuid.UUID { return o.ID }

// listOrders walks every page of the list as the token's user.
func (e *env) listOrders(t *testing.T, token string, limit int, query ...string) []listedOrder {
	t.Helper()
	return listAll(t, e, token, withQuery("/v1/work-orders", query...), limit, listedID)
}

func isOpenStatus(s string) bool { return s != "completed" && s != "closed" && s != "cancelled" }

func TestListWorkOrders_Filters(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		g := e.newFleet(t)
		other := e.createUser(t, domain.RoleTechnician, uuid.Nil)
		install := func(fl fleet, priority string) map[string]any {
			return map[string]any{"type": "install", "customer_id": fl.customer, "vehicle_ids": fl.vehicles,
				"site": map[string]any{"address": "Nanshan, Shenzhen"}, "description": "fit trackers", "priority": priority}
		}
		start := e.clock.Now()
		var all []workOrder
		add := func(o workOrder) workOrder {
			all = append(all, o)
			e.advance(t, &f, time.Minute)
			return o
		}
		fRequested := add(e.createOrder(t, f.custUser.Token, repairBody(f, "low")))
		fApproved := add(e.step(t, f.manager.Token, e.createOrder(t, f.dispatcher.Token, install(f, "high")), "approve", nil))
		fAssigned := add(e.assignedTo(t, f, f.tech))
		gAssignedOther := add(e.assignedTo(t, g, other))
		gUrgent := add(e.createOrder(t, e.admin, install(g, "urgent")))
		cancelled := add(e.step(t, f.dispatcher.Token, e.createOrder(t, f.dispatcher.Token, repairBody(f, "urgent")), "cancel",
			map[string]any{"reason": "duplicate"}))
		mid := e.clock.Now()
		held := add(e.step(t, f.tech.Token, e.assignedTo(t, f, f.tech), "hold", map[string]any{"reason": "no parts"}))
		reassigned := e.assignedTo(t, g, f.tech)
		reassigned = add(e.step(t, g.dispatcher.Token, reassigned, "assign", map[string]any{"technician_id": other.ID}))
		end := e.clock.Now()

		by := func(os ...workOrder) []uuid.UUID { return mapSlice(os, func(o workOrder) uuid.UUID { return o.ID }) }
		ts := func(t time.Time) string { return t.Format(time.RFC3339Nano) }
		cases := []struct {
			name  string
			query []string
			want  []uuid.UUID
		}{
			{"None", nil, by(all...)},
			{"OneStatus", []string{"status", "assigned"}, by(fAssigned, gAssignedOther, reassigned)},
			{"SeveralStatuses", []string{"status", "approved,on_hold,cancelled"}, by(fApproved, held, cancelled)},
			{"StatusNobodyIsIn", []string{"status", "closed"}, nil},
			{"Install", []string{"type", "install"}, by(fApproved, gUrgent)},
			{"Repair", []string{"type", "repair"}, by(fRequested, fAssigned, gAssignedOther, cancelled, held, reassigned)},
			{"Customer", []string{"customer_id", g.customer.String()}, by(gAssignedOther, gUrgent, reassigned)},
			{"UnknownCustomer", []string{"customer_id", uuid.NewString()}, nil},
			{"TechnicianNow", []string{"technician_id", f.tech.ID.String()}, by(fAssigned, held)},
			{"OtherTechnician", []string{"technician_id", other.ID.String()}, by(gAssignedOther, reassigned)},
			{"Priority", []string{"priority", "urgent"}, by(gUrgent, cancelled)},
			{"CreatedFromIsInclusive", []string{"created_from", ts(mid)}, by(held, reassigned)},
			{"CreatedToIsExclusive", []string{"created_to", ts(mid)}, by(fRequested, fApproved, fAssigned, gAssignedOther, gUrgent, cancelled)},
			{"CreatedWindow", []string{"created_from", ts(start.Add(time.Minute)), "created_to", ts(start.Add(3 * time.Minute))}, by(fApproved, fAssigned)},
			{"CreatedAfterEverything", []string{"created_from", ts(end)}, nil},
			{"CreatedWindowInAnotherZone", []string{"created_from", start.Add(time.Minute).In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339Nano),
				"created_to", start.Add(3 * time.Minute).In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339Nano)}, by(fApproved, fAssigned)},
			{"Combined", []string{"status", "assigned,on_hold", "customer_id", f.customer.String(), "technician_id", f.tech.ID.String(), "type", "repair"},
				by(fAssigned, held)},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				for _, limit := range []int{2, 200} {
					got := e.listOrders(t, f.manager.Token, limit, c.query...)
					sameIDs(t, strings.Join(c.query, " "), mapSlice(got, listedID), c.want)
				}
			})
		}
		t.Run("ATechnicianSeesItsOwnNowOrBefore", func(t *testing.T) {
			got := e.listOrders(t, f.tech.Token, 200)
			sameIDs(t, "technician's list", mapSlice(got, listedID), by(fAssigned, held, reassigned))
			got = e.listOrders(t, f.tech.Token, 200, "technician_id", other.ID.String())
			sameIDs(t, "technician's list of another's", mapSlice(got, listedID), by(reassigned))
		})
		t.Run("ACustomerSeesItsOwn", func(t *testing.T) {
			got := e.listOrders(t, g.custUser.Token, 200)
			sameIDs(t, "customer's list", mapSlice(got, listedID), by(gAssignedOther, gUrgent, reassigned))
			if got := e.listOrders(t, g.custUser.Token, 200, "customer_id", f.customer.String()); len(got) != 0 {
				t.Fatalf("another customer's orders: %d", len(got))
			}
		})
	})
}

func TestListWorkOrders_SortAndPaging(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		// Creation order and deadline order differ: priorities vary and the
		// clock moves between creates; some share a deadline exactly.
		priorities := []string{"low", "urgent", "normal", "normal", "urgent", "low", "low", "urgent", "high", "high", "urgent"}
		var created []workOrder
		for i, p := range priorities {
			created = append(created, e.createOrder(t, f.dispatcher.Token, repairBody(f, p)))
			if i%3 != 2 { // orders 2 and 3, 5 and 6, 8 and 9: same instant, same priority
				e.advance(t, &f, 10*time.Minute)
			}
		}

		t.Run("DefaultNewestFirst", func(t *testing.T) {
			for _, limit := range []int{1, 3, 4, 50} {
				got := e.listOrders(t, f.manager.Token, limit)
				want := slices.Clone(created)
				slices.Reverse(want)
				if !slices.Equal(mapSlice(got, listedID), mapSlice(want, func(o workOrder) uuid.UUID { return o.ID })) {
					t.Fatalf("limit %d: not newest first", limit)
				}
				for i := 1; i < len(got); i++ {
					if got[i].CreatedAt.After(got[i-1].CreatedAt) {
						t.Fatalf("limit %d: %s created after its predecessor", limit, got[i].Number)
					}
				}
				if explicit := e.listOrders(t, f.manager.Token, limit, "sort", "created"); !slices.Equal(mapSlice(explicit, listedID), mapSlice(got, listedID)) {
					t.Fatal("sort=created differs from the default")
				}
			}
		})
		t.Run("RespondBySoonestFirst", func(t *testing.T) {
			all := e.listOrders(t, f.manager.Token, 200, "sort", "respond_by")
			want := slices.Clone(all)
			sort.SliceStable(want, func(i, j int) bool {
				a, b := want[i], want[j]
				if !a.SLA.RespondBy.Equal(b.SLA.RespondBy) {
					return a.SLA.RespondBy.Before(b.SLA.RespondBy)
				}
				return bytes.Compare(a.ID[:], b.ID[:]) < 0
			})
			if !slices.Equal(mapSlice(all, listedID), mapSlice(want, listedID)) {
				t.Fatal("sort=respond_by is not by (respond_by, id)")
			}
			ties := 0
			for i := 1; i < len(all); i++ {
				if all[i].SLA.RespondBy.Equal(all[i-1].SLA.RespondBy) {
					ties++
				}
			}
			if ties == 0 {
				t.Fatal("the fixture has no equal deadlines to page across")
			}
			for limit := 1; limit <= len(all)+1; limit++ {
				got := e.listOrders(t, f.manager.Token, limit, "sort", "respond_by")
				if !slices.Equal(mapSlice(got, listedID), mapSlice(all, listedID)) {
					t.Fatalf("limit %d: pages differ from one page", limit)
				}
			}
			// The dispatch board: open orders only, soonest first.
			board := e.listOrders(t, f.manager.Token, 4, "sort", "respond_by", "status", "requested", "priority", "urgent")
			if len(board) != 4 || !slices.IsSortedFunc(board, func(a, b listedOrder) int { return a.SLA.RespondBy.Compare(b.SLA.RespondBy) }) {
				t.Fatalf("board %v", board)
			}
		})
		t.Run("LastPageHasNullNextCursor", func(t *testing.T) {
			for _, sortBy := range []string{"created", "respond_by"} {
				var page pageOut[listedOrder]
				e.do(t, req{method: "GET", path: withQuery("/v1/work-orders", "sort", sortBy, "limit", strconv.Itoa(len(created))), token: f.manager.Token}).
					expect(t, 200).decode(t, &page)
				if len(page.Items) != len(created) || page.NextCursor != nil {
					t.Fatalf("%s: %d items, next %v", sortBy, len(page.Items), page.NextCursor)
				}
				if r := e.do(t, req{method: "GET", path: withQuery("/v1/work-orders", "sort", sortBy, "limit", "200"), token: f.manager.Token}).expect(t, 200); !bytes.Contains(r.Body, []byte(`"next_cursor":null`)) {
					t.Fatalf("next_cursor not null: %s", r.Body)
				}
			}
		})
	})
}

func TestListWorkOrders_400_WhenParametersMalformed(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		for range 3 {
			e.createOrder(t, f.dispatcher.Token, repairBody(f, "normal"))
		}
		// A real cursor of each sort, to hand to the other.
		cursorOf := func(sortBy string) string {
			var page pageOut[listedOrder]
			e.do(t, req{method: "GET", path: withQuery("/v1/work-orders", "sort", sortBy, "limit", "1"), token: f.manager.Token}).expect(t, 200).decode(t, &page)
			if page.NextCursor == nil {
				t.Fatal("no next cursor")
			}
			return *page.NextCursor
		}
		createdCursor, respondByCursor := cursorOf("created"), cursorOf("respond_by")
		b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
		cases := []struct {
			name  string
			query []string
		}{
			{"CursorNotBase64", []string{"cursor", "!!!"}},
			{"CursorGarbage", []string{"cursor", "abc"}},
			{"CursorNotJSON", []string{"cursor", b64("not json")}},
			{"CursorNotAnID", []string{"cursor", b64(`["nope"]`)}},
			{"CursorTooManyKeys", []string{"cursor", b64(`["` + uuid.NewString() + `","x"]`)}},
			{"RespondByCursorOnCreatedSort", []string{"cursor", respondByCursor}},
			{"CreatedCursorOnRespondBySort", []string{"sort", "respond_by", "cursor", createdCursor}},
			{"RespondByCursorWithBadTime", []string{"sort", "respond_by", "cursor", b64(`["yesterday","` + uuid.NewString() + `"]`)}},
			{"RespondByCursorWithBadID", []string{"sort", "respond_by", "cursor", b64(`["2026-01-01T00:00:00Z","nope"]`)}},
			{"CursorTooLong", []string{"cursor", strings.Repeat("a", 513)}},
			{"Limit201", []string{"limit", "201"}},
			{"Limit0", []string{"limit", "0"}},
			{"LimitNotANumber", []string{"limit", "ten"}},
			{"UnknownStatus", []string{"status", "approved,lost"}},
			{"UnknownType", []string{"type", "upgrade"}},
			{"UnknownPriority", []string{"priority", "asap"}},
			{"UnknownSLA", []string{"sla", "late"}},
			{"UnknownSort", []string{"sort", "number"}},
			{"CustomerNotAUUID", []string{"customer_id", "fleet-1"}},
			{"TechnicianNotAUUID", []string{"technician_id", "42"}},
			{"CreatedFromNotATime", []string{"created_from", "yesterday"}},
			{"CreatedToNotATime", []string{"created_to", "2026-13-01T00:00:00Z"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e.do(t, req{method: "GET", path: withQuery("/v1/work-orders", c.query...), token: f.manager.Token}).expect(t, 400)
			})
		}
		// Each real cursor still works with its own sort.
		e.do(t, req{method: "GET", path: withQuery("/v1/work-orders", "cursor", createdCursor), token: f.manager.Token}).expect(t, 200)
		e.do(t, req{method: "GET", path: withQuery("/v1/work-orders", "sort", "respond_by", "cursor", respondByCursor), token: f.manager.Token}).expect(t, 200)
	})
}

// slaStep is one thing done to one order of the SLA fixture, at an offset
// from the fixture's start.
type slaStep struct {
	at     time.Duration
	order  string
	action string // create:<priority>, or a lifecycle action
}

// slaCase is an order of the SLA fixture and what it is at the judging moment.
type slaCase struct {
	name             string
	breached, atRisk bool
}

func TestListWorkOrders_SLAFiltersAgreeWithEachOrdersSLA(t *testing.T) {
	const h, m = time.Hour, time.Minute
	// Urgent orders must be on site within 4 h and complete within 8 h
	// (plus time on hold); the orders are judged at 10 h.
	const judged = 10 * h
	cases := []slaCase{
		{"fresh", false, false},
		{"respondDueIn30m", false, true},
		{"respondDueAtTheWindowEdge", false, true},
		{"respondDueNow", false, true},
		{"respondMissed", true, false},
		{"arrivedLateStillOnSite", true, false},
		{"arrivedInTimeResolveDueIn30m", false, true},
		{"onHoldAcrossTheResolveDeadline", false, false},
		{"heldThenResumedDueAtTheWindowEdge", false, true},
		{"heldThenResumedOverdue", true, false},
		{"onHoldBeforeArrivalRespondDueSoon", false, true},
		{"onHoldBeforeArrivalRespondMissed", true, false},
		{"completedLate", true, false},
		{"completedInTimeAndClosed", false, false},
		{"reopenedAndNowOverdue", true, false},
		{"cancelledInTime", false, false},
		{"cancelledAfterRespondBy", true, false},
		{"lowPriorityUntouched", false, false},
		{"contractorCompletedInTime", false, false},
		{"contractorStillWorkingPastRespondBy", true, false},
	}
	arrive := []string{"approve", "assign", "accept", "depart"}
	steps := []slaStep{
		{9*h + 50*m, "fresh", "create:normal"},
		{6*h + 30*m, "respondDueIn30m", "create:urgent"},
		{7 * h, "respondDueAtTheWindowEdge", "create:urgent"},
		{6 * h, "respondDueNow", "create:urgent"},
		{5 * h, "respondMissed", "create:urgent"}, {5 * h, "respondMissed", "approve"},
		{4 * h, "arrivedLateStillOnSite", "create:urgent"}, {9 * h, "arrivedLateStillOnSite", "arrive"},
		{2*h + 30*m, "arrivedInTimeResolveDueIn30m", "create:urgent"}, {3 * h, "arrivedInTimeResolveDueIn30m", "arrive"},
		{0, "onHoldAcrossTheResolveDeadline", "create:urgent"}, {h, "onHoldAcrossTheResolveDeadline", "arrive"},
		{2 * h, "onHoldAcrossTheResolveDeadline", "hold"},
		{0, "heldThenResumedDueAtTheWindowEdge", "create:urgent"}, {h, "heldThenResumedDueAtTheWindowEdge", "arrive"},
		{2 * h, "heldThenResumedDueAtTheWindowEdge", "hold"}, {5 * h, "heldThenResumedDueAtTheWindowEdge", "resume"},
		{0, "heldThenResumedOverdue", "create:urgent"}, {h, "heldThenResumedOverdue", "arrive"},
		{2 * h, "heldThenResumedOverdue", "hold"}, {3 * h, "heldThenResumedOverdue", "resume"},
		{6*h + 40*m, "onHoldBeforeArrivalRespondDueSoon", "create:urgent"}, {7 * h, "onHoldBeforeArrivalRespondDueSoon", "hold"},
		{h, "onHoldBeforeArrivalRespondMissed", "create:urgent"}, {2 * h, "onHoldBeforeArrivalRespondMissed", "hold"},
		{0, "completedLate", "create:urgent"}, {h, "completedLate", "arrive"}, {9 * h, "completedLate", "complete"},
		{0, "completedInTimeAndClosed", "create:urgent"}, {h, "completedInTimeAndClosed", "arrive"},
		{2 * h, "completedInTimeAndClosed", "complete"}, {2 * h, "completedInTimeAndClosed", "close"},
		{0, "reopenedAndNowOverdue", "create:urgent"}, {h, "reopenedAndNowOverdue", "arrive"},
		{2 * h, "reopenedAndNowOverdue", "complete"}, {3 * h, "reopenedAndNowOverdue", "reopen"},
		{0, "cancelledInTime", "create:urgent"}, {h, "cancelledInTime", "cancel"},
		{0, "cancelledAfterRespondBy", "create:urgent"}, {5 * h, "cancelledAfterRespondBy", "cancel"},
		{0, "lowPriorityUntouched", "create:low"},
		{0, "contractorCompletedInTime", "create:urgent"}, {0, "contractorCompletedInTime", "approve"},
		{0, "contractorCompletedInTime", "contract"}, {h, "contractorCompletedInTime", "completeByDesk"},
		{0, "contractorStillWorkingPastRespondBy", "create:urgent"}, {0, "contractorStillWorkingPastRespondBy", "approve"},
		{0, "contractorStillWorkingPastRespondBy", "contract"},
	}
	// "arrive" and "hold" from a fresh order take it there first, at the same instant.
	var expanded []slaStep
	for _, s := range steps {
		switch s.action {
		case "arrive":
			for _, a := range arrive {
				expanded = append(expanded, slaStep{s.at, s.order, a})
			}
		case "hold":
			if !slices.ContainsFunc(expanded, func(x slaStep) bool { return x.order == s.order && x.action == "depart" }) {
				expanded = append(expanded, slaStep{s.at, s.order, "approve"}, slaStep{s.at, s.order, "assign"})
			}
		}
		expanded = append(expanded, s)
	}
	slices.SortStableFunc(expanded, func(a, b slaStep) int { return int(a.at - b.at) })

	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		start := e.clock.Now()
		orders := map[string]workOrder{}
		for _, s := range expanded {
			if d := start.Add(s.at).Sub(e.clock.Now()); d > 0 {
				e.advance(t, &f, d)
			}
			if p, ok := strings.CutPrefix(s.action, "create:"); ok {
				orders[s.order] = e.createOrder(t, f.dispatcher.Token, repairBody(f, p))
				continue
			}
			token, body, action := f.tech.Token, any(nil), s.action
			switch s.action {
			case "approve":
				token = f.manager.Token
			case "assign":
				token, body = f.dispatcher.Token, map[string]any{"technician_id": f.tech.ID}
			case "depart":
				body = checklistOK
			case "arrive":
				body = map[string]any{"lat": siteLat, "lng": siteLng}
			case "hold":
				body = map[string]any{"reason": "waiting for the customer"}
			case "complete":
				body = map[string]any{"resolution": "replaced the antenna"}
			case "close":
				token = f.dispatcher.Token
			case "reopen":
				token, body = f.dispatcher.Token, map[string]any{"reason": "the fault came back"}
			case "cancel":
				token, body = f.dispatcher.Token, map[string]any{"reason": "no longer needed"}
			case "contract":
				token, body, action = f.manager.Token, map[string]any{"contractor": map[string]any{
					"name": "Outside Co", "phone": "13800138000", "reason": "nobody free"}}, "assign"
			case "completeByDesk":
				token, body, action = f.dispatcher.Token, map[string]any{"resolution": "the contractor fixed it"}, "complete"
			}
			orders[s.order] = e.step(t, token, orders[s.order], action, body)
		}
		e.advance(t, &f, start.Add(judged).Sub(e.clock.Now()))
		if len(orders) != len(cases) {
			t.Fatalf("%d orders for %d cases", len(orders), len(cases))
		}

		// At the judging moment each order is what its case says, by its own SLA.
		for _, c := range cases {
			o := e.readListed(t, f.manager.Token, orders[c.name].ID)
			breached, atRisk := slaOf(o, e.clock.Now())
			if breached != c.breached || atRisk != c.atRisk {
				t.Errorf("%s: breached %v at risk %v, want %v %v; order %+v", c.name, breached, atRisk, c.breached, c.atRisk, o)
			}
		}
		if t.Failed() {
			t.FailNow()
		}
		// And the list filters agree with the orders, now and as time goes on.
		for _, later := range []time.Duration{0, 30 * m, h, h + time.Second, 3 * h, 2 * 24 * h, 4 * 24 * h} {
			if later > 0 {
				e.advance(t, &f, start.Add(judged+later).Sub(e.clock.Now()))
			}
			t.Run(fmt.Sprintf("At+%v", later), func(t *testing.T) {
				e.checkSLAFilters(t, f, mapValues(orders))
			})
		}
	})
}

// readListed GETs an order into the list tests' shape.
func (e *env) readListed(t *testing.T, token string, id uuid.UUID) listedOrder {
	t.Helper()
	var o listedOrder
	e.do(t, req{method: "GET", path: "/v1/work-orders/" + id.String(), token: token}).expect(t, 200).decode(t, &o)
	return o
}

// slaOf judges an order from what GET shows of it: breached when a
// deadline is missed; at risk when open, not breached and a deadline is
// within the hour: on site not yet and respond_by near, or not on hold and
// the resolution deadline (moved by finished holds) near.
func slaOf(o listedOrder, now time.Time) (breached, atRisk bool) {
	breached = o.SLA.ResponseBreached || o.SLA.ResolutionBreached
	soon := now.Add(time.Hour)
	resolveBy := o.SLA.ResolveBy.Add(time.Duration(o.SLA.PausedMinutes) * time.Minute)
	atRisk = isOpenStatus(o.Status) && !breached &&
		(o.ArrivedAt == nil && !o.SLA.RespondBy.After(soon) || o.Status != "on_hold" && !resolveBy.After(soon))
	return breached, atRisk
}

// checkSLAFilters fails unless sla=breached and sla=at_risk list exactly the
// orders whose own SLA says so, through pages of every size and both sorts.
func (e *env) checkSLAFilters(t *testing.T, f fleet, orders []workOrder) {
	t.Helper()
	var breached, atRisk []uuid.UUID
	for _, o := range orders {
		b, r := slaOf(e.readListed(t, f.manager.Token, o.ID), e.clock.Now())
		if b {
			breached = append(breached, o.ID)
		}
		if r {
			atRisk = append(atRisk, o.ID)
		}
	}
	for _, sortBy := range []string{"created", "respond_by"} {
		for _, limit := range []int{1, 5, 200} {
			sameIDs(t, "sla=breached", mapSlice(e.listOrders(t, f.manager.Token, limit, "sla", "breached", "sort", sortBy), listedID), breached)
			sameIDs(t, "sla=at_risk", mapSlice(e.listOrders(t, f.manager.Token, limit, "sla", "at_risk", "sort", sortBy), listedID), atRisk)
		}
	}
	// Combined with another filter, and for a technician's own list.
	var openBreached []uuid.UUID
	for _, id := range breached {
		if isOpenStatus(e.readListed(t, f.manager.Token, id).Status) {
			openBreached = append(openBreached, id)
		}
	}
	sameIDs(t, "open and breached", mapSlice(e.listOrders(t, f.manager.Token, 200, "sla", "breached",
		"status", "requested,approved,assigned,accepted,en_route,on_site,on_hold"), listedID), openBreached)
	var techBreached []uuid.UUID
	for _, id := range breached {
		if o := e.readListed(t, f.manager.Token, id); o.TechnicianID != nil && *o.TechnicianID == f.tech.ID {
			techBreached = append(techBreached, id)
		}
	}
	sameIDs(t, "the technician's breached", mapSlice(e.listOrders(t, f.tech.Token, 200, "sla", "breached"), listedID), techBreached)
}

func mapValues[K comparable, V any](m map[K]V) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func TestListWorkOrders_SLAFiltersFollowConfiguredTerms(t *testing.T) {
	shortSLA := func(c *app.Config) { c.SLA.Respond["urgent"] = 30 * time.Minute }
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		o := e.createOrder(t, f.dispatcher.Token, repairBody(f, "urgent"))
		if got := o.SLA.RespondBy.Sub(e.clock.Now()); got != 30*time.Minute {
			t.Fatalf("respond_by in %v", got)
		}
		sameIDs(t, "at risk at once", mapSlice(e.listOrders(t, f.manager.Token, 50, "sla", "at_risk"), listedID), []uuid.UUID{o.ID})
		e.advance(t, &f, 31*time.Minute)
		sameIDs(t, "breached after 31 min", mapSlice(e.listOrders(t, f.manager.Token, 50, "sla", "breached"), listedID), []uuid.UUID{o.ID})
		if n := len(e.listOrders(t, f.manager.Token, 50, "sla", "at_risk")); n != 0 {
			t.Fatalf("%d at risk once breached", n)
		}
	}, shortSLA)
}
