package api_test

import (
	"strconv"
	"strings"
	"testing"
)

// Request input the HTTP layer judges before any handler: media types,
// bodies on operations that take none, If-Match tags, and the messages of
// a 400.

func TestBody_2xx_MediaTypeMatchedCaseInsensitively(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		for i, ct := range []string{"APPLICATION/JSON", "Application/Json; Charset=UTF-8", "application/json;charset=utf-8", "application/json; charset=\"utf-8\""} {
			t.Run(ct, func(t *testing.T) {
				name := "Media " + strings.Repeat("m", i+1)
				var c customerOut
				e.do(t, req{method: "POST", path: "/v1/customers", token: e.admin, body: customerBody(name, "Bo", "13800138000"),
					header: map[string]string{"Content-Type": ct}}).expect(t, 201).decode(t, &c)
				e.do(t, req{method: "PATCH", path: "/v1/customers/" + c.ID.String(), token: e.admin, body: map[string]any{"notes": "via " + ct},
					header: map[string]string{"Content-Type": ct}}).expect(t, 200)
				if got := e.getCustomer(t, c.ID); got.Name != name {
					t.Fatalf("stored %+v", got)
				}
			})
		}
	})
}

func TestBodylessPost_200_AcceptsAnEmptyObjectOrAnEmptyJSONBody(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.newWOCast(t)
		o := e.woDrive(t, c, woRequested)
		// What mobile HTTP clients send on every POST.
		o = e.woStep(t, c.manager.Token, o, "approve", map[string]any{})
		o = e.woStep(t, c.dispatcher.Token, o, "assign", map[string]any{"technician_id": c.tech.ID})
		o = e.woStep(t, c.tech.Token, o, "accept", "") // Content-Type: application/json, no body
		if o.Status != "accepted" {
			t.Fatalf("status %s", o.Status)
		}
		h := e.woDrive(t, c, woOnHold)
		if h = e.woStep(t, c.tech.Token, h, "resume", " {\n} "); h.Status != "on_site" {
			t.Fatalf("resumed to %s", h.Status)
		}

		// Anything else is still refused, and changes nothing.
		q := e.woDrive(t, c, woRequested)
		for _, bad := range []struct {
			name, body, ctype string
		}{
			{"an object with a member", `{"reason":"x"}`, ""},
			{"an array", `[]`, ""},
			{"null", `null`, ""},
			{"an empty object as text", `{}`, "text/plain"},
			{"two objects", `{}{}`, ""},
		} {
			t.Run(bad.name, func(t *testing.T) {
				snap := e.woSnapshot(t, q.ID)
				r := req{method: "POST", path: "/v1/work-orders/" + q.ID.String() + "/approve", token: c.manager.Token, body: bad.body,
					header: map[string]string{"If-Match": `"` + strconv.Itoa(q.Version) + `"`}}
				if bad.ctype != "" {
					r.header["Content-Type"] = bad.ctype
				}
				e.do(t, r).expect(t, 400).problem(t).expectField(t, "body")
				e.woUnchanged(t, q.ID, snap)
			})
		}
	}, woNoRateLimit)
}

func TestIfMatch_412_WhenTheTagIsNoVersion(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.newWOCast(t)
		o := e.woDrive(t, c, woRequested)
		for _, tag := range []string{`"99999999999999999999"`, `W/"99999999999999999999"`, `"0"`, `0`} {
			t.Run(tag, func(t *testing.T) {
				snap := e.woSnapshot(t, o.ID)
				p := e.do(t, req{method: "POST", path: "/v1/work-orders/" + o.ID.String() + "/approve", token: c.manager.Token,
					header: map[string]string{"If-Match": tag}}).expect(t, 412).problem(t)
				if !strings.Contains(p.Detail, "no version of this order") || strings.Contains(p.Detail, "not -1") {
					t.Fatalf("detail %q", p.Detail)
				}
				e.woUnchanged(t, o.ID, snap)
			})
		}
		var cp complaintOut
		e.do(t, req{method: "POST", path: "/v1/complaints", token: c.dispatcher.Token, body: complaintBody(c.customer, "minor")}).expect(t, 201).decode(t, &cp)
		p := e.do(t, req{method: "POST", path: "/v1/complaints/" + cp.ID.String() + "/acknowledge", token: c.dispatcher.Token,
			header: map[string]string{"If-Match": `"99999999999999999999"`}}).expect(t, 412).problem(t)
		if !strings.Contains(p.Detail, "no version of this complaint") {
			t.Fatalf("complaint detail %q", p.Detail)
		}
	}, woNoRateLimit)
}

// fieldMessage is the message the problem gives for field, or fails.
func (p problem) fieldMessage(t *testing.T, field string) string {
	t.Helper()
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	t.Fatalf("no error for %q in %+v", field, p.Errors)
	return ""
}

func TestBadBody_400_NamesEachFieldAndWhatItExpects(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.newWOCast(t)
		approved := e.woDrive(t, c, woApproved)
		accepted := e.woDrive(t, c, woAccepted)
		repair := repairBody(c.fleet, "normal")
		for _, tc := range []struct {
			name, action string
			o            workOrder
			body         any
			field        string
			says         []string
		}{
			{"assign with neither", "assign", approved, map[string]any{}, "body", []string{"give exactly one of", "technician_id", "contractor"}},
			{"assign with both", "assign", approved, map[string]any{"technician_id": c.tech.ID, "contractor": woContractorBody}, "body",
				[]string{"exactly one of", "technician_id", "contractor"}},
			{"depart without a body", "depart", accepted, nil, "checklist", []string{"is required", "details_verified", "tools_ready", "parts_ready"}},
			{"depart with an empty body", "depart", accepted, "", "checklist", []string{"is required"}},
			{"depart without a checklist item", "depart", accepted, map[string]any{"checklist": map[string]any{"details_verified": true, "tools_ready": true}},
				"checklist.parts_ready", []string{"is required", "true or false"}},
			{"depart with an unknown item", "depart", accepted, map[string]any{"checklist": map[string]any{"details_verified": true, "tools_ready": true, "parts_ready": true, "fuel": true}},
				"checklist.fuel", []string{"not a member", "details_verified"}},
			{"arrive with lat as a string", "arrive", accepted, map[string]any{"lat": "22.5", "lng": 114.0}, "lat", []string{"number", "-90", "90"}},
			{"arrive with lng null", "arrive", accepted, map[string]any{"lat": 22.5, "lng": nil}, "lng", []string{"not be null"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				snap := e.woSnapshot(t, tc.o.ID)
				r := e.act(t, c.manager.Token, tc.o, tc.action, tc.body)
				if tc.body == nil {
					hr := e.buildRequest(t, req{method: "POST", path: "/v1/work-orders/" + tc.o.ID.String() + "/" + tc.action, token: c.tech.Token,
						header: map[string]string{"If-Match": `"` + strconv.Itoa(tc.o.Version) + `"`}})
					r = e.exchange(t, hr)
				}
				msg := r.expect(t, 400).problem(t).fieldMessage(t, tc.field)
				for _, s := range tc.says {
					if !strings.Contains(msg, s) {
						t.Errorf("%s: message %q does not say %q", tc.field, msg, s)
					}
				}
				e.woUnchanged(t, tc.o.ID, snap)
			})
		}
		t.Run("site not an object", func(t *testing.T) {
			before := e.woListIDs(t, e.admin)
			p := e.do(t, req{method: "POST", path: "/v1/work-orders", token: c.dispatcher.Token, body: woWith(repair, "site", "Depot 3", "priority", "asap")}).
				expect(t, 400).problem(t)
			if msg := p.fieldMessage(t, "site"); !strings.Contains(msg, "object") || !strings.Contains(msg, "address") {
				t.Errorf("site: %q", msg)
			}
			if msg := p.fieldMessage(t, "priority"); !strings.Contains(msg, "low, normal, high, urgent") {
				t.Errorf("priority: %q", msg)
			}
			sameIDs(t, "orders", e.woListIDs(t, e.admin), before)
		})
		t.Run("missing required members", func(t *testing.T) {
			p := e.do(t, req{method: "POST", path: "/v1/work-orders", token: c.dispatcher.Token, body: woWith(repair, "customer_id", nil, "site", nil)}).
				expect(t, 400).problem(t)
			if msg := p.fieldMessage(t, "customer_id"); !strings.Contains(msg, "is required") || !strings.Contains(msg, "UUID") {
				t.Errorf("customer_id: %q", msg)
			}
			if msg := p.fieldMessage(t, "site"); !strings.Contains(msg, "is required") || !strings.Contains(msg, "address") {
				t.Errorf("site: %q", msg)
			}
		})
	}, woNoRateLimit)
}

func TestWorkOrderAction_409_SaysTheActionAndTheStateInEnglish(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.newWOCast(t)
		closed := e.woDrive(t, c, woClosed)
		for action, says := range map[string]string{
			"approve": "approve: a work order in state closed can't be approved",
			"hold":    "hold: a work order in state closed can't be put on hold",
			"cancel":  "cancel: a work order in state closed can't be cancelled",
		} {
			var body any
			if action != "approve" {
				body = map[string]any{"reason": "because"}
			}
			p := e.act(t, c.manager.Token, closed, action, body).expect(t, 409).problem(t)
			if !strings.Contains(p.Detail, says) {
				t.Errorf("%s: detail %q, want it to say %q", action, p.Detail, says)
			}
		}
	}, woNoRateLimit)
}
