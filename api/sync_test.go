package api_test

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/cmd/fieldwork/app"
	"github.com/fieldwork/fieldwork/domain"
)

// GET /v1/sync: the technician app's view of its orders, by change cursor.

type syncAnswer struct {
	Items   []json.RawMessage `json:"items"`
	Removed []uuid.UUID       `json:"removed"`
	Cursor  string            `json:"cursor"`
	HasMore bool              `json:"has_more"`
	body    []byte
}

// syncAs calls GET /v1/sync, with the cursor unless it is empty.
func (e *env) syncAs(t *testing.T, token, cursor string) syncAnswer {
	t.Helper()
	path := "/v1/sync"
	if cursor != "" {
		path = withQuery(path, "cursor", cursor)
	}
	r := e.do(t, req{method: "GET", path: path, token: token}).expect(t, 200)
	var a syncAnswer
	r.decode(t, &a)
	a.body = r.Body
	if _, err := strconv.ParseInt(a.Cursor, 10, 64); err != nil {
		t.Fatalf("cursor %q", a.Cursor)
	}
	return a
}

// ids are the ids of the answer's items, in order.
func (a syncAnswer) ids(t *testing.T) []uuid.UUID {
	t.Helper()
	out := make([]uuid.UUID, len(a.Items))
	for i, raw := range a.Items {
		var o workOrder
		if err := json.Unmarshal(raw, &o); err != nil {
			t.Fatal(err)
		}
		out[i] = o.ID
	}
	return out
}

// checkFull fails unless every item is the whole order, as GET shows it now.
func (a syncAnswer) checkFull(t *testing.T, e *env, token string) {
	t.Helper()
	for i, id := range a.ids(t) {
		got := e.do(t, req{method: "GET", path: "/v1/work-orders/" + id.String(), token: token}).expect(t, 200)
		if !jsonEqual(t, a.Items[i], got.Body) {
			t.Fatalf("sync item\n%s\nGET\n%s", a.Items[i], got.Body)
		}
	}
}

// assignedTo creates an order and assigns it to the technician.
func (e *env) assignedTo(t *testing.T, f fleet, tech user) workOrder {
	t.Helper()
	o := e.createOrder(t, f.dispatcher.Token, repairBody(f, "normal"))
	o = e.step(t, f.manager.Token, o, "approve", nil)
	return e.step(t, f.dispatcher.Token, o, "assign", map[string]any{"technician_id": tech.ID})
}

func idsOfOrders(orders ...workOrder) []uuid.UUID {
	return mapSlice(orders, func(o workOrder) uuid.UUID { return o.ID })
}

func TestSync_WithoutCursor_AllMyOpenOrdersAndACursor(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		other := e.createUser(t, domain.RoleTechnician, uuid.Nil)

		if a := e.syncAs(t, f.tech.Token, ""); len(a.Items) != 0 || len(a.Removed) != 0 || a.HasMore {
			t.Fatalf("nothing assigned yet: %s", a.body)
		}
		assigned := e.assignedTo(t, f, f.tech)
		held := e.step(t, f.tech.Token, e.step(t, f.tech.Token, e.assignedTo(t, f, f.tech), "accept", nil), "hold",
			map[string]any{"reason": "customer not in"})
		done := e.step(t, f.tech.Token, e.assignedTo(t, f, f.tech), "accept", nil)
		done = e.step(t, f.tech.Token, done, "depart", checklistOK)
		done = e.step(t, f.tech.Token, done, "arrive", map[string]any{"lat": 22.5431, "lng": 114.0579})
		done = e.step(t, f.tech.Token, done, "complete", map[string]any{"resolution": "fixed"})
		e.step(t, f.dispatcher.Token, done, "close", nil)
		cancelled := e.assignedTo(t, f, f.tech)
		e.step(t, f.dispatcher.Token, cancelled, "cancel", map[string]any{"reason": "duplicate"})
		handedOver := e.assignedTo(t, f, f.tech)
		e.step(t, f.dispatcher.Token, handedOver, "assign", map[string]any{"technician_id": other.ID})
		theirs := e.assignedTo(t, f, other)
		e.step(t, f.manager.Token, e.createOrder(t, f.custUser.Token, repairBody(f, "low")), "approve", nil)

		a := e.syncAs(t, f.tech.Token, "")
		sameIDs(t, "open orders", a.ids(t), idsOfOrders(assigned, held))
		if len(a.Removed) != 0 || a.HasMore {
			t.Fatalf("removed %v, has_more %v", a.Removed, a.HasMore)
		}
		a.checkFull(t, e, f.tech.Token)
		if b := e.syncAs(t, f.tech.Token, ""); string(b.body) != string(a.body) {
			t.Fatalf("a repeated sync differs:\n%s\n%s", a.body, b.body)
		}
		sameIDs(t, "the other's open orders", e.syncAs(t, other.Token, "").ids(t), idsOfOrders(handedOver, theirs))
	})
}

func TestSync_WithCursor_OnlyWhatChangedSinceAsFullObjects(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		other := e.createUser(t, domain.RoleTechnician, uuid.Nil)
		mine := e.assignedTo(t, f, f.tech)
		untouched := e.assignedTo(t, f, f.tech)
		theirs := e.assignedTo(t, f, other)
		waiting := e.createOrder(t, f.custUser.Token, repairBody(f, "high"))

		c0 := e.syncAs(t, f.tech.Token, "")
		sameIDs(t, "first sync", c0.ids(t), idsOfOrders(mine, untouched))
		if still := e.syncAs(t, f.tech.Token, c0.Cursor); len(still.Items) != 0 || len(still.Removed) != 0 || still.Cursor != c0.Cursor {
			t.Fatalf("nothing changed, yet: %s", still.body)
		}

		e.advance(t, &f, 5*time.Minute)
		mine = e.step(t, f.tech.Token, mine, "accept", nil)
		e.step(t, other.Token, theirs, "accept", nil)
		waiting = e.step(t, f.manager.Token, waiting, "approve", nil)
		added := e.step(t, f.dispatcher.Token, waiting, "assign", map[string]any{"technician_id": f.tech.ID})

		c1 := e.syncAs(t, f.tech.Token, c0.Cursor)
		if got := c1.ids(t); len(got) != 2 || got[0] != mine.ID || got[1] != added.ID {
			t.Fatalf("changed since the cursor: %v, want %s then %s", got, mine.ID, added.ID)
		}
		if len(c1.Removed) != 0 || c1.HasMore {
			t.Fatalf("removed %v has_more %v", c1.Removed, c1.HasMore)
		}
		c1.checkFull(t, e, f.tech.Token)
		var first workOrder
		if err := json.Unmarshal(c1.Items[0], &first); err != nil || first.Status != "accepted" || first.Version != mine.Version {
			t.Fatalf("item %s", c1.Items[0])
		}
		if n0, n1 := mustInt(t, c0.Cursor), mustInt(t, c1.Cursor); n1 <= n0 {
			t.Fatalf("cursor went from %d to %d", n0, n1)
		}
		for range 2 {
			if again := e.syncAs(t, f.tech.Token, c0.Cursor); string(again.body) != string(c1.body) {
				t.Fatalf("the same cursor answered differently:\n%s\n%s", c1.body, again.body)
			}
		}
		if c2 := e.syncAs(t, f.tech.Token, c1.Cursor); len(c2.Items) != 0 || len(c2.Removed) != 0 || c2.Cursor != c1.Cursor {
			t.Fatalf("after the latest cursor: %s", c2.body)
		}
	})
}

func TestSync_OrdersNoLongerMineAreRemoved(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		other := e.createUser(t, domain.RoleTechnician, uuid.Nil)
		reassigned := e.assignedTo(t, f, f.tech)
		declined := e.assignedTo(t, f, f.tech)
		kept := e.assignedTo(t, f, f.tech)
		c0 := e.syncAs(t, f.tech.Token, "")

		reassigned = e.step(t, f.dispatcher.Token, reassigned, "assign", map[string]any{"technician_id": other.ID})
		declined = e.step(t, f.tech.Token, declined, "decline", map[string]any{"reason": "van broke down"})

		c1 := e.syncAs(t, f.tech.Token, c0.Cursor)
		if len(c1.Items) != 0 {
			t.Fatalf("items %v, want none", c1.ids(t))
		}
		sameIDs(t, "removed", c1.Removed, idsOfOrders(reassigned, declined))
		// A fresh sync no longer lists them; the new assignee's does.
		sameIDs(t, "fresh sync", e.syncAs(t, f.tech.Token, "").ids(t), idsOfOrders(kept))
		sameIDs(t, "the new assignee's sync", e.syncAs(t, other.Token, "").ids(t), idsOfOrders(reassigned))

		// Given back, it is an item again.
		reassigned = e.step(t, f.dispatcher.Token, reassigned, "assign", map[string]any{"technician_id": f.tech.ID})
		c2 := e.syncAs(t, f.tech.Token, c1.Cursor)
		if got := c2.ids(t); len(got) != 1 || got[0] != reassigned.ID || len(c2.Removed) != 0 {
			t.Fatalf("after giving it back: %s", c2.body)
		}
		if c3 := e.syncAs(t, other.Token, c0.Cursor); len(c3.Items) != 0 || len(c3.Removed) != 1 || c3.Removed[0] != reassigned.ID {
			t.Fatalf("the other technician after it went back: %s", c3.body)
		}
	})
}

func TestSync_OrdersNeverAssignedToMeNeverAppear(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		other := e.createUser(t, domain.RoleTechnician, uuid.Nil)
		mine := e.assignedTo(t, f, f.tech)
		start := e.syncAs(t, f.tech.Token, "")
		theirs := e.step(t, other.Token, e.assignedTo(t, f, other), "accept", nil)
		theirs = e.step(t, other.Token, theirs, "depart", checklistOK)
		theirs = e.step(t, other.Token, theirs, "arrive", map[string]any{"lat": 22.5431, "lng": 114.0579})
		e.step(t, other.Token, theirs, "complete", map[string]any{"resolution": "replaced the fuse"})
		unassigned := e.step(t, f.manager.Token, e.createOrder(t, f.custUser.Token, repairBody(f, "low")), "approve", nil)
		e.step(t, f.dispatcher.Token, unassigned, "cancel", map[string]any{"reason": "not needed"})

		for _, cursor := range []string{"", "0", start.Cursor} {
			a := e.syncAs(t, f.tech.Token, cursor)
			for _, id := range append(a.ids(t), a.Removed...) {
				if id != mine.ID {
					t.Fatalf("cursor %q: order %s was never mine: %s", cursor, id, a.body)
				}
			}
		}
		if a := e.syncAs(t, f.tech.Token, "0"); len(a.Items) != 1 || a.ids(t)[0] != mine.ID {
			t.Fatalf("from the beginning: %s", a.body)
		}
	})
}

func TestSync_403_ForAnyoneButTechnicians(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		finance := e.createUser(t, domain.RoleFinance, uuid.Nil)
		for name, token := range map[string]string{"admin": e.admin, "manager": f.manager.Token, "dispatcher": f.dispatcher.Token,
			"finance": finance.Token, "customer": f.custUser.Token} {
			t.Run(name, func(t *testing.T) {
				for _, cursor := range []string{"", "0"} {
					path := "/v1/sync"
					if cursor != "" {
						path = withQuery(path, "cursor", cursor)
					}
					e.do(t, req{method: "GET", path: path, token: token}).expect(t, 403)
				}
			})
		}
		e.do(t, req{method: "GET", path: "/v1/sync"}).expect(t, 401)
	})
}

func TestSync_400_WhenCursorMalformed(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		for _, cursor := range []string{"abc", "-1", "1.5", "1e3", " 1", "0x10", "99999999999999999999", "123456789012345678901"} {
			t.Run(cursor, func(t *testing.T) {
				e.do(t, req{method: "GET", path: withQuery("/v1/sync", "cursor", cursor), token: f.tech.Token}).expect(t, 400)
			})
		}
	})
}

func TestSync_HasMore_PagingByCursorReachesEveryChange(t *testing.T) {
	const n = 250 // more than one answer holds
	noRateLimit := func(c *app.Config) { c.RateLimit = 0 }
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		start := e.syncAs(t, f.tech.Token, "")
		want := make([]uuid.UUID, n)
		for i := range want {
			want[i] = e.assignedTo(t, f, f.tech).ID
		}

		var got []uuid.UUID
		cursor := start.Cursor
		var pages []syncAnswer
		for {
			a := e.syncAs(t, f.tech.Token, cursor)
			pages = append(pages, a)
			got = append(got, a.ids(t)...)
			if !a.HasMore {
				break
			}
			if len(pages) > n {
				t.Fatal("has_more never ends")
			}
			cursor = a.Cursor
		}
		if len(pages) != 2 || len(pages[0].Items) != 200 || len(pages[1].Items) != n-200 {
			t.Fatalf("%d pages; want 200 then %d", len(pages), n-200)
		}
		// In the order they changed, each once.
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("item %d is %s, want %s", i, got[i], want[i])
			}
		}
		if again := e.syncAs(t, f.tech.Token, start.Cursor); string(again.body) != string(pages[0].body) {
			t.Fatal("the first page answered differently the second time")
		}
		if last := e.syncAs(t, f.tech.Token, pages[1].Cursor); len(last.Items) != 0 || last.HasMore {
			t.Fatalf("after the last page: %d items, has_more %v", len(last.Items), last.HasMore)
		}
		// Without a cursor: every open order of mine, a page at a time; the
		// next call's changes hold the rest.
		fresh := e.syncAs(t, f.tech.Token, "")
		if len(fresh.Items) != 200 || !fresh.HasMore {
			t.Fatalf("fresh sync: %d items, has_more %v", len(fresh.Items), fresh.HasMore)
		}
		rest := e.syncAs(t, f.tech.Token, fresh.Cursor)
		seen := map[uuid.UUID]bool{}
		for _, id := range append(fresh.ids(t), rest.ids(t)...) {
			seen[id] = true
		}
		if len(seen) != n || rest.HasMore {
			t.Fatalf("fresh sync and its next page: %d distinct orders, has_more %v", len(seen), rest.HasMore)
		}
	}, noRateLimit)
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
