package api_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// deskFixture is the cast of the service-desk matrix: a user of every role,
// where the technician is the one who installed customer A's trackers and
// the customer user is customer A's; customer B is someone else's, with
// trackers of its own and a customer user who asks through the portal.
type deskFixture struct {
	fleet
	users        map[domain.Role]user
	custB        uuid.UUID
	custUserB    user
	inqA, inqB   uuid.UUID
	compA, compB uuid.UUID
	installA     uuid.UUID // customer A's completed install
}

func newDeskFixture(t *testing.T, e *env) *deskFixture {
	t.Helper()
	f := &deskFixture{fleet: e.newFleet(t), users: map[domain.Role]user{}}
	// A completed install plans the callbacks the complete rows use.
	f.installA = e.completedInstall(t, &f.fleet).ID
	fleetB := e.newFleet(t)
	e.completedInstall(t, &fleetB)
	f.custB, f.custUserB = fleetB.customer, fleetB.custUser
	f.users[domain.RoleAdmin] = user{ID: e.meID(t, e.admin), Username: "admin", Token: e.admin}
	f.users[domain.RoleManager] = f.manager
	f.users[domain.RoleDispatcher] = f.dispatcher
	f.users[domain.RoleTechnician] = f.tech
	f.users[domain.RoleFinance] = e.createUser(t, domain.RoleFinance, uuid.Nil)
	f.users[domain.RoleCustomer] = f.custUser
	f.inqA, f.inqB = e.openInquiry(t, f.customer), e.openInquiry(t, f.custB)
	f.compA, f.compB = e.openComplaint(t, f.customer).ID, e.openComplaint(t, f.custB).ID
	return f
}

// openInquiry is an open inquiry of the customer taken by the admin.
func (e *env) openInquiry(t *testing.T, customer uuid.UUID) uuid.UUID {
	t.Helper()
	var q inquiryOut
	e.do(t, req{method: "POST", path: "/v1/inquiries", token: e.admin,
		body: inquiryBody(customer, map[string]any{"reply_due_at": e.clock.Now().Add(4 * time.Hour).Format(time.RFC3339)})}).
		expect(t, 201).decode(t, &q)
	return q.ID
}

// queuedInquiry is an inquiry the customer user asked through the portal,
// waiting unowned in the desk's queue.
func (e *env) queuedInquiry(t *testing.T, custUser user) uuid.UUID {
	t.Helper()
	var q inquiryOut
	body := inquiryBody(uuid.Nil, map[string]any{"channel": "portal"})
	delete(body, "customer_id") // the portal asks for the user's own customer
	e.do(t, req{method: "POST", path: "/v1/inquiries", token: custUser.Token, body: body}).expect(t, 201).decode(t, &q)
	if q.OwnerID != nil {
		t.Fatalf("a portal inquiry landed owned: %+v", q)
	}
	return q.ID
}

func (e *env) openComplaint(t *testing.T, customer uuid.UUID) complaintOut {
	t.Helper()
	var c complaintOut
	e.do(t, req{method: "POST", path: "/v1/complaints", token: e.admin, body: complaintBody(customer, "major")}).expect(t, 201).decode(t, &c)
	return c
}

// deskCall is one operation as the matrix calls it. Steps that change state
// get a fresh object from prepare, so every role meets the same state.
type deskCall struct {
	method, path string
	header       map[string]string
	body         any
}

type deskEndpoint struct {
	name    string
	prepare func(t *testing.T, e *env, f *deskFixture) deskCall
}

func deskGet(name, path string) deskEndpoint {
	return deskEndpoint{name: name, prepare: func(*testing.T, *env, *deskFixture) deskCall { return deskCall{method: "GET", path: path} }}
}

func deskEndpoints(f *deskFixture) []deskEndpoint {
	complaintStep := func(action string, owner func() uuid.UUID, resolveFirst bool, body any) func(*testing.T, *env, *deskFixture) deskCall {
		return func(t *testing.T, e *env, _ *deskFixture) deskCall {
			c := e.openComplaint(t, owner())
			if resolveFirst {
				e.complaintStep(t, e.admin, c, "acknowledge", nil).expect(t, 200).decode(t, &c)
				e.complaintStep(t, e.admin, c, "resolve", map[string]any{"resolution": "Apologised, re-trained.", "customer_informed": true}).
					expect(t, 200).decode(t, &c)
			}
			return deskCall{method: "POST", path: "/v1/complaints/" + c.ID.String() + "/" + action, body: body,
				header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, c.Version)}}
		}
	}
	inquiryStep := func(action string, owner uuid.UUID, body func(f *deskFixture) any) func(*testing.T, *env, *deskFixture) deskCall {
		return func(t *testing.T, e *env, f *deskFixture) deskCall {
			return deskCall{method: "POST", path: "/v1/inquiries/" + e.openInquiry(t, owner).String() + "/" + action, body: body(f)}
		}
	}
	queuedStep := func(action string, custUser func(f *deskFixture) user, body any) func(*testing.T, *env, *deskFixture) deskCall {
		return func(t *testing.T, e *env, f *deskFixture) deskCall {
			return deskCall{method: "POST", path: "/v1/inquiries/" + e.queuedInquiry(t, custUser(f)).String() + "/" + action, body: body}
		}
	}
	custUserA, custUserB := func(f *deskFixture) user { return f.custUser }, func(f *deskFixture) user { return f.custUserB }
	// callbackStep records a reached call on the customer's next scheduled
	// callback, with its ETag; a reached call plans the next one.
	callbackStep := func(customer func() uuid.UUID) func(*testing.T, *env, *deskFixture) deskCall {
		return func(t *testing.T, e *env, _ *deskFixture) deskCall {
			cbs := e.scheduledCallbacks(t, customer())
			if len(cbs) == 0 {
				t.Fatal("no scheduled callback left")
			}
			return deskCall{method: "POST", path: "/v1/callbacks/" + cbs[0].ID.String() + "/complete",
				body: map[string]any{"outcome": "reached", "satisfaction": 5}, header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, cbs[0].Version)}}
		}
	}
	callbackGet := func(customer func() uuid.UUID) func(*testing.T, *env, *deskFixture) deskCall {
		return func(t *testing.T, e *env, _ *deskFixture) deskCall {
			return deskCall{method: "GET", path: "/v1/callbacks/" + e.scheduledCallbacks(t, customer())[0].ID.String()}
		}
	}
	a, b := func() uuid.UUID { return f.customer }, func() uuid.UUID { return f.custB }
	return []deskEndpoint{
		{name: "POST /v1/inquiries", prepare: func(_ *testing.T, _ *env, f *deskFixture) deskCall {
			return deskCall{method: "POST", path: "/v1/inquiries", body: inquiryBody(f.customer, map[string]any{"channel": "portal", "answer": "Yes."})}
		}},
		{name: "POST /v1/inquiries (ask)", prepare: func(_ *testing.T, _ *env, f *deskFixture) deskCall {
			return deskCall{method: "POST", path: "/v1/inquiries", body: inquiryBody(f.customer, map[string]any{"channel": "portal"})}
		}},
		deskGet("GET /v1/inquiries", "/v1/inquiries?overdue=true"),
		deskGet("GET /v1/inquiries/{A}", "/v1/inquiries/"+f.inqA.String()),
		deskGet("GET /v1/inquiries/{B}", "/v1/inquiries/"+f.inqB.String()),
		{name: "POST /v1/inquiries/{A}/answer", prepare: inquiryStep("answer", f.customer, func(*deskFixture) any { return map[string]any{"answer": "Done."} })},
		{name: "POST /v1/inquiries/{B}/answer", prepare: inquiryStep("answer", f.custB, func(*deskFixture) any { return map[string]any{"answer": "Done."} })},
		{name: "POST /v1/inquiries/{A}/handover", prepare: inquiryStep("handover", f.customer, func(f *deskFixture) any {
			return map[string]any{"to_user_id": f.dispatcher.ID, "note": "Yours."}
		})},
		{name: "POST /v1/inquiries/{A}/take", prepare: queuedStep("take", custUserA, nil)},
		{name: "POST /v1/inquiries/{B}/take", prepare: queuedStep("take", custUserB, nil)},
		{name: "POST /v1/inquiries/{A}/take (taken)", prepare: inquiryStep("take", f.customer, func(*deskFixture) any { return nil })},
		{name: "POST /v1/inquiries/{A}/answer (queued)", prepare: queuedStep("answer", custUserA, map[string]any{"answer": "Done."})},
		{name: "POST /v1/inquiries/{A}/handover (queued)", prepare: func(t *testing.T, e *env, f *deskFixture) deskCall {
			return queuedStep("handover", custUserA, map[string]any{"to_user_id": f.manager.ID, "note": "Yours."})(t, e, f)
		}},
		{name: "POST /v1/inquiries/{A}/work-order", prepare: inquiryStep("work-order", f.customer, func(f *deskFixture) any { return repairBody(f.fleet, "normal") })},
		{name: "POST /v1/complaints", prepare: func(_ *testing.T, _ *env, f *deskFixture) deskCall {
			return deskCall{method: "POST", path: "/v1/complaints", body: complaintBody(f.customer, "minor")}
		}},
		deskGet("GET /v1/complaints", "/v1/complaints?severity=major"),
		deskGet("GET /v1/complaints/{A}", "/v1/complaints/"+f.compA.String()),
		deskGet("GET /v1/complaints/{B}", "/v1/complaints/"+f.compB.String()),
		{name: "POST /v1/complaints/{A}/acknowledge", prepare: complaintStep("acknowledge", a, false, nil)},
		{name: "POST /v1/complaints/{B}/acknowledge", prepare: complaintStep("acknowledge", b, false, nil)},
		{name: "POST /v1/complaints/{A}/close", prepare: complaintStep("close", a, true, nil)},
		{name: "POST /v1/complaints/{A}/reopen", prepare: complaintStep("reopen", a, true, map[string]any{"reason": "Still late."})},
		{name: "POST /v1/complaints/{B}/reopen", prepare: complaintStep("reopen", b, true, map[string]any{"reason": "Still late."})},
		deskGet("GET /v1/callbacks", "/v1/callbacks?customer_id="+f.customer.String()),
		{name: "GET /v1/callbacks/{A}", prepare: callbackGet(a)},
		{name: "GET /v1/callbacks/{B}", prepare: callbackGet(b)},
		{name: "POST /v1/callbacks/{A}/complete", prepare: callbackStep(a)},
		{name: "POST /v1/callbacks/{B}/complete", prepare: callbackStep(b)},
		// Rated once, by the customer, who comes last in the role order.
		{name: "POST /v1/work-orders/{A}/feedback", prepare: func(_ *testing.T, _ *env, f *deskFixture) deskCall {
			return deskCall{method: "POST", path: "/v1/work-orders/" + f.installA.String() + "/feedback", body: map[string]any{"rating": 4}}
		}},
		deskGet("GET /v1/notifications", "/v1/notifications"),
		{name: "POST /v1/webhooks", prepare: func(*testing.T, *env, *deskFixture) deskCall {
			return deskCall{method: "POST", path: "/v1/webhooks",
				body: map[string]any{"url": "https://hooks.example.com/fieldwork", "events": []string{"complaint.escalated"}, "secret": "0123456789abcdef"}}
		}},
	}
}

// deskWant is the expected status by role, in the order of domain.Roles:
// admin, manager, dispatcher, technician, finance, customer (of customer A).
// It restates the desk's rules: staff run the desk; a customer user files
// and reads its own customer's inquiries and complaints, and may reopen its
// complaint; technicians and finance see none of it (403 on lists and
// creation, 404 on a record). A customer user asks but never answers: it
// may not give an answer (403), and its question waits unowned for staff,
// while staff must answer at once or agree a reply time (422). An inquiry
// is changed by its owner (the admin who took it here) or a manager, one
// nobody owns by the first staff member who takes, answers or hands it
// over; taking one someone owns is 409. Complaints close by a manager;
// callbacks and notifications are staff's (a customer user is refused its
// own customer's callbacks, 403), webhooks the admin's; only the order's
// customer rates its completed order.
var deskWant = map[string][6]int{
	//                                      admin manager dispatcher technician finance customer
	"POST /v1/inquiries":                       {201, 201, 201, 403, 403, 403},
	"POST /v1/inquiries (ask)":                 {422, 422, 422, 403, 403, 201},
	"GET /v1/inquiries":                        {200, 200, 200, 403, 403, 200},
	"GET /v1/inquiries/{A}":                    {200, 200, 200, 404, 404, 200},
	"GET /v1/inquiries/{B}":                    {200, 200, 200, 404, 404, 404},
	"POST /v1/inquiries/{A}/answer":            {200, 200, 403, 404, 404, 403},
	"POST /v1/inquiries/{B}/answer":            {200, 200, 403, 404, 404, 404},
	"POST /v1/inquiries/{A}/handover":          {200, 200, 403, 404, 404, 403},
	"POST /v1/inquiries/{A}/take":              {200, 200, 200, 404, 404, 403},
	"POST /v1/inquiries/{B}/take":              {200, 200, 200, 404, 404, 404},
	"POST /v1/inquiries/{A}/take (taken)":      {200, 409, 409, 404, 404, 403},
	"POST /v1/inquiries/{A}/answer (queued)":   {200, 200, 200, 404, 404, 403},
	"POST /v1/inquiries/{A}/handover (queued)": {200, 200, 200, 404, 404, 403},
	"POST /v1/inquiries/{A}/work-order":        {201, 201, 201, 404, 404, 403},
	"POST /v1/complaints":                      {201, 201, 201, 403, 403, 201},
	"GET /v1/complaints":                       {200, 200, 200, 403, 403, 200},
	"GET /v1/complaints/{A}":                   {200, 200, 200, 404, 404, 200},
	"GET /v1/complaints/{B}":                   {200, 200, 200, 404, 404, 404},
	"POST /v1/complaints/{A}/acknowledge":      {200, 200, 200, 404, 404, 403},
	"POST /v1/complaints/{B}/acknowledge":      {200, 200, 200, 404, 404, 404},
	"POST /v1/complaints/{A}/close":            {200, 200, 403, 404, 404, 403},
	"POST /v1/complaints/{A}/reopen":           {200, 200, 200, 404, 404, 200},
	"POST /v1/complaints/{B}/reopen":           {200, 200, 200, 404, 404, 404},
	"GET /v1/callbacks":                        {200, 200, 200, 403, 403, 403},
	"GET /v1/callbacks/{A}":                    {200, 200, 200, 404, 404, 403},
	"GET /v1/callbacks/{B}":                    {200, 200, 200, 404, 404, 404},
	"POST /v1/callbacks/{A}/complete":          {200, 200, 200, 404, 404, 403},
	"POST /v1/callbacks/{B}/complete":          {200, 200, 200, 404, 404, 404},
	"POST /v1/work-orders/{A}/feedback":        {403, 403, 403, 403, 403, 201},
	"GET /v1/notifications":                    {200, 200, 200, 403, 403, 403},
	"POST /v1/webhooks":                        {201, 403, 403, 403, 403, 403},
}

func TestDeskMatrix_EveryRoleOnEveryEndpoint(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := newDeskFixture(t, e)
		endpoints := deskEndpoints(f)
		if len(deskWant) != len(endpoints) {
			t.Fatalf("%d expectations for %d endpoints", len(deskWant), len(endpoints))
		}
		for _, ep := range endpoints {
			status, ok := deskWant[ep.name]
			if !ok {
				t.Fatalf("no expectation for %s", ep.name)
			}
			for i, role := range domain.Roles {
				t.Run(fmt.Sprintf("%s/%s->%d", role, ep.name, status[i]), func(t *testing.T) {
					c := ep.prepare(t, e, f)
					e.do(t, req{method: c.method, path: c.path, token: f.users[role].Token, header: c.header, body: c.body}).expect(t, status[i])
				})
			}
		}
	})
}
