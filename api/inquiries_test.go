package api_test

import (
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

type inquiryOut struct {
	ID          uuid.UUID  `json:"id"`
	Status      string     `json:"status"`
	Overdue     bool       `json:"overdue"`
	ReplyDueAt  *time.Time `json:"reply_due_at"`
	OwnerID     *uuid.UUID `json:"owner_id"`
	TakenBy     *uuid.UUID `json:"taken_by"`
	CustomerID  *uuid.UUID `json:"customer_id"`
	WorkOrderID *uuid.UUID `json:"work_order_id"`
	Events      []struct {
		Type string `json:"type"`
	} `json:"events"`
}

// isID reports whether a nullable id is id.
func isID(p *uuid.UUID, id uuid.UUID) bool { return p != nil && *p == id }

func inquiryBody(customer uuid.UUID, extra map[string]any) map[string]any {
	b := map[string]any{"customer_id": customer, "caller_name": "Mr Zhao", "caller_phone": "13800138000", "channel": "phone",
		"question": "Why does the tracker show the wrong place?"}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

func TestInquiry_LedgerFirstContactOwnsItUntilHandedOver(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		due := e.clock.Now().Add(2 * time.Hour).Format(time.RFC3339)
		var answered, open inquiryOut
		e.do(t, req{method: "POST", path: "/v1/inquiries", token: f.dispatcher.Token,
			body: inquiryBody(f.customer, map[string]any{"answer": "GPS drift indoors; normal."})}).expect(t, 201).decode(t, &answered)
		if answered.Status != "answered" || !isID(answered.OwnerID, f.dispatcher.ID) || len(answered.Events) != 1 {
			t.Fatalf("answered at once: %+v", answered)
		}
		e.do(t, req{method: "POST", path: "/v1/inquiries", token: f.dispatcher.Token, body: inquiryBody(f.customer, nil)}).expect(t, 422)
		e.do(t, req{method: "POST", path: "/v1/inquiries", token: f.dispatcher.Token,
			body: inquiryBody(f.customer, map[string]any{"reply_due_at": e.clock.Now().Add(-time.Hour).Format(time.RFC3339)})}).expect(t, 422)
		e.do(t, req{method: "POST", path: "/v1/inquiries", token: f.dispatcher.Token,
			body: inquiryBody(f.customer, map[string]any{"reply_due_at": due})}).expect(t, 201).decode(t, &open)
		if open.Status != "open" || open.Overdue {
			t.Fatalf("open: %+v", open)
		}
		path := "/v1/inquiries/" + open.ID.String()
		// Only the owner (or a manager) hands over, and only to desk staff.
		other := e.createUser(t, domain.RoleDispatcher, uuid.Nil)
		e.do(t, req{method: "POST", path: path + "/handover", token: other.Token, body: map[string]any{"to_user_id": other.ID, "note": "mine"}}).expect(t, 403)
		e.do(t, req{method: "POST", path: path + "/handover", token: f.dispatcher.Token, body: map[string]any{"to_user_id": f.tech.ID, "note": "x"}}).expect(t, 422)
		var handed inquiryOut
		e.do(t, req{method: "POST", path: path + "/handover", token: f.dispatcher.Token,
			body: map[string]any{"to_user_id": other.ID, "note": "needs the technical desk"}}).expect(t, 200).decode(t, &handed)
		if !isID(handed.OwnerID, other.ID) || !isID(handed.TakenBy, f.dispatcher.ID) {
			t.Fatalf("handed over: %+v", handed)
		}
		e.do(t, req{method: "POST", path: path + "/answer", token: f.dispatcher.Token, body: map[string]any{"answer": "x"}}).expect(t, 403)

		// The supervisor's daily review: overdue ones.
		e.advance(t, &f, 3*time.Hour)
		other.Token = e.login(other.Username, "password-"+other.Username).AccessToken
		var page struct{ Items []inquiryOut }
		e.do(t, req{method: "GET", path: "/v1/inquiries?overdue=true", token: f.manager.Token}).expect(t, 200).decode(t, &page)
		if len(page.Items) != 1 || page.Items[0].ID != open.ID || !page.Items[0].Overdue {
			t.Fatalf("overdue: %+v", page.Items)
		}
		e.do(t, req{method: "GET", path: "/v1/inquiries?owner_id=" + other.ID.String(), token: f.manager.Token}).expect(t, 200).decode(t, &page)
		if len(page.Items) != 1 {
			t.Fatalf("by owner: %+v", page.Items)
		}
		var done inquiryOut
		e.do(t, req{method: "POST", path: path + "/answer", token: other.Token, body: map[string]any{"answer": "Firmware updated remotely."}}).expect(t, 200).decode(t, &done)
		if done.Status != "answered" || len(done.Events) != 3 || done.Events[1].Type != "handover" || done.Events[2].Type != "answered" {
			t.Fatalf("answered: %+v", done)
		}
		e.do(t, req{method: "POST", path: path + "/answer", token: other.Token, body: map[string]any{"answer": "again"}}).expect(t, 409)
		e.do(t, req{method: "GET", path: "/v1/inquiries?overdue=true", token: f.manager.Token}).expect(t, 200).decode(t, &page)
		if len(page.Items) != 0 {
			t.Fatalf("answered still overdue: %+v", page.Items)
		}
	})
}

func TestInquiry_CustomersAskThroughThePortalAndSeeOnlyTheirOwn(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f, other := e.newFleet(t), e.newFleet(t)
		due := e.clock.Now().Add(24 * time.Hour).Format(time.RFC3339)
		var q inquiryOut
		e.do(t, req{method: "POST", path: "/v1/inquiries", token: f.custUser.Token,
			body: inquiryBody(f.customer, map[string]any{"channel": "portal"})}).expect(t, 201).decode(t, &q)
		if q.CustomerID == nil || *q.CustomerID != f.customer {
			t.Fatalf("portal inquiry %+v", q)
		}
		e.do(t, req{method: "POST", path: "/v1/inquiries", token: f.custUser.Token,
			body: inquiryBody(f.customer, nil)}).expect(t, 422) // not through the portal
		e.do(t, req{method: "POST", path: "/v1/inquiries", token: f.custUser.Token,
			body: inquiryBody(other.customer, map[string]any{"channel": "portal"})}).expect(t, 422)
		e.do(t, req{method: "POST", path: "/v1/inquiries", token: f.tech.Token, body: inquiryBody(f.customer, map[string]any{"reply_due_at": due})}).expect(t, 403)
		e.do(t, req{method: "GET", path: "/v1/inquiries/" + q.ID.String(), token: other.custUser.Token}).expect(t, 404)
		e.do(t, req{method: "GET", path: "/v1/inquiries/" + q.ID.String(), token: f.custUser.Token}).expect(t, 200)
		var page struct{ Items []inquiryOut }
		e.do(t, req{method: "GET", path: "/v1/inquiries", token: other.custUser.Token}).expect(t, 200).decode(t, &page)
		if len(page.Items) != 0 {
			t.Fatalf("another customer lists %+v", page.Items)
		}
		e.do(t, req{method: "GET", path: "/v1/inquiries", token: f.tech.Token}).expect(t, 403)
	})
}

func TestInquiry_TurnsIntoAWorkOrderOnceAndLinksBoth(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f, other := e.newFleet(t), e.newFleet(t)
		var q inquiryOut
		e.do(t, req{method: "POST", path: "/v1/inquiries", token: f.dispatcher.Token,
			body: inquiryBody(f.customer, map[string]any{"reply_due_at": e.clock.Now().Add(time.Hour).Format(time.RFC3339)})}).expect(t, 201).decode(t, &q)
		path := "/v1/inquiries/" + q.ID.String() + "/work-order"
		// Another customer's vehicle: refused, nothing written.
		e.do(t, req{method: "POST", path: path, token: f.dispatcher.Token, body: repairBody(other, "high")}).expect(t, 422)
		e.do(t, req{method: "POST", path: path, token: f.custUser.Token, body: repairBody(f, "high")}).expect(t, 403)
		var o workOrder
		e.do(t, req{method: "POST", path: path, token: f.dispatcher.Token, body: repairBody(f, "high")}).expect(t, 201).decode(t, &o)
		e.do(t, req{method: "POST", path: path, token: f.dispatcher.Token, body: repairBody(f, "high")}).expect(t, 409)
		var linked inquiryOut
		e.do(t, req{method: "GET", path: "/v1/inquiries/" + q.ID.String(), token: f.manager.Token}).expect(t, 200).decode(t, &linked)
		if linked.WorkOrderID == nil || *linked.WorkOrderID != o.ID {
			t.Fatalf("inquiry %+v, order %s", linked, o.ID)
		}
		var list struct{ Items []workOrder }
		e.do(t, req{method: "GET", path: "/v1/work-orders?customer_id=" + other.customer.String(), token: f.manager.Token}).expect(t, 200).decode(t, &list)
		if len(list.Items) != 0 {
			t.Fatalf("the refused conversion wrote an order: %+v", list.Items)
		}
		types := e.timelineTypes(t, f.manager.Token, o.ID)
		if len(types) != 2 || types[1] != "from_inquiry" {
			t.Fatalf("order timeline %v", types)
		}
	})
}

// A question asked through the portal is the desk's to answer: it lands
// unowned in the queue, and the first staff member who takes it owns it
// (首问负责制). The customer who asked can neither answer it nor pass it on.
func TestInquiry_PortalQuestionsWaitInTheQueueForTheFirstStaffWhoTakesThem(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		portal := map[string]any{"channel": "portal"}
		ask := func() inquiryOut {
			t.Helper()
			var q inquiryOut
			e.do(t, req{method: "POST", path: "/v1/inquiries", token: f.custUser.Token, body: inquiryBody(f.customer, portal)}).expect(t, 201).decode(t, &q)
			return q
		}
		// The customer may not file it answered, nor set the reply time.
		for _, extra := range []map[string]any{
			{"channel": "portal", "answer": "Never mind."},
			{"channel": "portal", "reply_due_at": e.clock.Now().Add(time.Hour).Format(time.RFC3339)},
		} {
			e.do(t, req{method: "POST", path: "/v1/inquiries", token: f.custUser.Token, body: inquiryBody(f.customer, extra)}).expect(t, 403)
		}
		q := ask()
		if q.Status != "open" || q.OwnerID != nil || q.TakenBy != nil {
			t.Fatalf("portal inquiry %+v: want open and unowned", q)
		}
		queue := func() []uuid.UUID {
			t.Helper()
			var page struct{ Items []inquiryOut }
			e.do(t, req{method: "GET", path: "/v1/inquiries?status=open&owner_id=none", token: f.dispatcher.Token}).expect(t, 200).decode(t, &page)
			ids := []uuid.UUID{}
			for _, it := range page.Items {
				ids = append(ids, it.ID)
			}
			return ids
		}
		if got := queue(); len(got) != 1 || got[0] != q.ID {
			t.Fatalf("the desk's queue %v, want %s", got, q.ID)
		}
		path := "/v1/inquiries/" + q.ID.String()
		// The customer who asked never answers, hands over or takes it.
		e.do(t, req{method: "POST", path: path + "/answer", token: f.custUser.Token, body: map[string]any{"answer": "Solved it myself."}}).expect(t, 403)
		e.do(t, req{method: "POST", path: path + "/handover", token: f.custUser.Token,
			body: map[string]any{"to_user_id": f.dispatcher.ID, "note": "yours"}}).expect(t, 403)
		e.do(t, req{method: "POST", path: path + "/take", token: f.custUser.Token}).expect(t, 403)

		// The first dispatcher to take it owns it; taking again changes nothing.
		var taken inquiryOut
		e.do(t, req{method: "POST", path: path + "/take", token: f.dispatcher.Token}).expect(t, 200).decode(t, &taken)
		if !isID(taken.OwnerID, f.dispatcher.ID) || !isID(taken.TakenBy, f.dispatcher.ID) || len(taken.Events) != 2 || taken.Events[1].Type != "taken" {
			t.Fatalf("taken: %+v", taken)
		}
		e.do(t, req{method: "POST", path: path + "/take", token: f.dispatcher.Token}).expect(t, 200)
		if got := queue(); len(got) != 0 {
			t.Fatalf("a taken inquiry is still queued: %v", got)
		}
		// Another dispatcher neither takes nor answers it; a manager may answer.
		other := e.createUser(t, domain.RoleDispatcher, uuid.Nil)
		e.do(t, req{method: "POST", path: path + "/take", token: other.Token}).expect(t, 409)
		e.do(t, req{method: "POST", path: path + "/answer", token: other.Token, body: map[string]any{"answer": "x"}}).expect(t, 403)
		var mine struct{ Items []inquiryOut }
		e.do(t, req{method: "GET", path: "/v1/inquiries?owner_id=" + f.dispatcher.ID.String(), token: f.manager.Token}).expect(t, 200).decode(t, &mine)
		if len(mine.Items) != 1 || mine.Items[0].ID != q.ID {
			t.Fatalf("the owner's inquiries: %+v", mine.Items)
		}

		// Answering or handing over a queued inquiry takes it first.
		q2 := ask()
		var answered inquiryOut
		e.do(t, req{method: "POST", path: "/v1/inquiries/" + q2.ID.String() + "/answer", token: other.Token,
			body: map[string]any{"answer": "Restart the unit."}}).expect(t, 200).decode(t, &answered)
		if answered.Status != "answered" || !isID(answered.OwnerID, other.ID) || !isID(answered.TakenBy, other.ID) ||
			len(answered.Events) != 3 || answered.Events[1].Type != "taken" || answered.Events[2].Type != "answered" {
			t.Fatalf("answered from the queue: %+v", answered)
		}
		q3 := ask()
		var handed inquiryOut
		e.do(t, req{method: "POST", path: "/v1/inquiries/" + q3.ID.String() + "/handover", token: other.Token,
			body: map[string]any{"to_user_id": f.manager.ID, "note": "billing question"}}).expect(t, 200).decode(t, &handed)
		if !isID(handed.OwnerID, f.manager.ID) || !isID(handed.TakenBy, other.ID) {
			t.Fatalf("handed over from the queue: %+v", handed)
		}
		// An answered one cannot be taken.
		e.do(t, req{method: "POST", path: "/v1/inquiries/" + q2.ID.String() + "/take", token: f.dispatcher.Token}).expect(t, 409)
	})
}

// Staff taking one queued inquiry at once: exactly one owns it.
func TestInquiry_ConcurrentTakesGiveOneOwner(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		var q inquiryOut
		e.do(t, req{method: "POST", path: "/v1/inquiries", token: f.custUser.Token, body: inquiryBody(f.customer, map[string]any{"channel": "portal"})}).
			expect(t, 201).decode(t, &q)
		staff := make([]user, 8)
		for i := range staff {
			staff[i] = e.createUser(t, domain.RoleDispatcher, uuid.Nil)
		}
		var mu sync.Mutex
		winners := []uuid.UUID{}
		statuses := raceStatuses(len(staff), func() int {
			mu.Lock()
			u := staff[0]
			staff = staff[1:]
			mu.Unlock()
			r := e.do(t, req{method: "POST", path: "/v1/inquiries/" + q.ID.String() + "/take", token: u.Token})
			if r.Status == 200 {
				mu.Lock()
				winners = append(winners, u.ID)
				mu.Unlock()
			}
			return r.Status
		})
		for _, s := range statuses {
			if s != 200 && s != 409 {
				t.Fatalf("statuses %v: want 200 or 409", statuses)
			}
		}
		var got inquiryOut
		e.do(t, req{method: "GET", path: "/v1/inquiries/" + q.ID.String(), token: e.admin}).expect(t, 200).decode(t, &got)
		if len(winners) != 1 || !isID(got.OwnerID, winners[0]) || len(got.Events) != 2 {
			t.Fatalf("statuses %v, winners %v, inquiry %+v: want one owner", statuses, winners, got)
		}
	})
}

// Taking a portal question may agree a reply time with the customer; from
// then on it goes overdue like any other. The time must be in the future,
// and a second take by the owner changes nothing, whatever it says.
func TestInquiry_TakeAgreesAReplyTimeAndTheInquiryGoesOverdue(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		id := e.queuedInquiry(t, f.custUser)
		path := "/v1/inquiries/" + id.String()
		read := func() inquiryOut {
			t.Helper()
			var q inquiryOut
			e.do(t, req{method: "GET", path: path, token: f.dispatcher.Token}).expect(t, 200).decode(t, &q)
			return q
		}
		before := read()
		past := e.clock.Now().Add(-time.Minute).Format(time.RFC3339)
		e.do(t, req{method: "POST", path: path + "/take", token: f.dispatcher.Token, body: map[string]any{"reply_due_at": past}}).
			expect(t, 422).problem(t).expectField(t, "reply_due_at")
		e.do(t, req{method: "POST", path: path + "/take", token: f.dispatcher.Token, body: map[string]any{"reply_due_at": "tomorrow"}}).expect(t, 400)
		if after := read(); after.OwnerID != nil || len(after.Events) != len(before.Events) {
			t.Fatalf("a refused take changed the inquiry: %+v", after)
		}

		due := e.clock.Now().Add(10 * time.Minute).UTC().Truncate(time.Second)
		var taken inquiryOut
		e.do(t, req{method: "POST", path: path + "/take", token: f.dispatcher.Token, body: map[string]any{"reply_due_at": due.Format(time.RFC3339)}}).
			expect(t, 200).decode(t, &taken)
		if taken.ReplyDueAt == nil || !taken.ReplyDueAt.Equal(due) || taken.Overdue || !isID(taken.OwnerID, f.dispatcher.ID) {
			t.Fatalf("taken with a reply time: %+v", taken)
		}
		later := due.Add(time.Hour).Format(time.RFC3339)
		e.do(t, req{method: "POST", path: path + "/take", token: f.dispatcher.Token, body: map[string]any{"reply_due_at": later}}).expect(t, 200)
		if again := read(); !again.ReplyDueAt.Equal(due) {
			t.Fatalf("taking one's own inquiry again moved its reply time to %v", again.ReplyDueAt)
		}

		e.clock.Advance(11 * time.Minute) // within the access tokens' 15 minutes
		var overdue struct{ Items []inquiryOut }
		e.do(t, req{method: "GET", path: "/v1/inquiries?overdue=true", token: f.manager.Token}).expect(t, 200).decode(t, &overdue)
		if len(overdue.Items) != 1 || overdue.Items[0].ID != id || !overdue.Items[0].Overdue {
			t.Fatalf("overdue inquiries %+v, want the one taken with a reply time", overdue.Items)
		}
	})
}
