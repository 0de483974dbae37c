package api_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/api"
	"github.com/fieldwork/fieldwork/domain"
)

// badInputFixture is a small world to throw bad input at, and a manager's
// token to look at it with (the manager's request budget is its own).
type badInputFixture struct {
	custA, vehA uuid.UUID
	tech        user
	watcher     string
}

func newBadInputFixture(t *testing.T, e *env) *badInputFixture {
	t.Helper()
	f := &badInputFixture{custA: e.createCustomer(t, "Acme")}
	f.vehA = e.createVehicle(t, f.custA, "粤B12345")
	f.tech = e.createUser(t, domain.RoleTechnician, uuid.Nil)
	f.watcher = e.createUser(t, domain.RoleManager, uuid.Nil).Token
	return f
}

// apiWorld is everything the API can show: every user, customer and vehicle.
type apiWorld struct {
	Users     []userOut
	Customers []customerOut
	Vehicles  []vehicleOut
}

func (f *badInputFixture) world(t *testing.T, e *env) apiWorld {
	t.Helper()
	return apiWorld{
		Users:     listAll(t, e, f.watcher, "/v1/users", 200, userID),
		Customers: listAll(t, e, f.watcher, "/v1/customers", 200, customerID),
		Vehicles:  listAll(t, e, f.watcher, "/v1/vehicles", 200, vehicleID),
	}
}

// unchanged fails unless the world is as it was.
func (f *badInputFixture) unchanged(t *testing.T, e *env, before apiWorld) {
	t.Helper()
	after := f.world(t, e)
	for _, c := range []struct {
		what          string
		before, after any
	}{{"users", before.Users, after.Users}, {"customers", before.Customers, after.Customers}, {"vehicles", before.Vehicles, after.Vehicles}} {
		if !reflect.DeepEqual(c.before, c.after) {
			t.Fatalf("a rejected request changed the %s:\nbefore %s\nafter  %s", c.what, mustJSON(t, c.before), mustJSON(t, c.after))
		}
	}
}

// bodyEndpoint is an operation that takes a JSON body, with a valid body
// for it and the limits of one of its strings.
type bodyEndpoint struct {
	name, method string
	path         func(f *badInputFixture) string
	valid        func(f *badInputFixture) map[string]any
	// text is a free-text field, max its length in characters.
	text string
	max  int
	// typed is a field and a value of the wrong JSON type for it.
	typed   string
	badType any
}

var bodyEndpoints = []bodyEndpoint{
	{name: "POST /v1/users", method: "POST", path: func(*badInputFixture) string { return "/v1/users" },
		valid: func(*badInputFixture) map[string]any {
			return map[string]any{"username": "newbie", "password": "0123456789", "display_name": "Newbie", "role": "technician"}
		},
		text: "display_name", max: 100, typed: "role", badType: 3},
	{name: "PATCH /v1/users/{id}", method: "PATCH", path: func(f *badInputFixture) string { return "/v1/users/" + f.tech.ID.String() },
		valid: func(*badInputFixture) map[string]any {
			return map[string]any{"display_name": "Renamed", "phone": "13800138000"}
		},
		text: "display_name", max: 100, typed: "disabled", badType: "yes"},
	{name: "POST /v1/customers", method: "POST", path: func(*badInputFixture) string { return "/v1/customers" },
		valid: func(*badInputFixture) map[string]any { return customerBody("Bolt", "Bo", "13800138000") },
		text:  "name", max: 200, typed: "phone", badType: 13800138000},
	{name: "PATCH /v1/customers/{id}", method: "PATCH", path: func(f *badInputFixture) string { return "/v1/customers/" + f.custA.String() },
		valid: func(*badInputFixture) map[string]any { return map[string]any{"name": "Acme 2", "notes": "n"} },
		text:  "name", max: 200, typed: "notes", badType: []string{"n"}},
	{name: "POST /v1/vehicles", method: "POST", path: func(*badInputFixture) string { return "/v1/vehicles" },
		valid: func(f *badInputFixture) map[string]any {
			return map[string]any{"customer_id": f.custA, "plate": "粤C55555", "model": "Foton"}
		},
		text: "model", max: 100, typed: "customer_id", badType: 42},
	{name: "PATCH /v1/vehicles/{id}", method: "PATCH", path: func(f *badInputFixture) string { return "/v1/vehicles/" + f.vehA.String() },
		valid: func(*badInputFixture) map[string]any {
			return map[string]any{"plate": "粤D66666", "driver_name": "Wang"}
		},
		text: "plate", max: 16, typed: "vin", badType: true},
}

// withMember is a copy of m with the members set.
func withMember(m map[string]any, kv ...any) map[string]any {
	out := maps.Clone(m)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// bodyCase is one flawed body; field is a field the problem must name, if
// any; status is 400 unless set.
type bodyCase struct {
	name, field, ctype string
	body               any
	status             int
}

func TestBadBody_400or415_AndNothingWritten(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := newBadInputFixture(t, e)
		before := f.world(t, e)
		for _, ep := range bodyEndpoints {
			valid := ep.valid(f)
			validJSON := string(mustJSON(t, valid))
			cases := []bodyCase{
				{name: "unknown field", body: withMember(valid, "unknown", 1)},
				{name: "unknown field differing in case", body: withMember(valid, strings.ToUpper(ep.text), "x")},
				{name: "wrong type", body: withMember(valid, ep.typed, ep.badType), field: ep.typed},
				{name: "null for a non-nullable field", body: withMember(valid, ep.text, nil), field: ep.text},
				{name: "over-long string", body: withMember(valid, ep.text, strings.Repeat("a", ep.max+1)), field: ep.text},
				{name: "over-long string in runes", body: withMember(valid, ep.text, strings.Repeat("顺", ep.max+1)), field: ep.text},
				{name: "invalid JSON", body: `{"` + ep.text + `": "x",`},
				{name: "single quotes", body: `{'` + ep.text + `': 'x'}`},
				{name: "trailing garbage", body: validJSON + ` garbage`},
				{name: "two objects", body: validJSON + validJSON},
				{name: "array", body: `[` + validJSON + `]`},
				{name: "string", body: `"x"`},
				{name: "null", body: `null`},
				{name: "empty body", body: ``},
				{name: "whitespace body", body: " \n "},
				{name: "invalid UTF-8 in a string", body: `{"` + ep.text + `": "a` + "\xff\xfe" + `b"}`, field: "body"},
				{name: "invalid UTF-8, else valid", body: strings.Replace(validJSON, `":"`, `":"`+"\xff", 1), field: "body"},
				{name: "not JSON content", body: validJSON, ctype: "text/plain", status: 415},
				{name: "form content", body: ep.text + "=x", ctype: "application/x-www-form-urlencoded", status: 415},
				{name: "no content type", body: validJSON, ctype: "-", status: 415},
				{name: "charset other than UTF-8", body: validJSON, ctype: "application/json; charset=ISO-8859-1", status: 415},
				{name: "charset UTF-16", body: validJSON, ctype: "Application/JSON; Charset=UTF-16", status: 415},
			}
			if ep.name == "POST /v1/vehicles" {
				cases = append(cases, bodyCase{name: "customer_id not a uuid", body: withMember(valid, "customer_id", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz")})
			}
			for _, c := range cases {
				ok := t.Run(ep.name+"/"+c.name, func(t *testing.T) {
					r := req{method: ep.method, path: ep.path(f), token: e.admin, body: c.body}
					if c.ctype != "" {
						r.header = map[string]string{"Content-Type": c.ctype}
					}
					want := c.status
					if want == 0 {
						want = 400
					}
					hr := e.buildRequest(t, r)
					if c.ctype == "-" {
						hr.Header.Del("Content-Type")
					}
					p := e.exchange(t, hr).expect(t, want).problem(t)
					if c.field != "" {
						p.expectField(t, c.field)
					}
					f.unchanged(t, e, before)
				})
				if !ok {
					before = f.world(t, e) // report each flaw once, not again in every later case
				}
			}
			// The valid body itself is accepted: the cases fail for their one flaw.
			t.Run(ep.name+"/valid", func(t *testing.T) {
				res := e.do(t, req{method: ep.method, path: ep.path(f), token: e.admin, body: valid})
				if res.Status != 200 && res.Status != 201 {
					t.Fatalf("valid body: %d %s", res.Status, res.Body)
				}
				before = f.world(t, e)
			})
		}
	})
}

// bigBody is a JSON object of exactly n bytes: one string member padded out.
func bigBody(field string, n int) []byte {
	head, tail := `{"`+field+`":"`, `"}`
	return []byte(head + strings.Repeat("a", n-len(head)-len(tail)) + tail)
}

func TestBadBody_413_WhenOver1MiB(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := newBadInputFixture(t, e)
		before := f.world(t, e)
		const limit = 1 << 20
		for _, ep := range bodyEndpoints {
			t.Run(ep.name, func(t *testing.T) {
				// At the limit the body is read, and fails only the schema.
				p := e.do(t, req{method: ep.method, path: ep.path(f), token: e.admin, body: bigBody(ep.text, limit)}).expect(t, 400).problem(t)
				p.expectField(t, ep.text)
				// One byte over, with a Content-Length, it is refused unread.
				e.do(t, req{method: ep.method, path: ep.path(f), token: e.admin, body: bigBody(ep.text, limit+1)}).expect(t, 413)
				// Without a Content-Length, reading it finds it too large.
				e.doStreamed(t, ep.method, ep.path(f), e.admin, bytes.NewReader(bigBody(ep.text, limit+1))).expect(t, 413)
				e.doStreamed(t, ep.method, ep.path(f), e.admin, bytes.NewReader(bigBody(ep.text, 4*limit))).expect(t, 413)
				// Even before the caller is known.
				e.do(t, req{method: ep.method, path: ep.path(f), body: bigBody(ep.text, limit+1)}).expect(t, 413)
				f.unchanged(t, e, before)
			})
		}
	})
}

func TestBadPath_400_WhenIDIsNotAUUID(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := newBadInputFixture(t, e)
		before := f.world(t, e)
		bodies := map[string]any{
			"users":     map[string]any{"display_name": "x"},
			"customers": map[string]any{"name": "x"},
			"vehicles":  map[string]any{"model": "x"},
		}
		for _, res := range []string{"users", "customers", "vehicles"} {
			for _, id := range []string{
				"not-a-uuid",
				"123",
				"zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
				strings.ReplaceAll(uuid.NewString(), "-", ""),
				uuid.NewString() + "0",
				"%7B" + uuid.NewString() + "%7D",
				"%20" + uuid.NewString()[1:],
				"'%20OR%201=1--",
			} {
				for _, m := range []string{"GET", "PATCH"} {
					t.Run(fmt.Sprintf("%s /v1/%s/%s", m, res, id), func(t *testing.T) {
						r := req{method: m, path: "/v1/" + res + "/" + id, token: e.admin}
						if m == "PATCH" {
							r.body = bodies[res]
						}
						p := e.do(t, r).expect(t, 400).problem(t)
						// kin-openapi does not check format: uuid, so a 36-character
						// non-UUID is refused by the generated binder, which names no field.
						if len(p.Errors) > 0 {
							p.expectField(t, "path.id")
						}
						f.unchanged(t, e, before)
					})
				}
			}
		}
	})
}

func cursorOf(keys ...string) string {
	if keys == nil {
		keys = []string{}
	}
	b, _ := json.Marshal(keys)
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestBadQuery_400_WhenListParametersMalformed(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := newBadInputFixture(t, e)
		before := f.world(t, e)
		type badParam struct {
			name, query, field string
		}
		common := []badParam{
			{"limit 0", "limit=0", "query.limit"},
			{"limit 201", "limit=201", "query.limit"},
			{"limit -1", "limit=-1", "query.limit"},
			{"limit not a number", "limit=ten", "query.limit"},
			{"limit fraction", "limit=1.5", "query.limit"},
			{"limit huge", "limit=99999999999999999999", "query.limit"},
			{"cursor bad characters", "cursor=" + "%21%21%21", "query.cursor"},
			{"cursor padded base64", "cursor=" + base64.URLEncoding.EncodeToString([]byte(`["x"]`)), "query.cursor"},
			{"cursor over 512", "cursor=" + strings.Repeat("A", 513), "query.cursor"},
			{"cursor not base64 JSON", "cursor=abc", "cursor"},
			{"cursor not a uuid", "cursor=" + cursorOf("not-a-uuid"), "cursor"},
			{"cursor two keys", "cursor=" + cursorOf(uuid.NewString(), uuid.NewString()), "cursor"},
			{"cursor no keys", "cursor=" + cursorOf(), "cursor"},
			{"cursor an object", "cursor=" + base64.RawURLEncoding.EncodeToString([]byte(`{"id":1}`)), "cursor"},
		}
		search := []badParam{
			{"q over 100", "q=" + strings.Repeat("q", 101), "query.q"},
			{"q over 100 in runes", "q=" + strings.Repeat("%E9%A1%BA", 101), "query.q"},
			{"q control character", "q=a%01b", "query.q"},
			{"q newline", "q=a%0Ab", "query.q"},
		}
		lists := map[string][]badParam{
			"/v1/users": append(append([]badParam{}, common...),
				badParam{"role unknown", "role=root", "query.role"},
				badParam{"role upper case", "role=ADMIN", "query.role"}),
			"/v1/customers": append(append([]badParam{}, common...), search...),
			"/v1/vehicles": append(append(append([]badParam{}, common...), search...),
				badParam{"customer_id not a uuid", "customer_id=acme", "query.customer_id"}),
			"/v1/inquiries": append(append([]badParam{}, common...),
				badParam{"owner_id neither a uuid nor none", "owner_id=nobody", "query.owner_id"},
				badParam{"owner_id NONE", "owner_id=NONE", "query.owner_id"},
				badParam{"owner_id empty", "owner_id=", "query.owner_id"},
				badParam{"owner_id uuid without dashes", "owner_id=" + strings.ReplaceAll(uuid.NewString(), "-", ""), "query.owner_id"},
				badParam{"owner_id none and more", "owner_id=none%20", "query.owner_id"}),
		}
		for path, params := range lists {
			for _, c := range params {
				t.Run(path+"/"+c.name, func(t *testing.T) {
					p := e.do(t, req{method: "GET", path: path + "?" + c.query, token: e.admin}).expect(t, 400).problem(t)
					p.expectField(t, c.field)
					f.unchanged(t, e, before)
				})
			}
			// The edges themselves are fine.
			for _, q := range []string{"limit=1", "limit=200", "q=" + strings.Repeat("顺", 100)} {
				if (path == "/v1/users" || path == "/v1/inquiries") && strings.HasPrefix(q, "q=") {
					continue
				}
				e.do(t, req{method: "GET", path: path + "?" + q, token: e.admin}).expect(t, 200)
			}
		}
	})
}

func TestBadText_400_WhenControlCharacters(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := newBadInputFixture(t, e)
		before := f.world(t, e)
		for _, ep := range bodyEndpoints {
			for _, s := range []string{"a\u0007b", "a\u0000b", "a\u001bb", "a\u007fb", "a\u0085b", "a\u009bb", "a\rb", "\u0007"} {
				t.Run(fmt.Sprintf("%s/%q", ep.name, s), func(t *testing.T) {
					e.do(t, req{method: ep.method, path: ep.path(f), token: e.admin, body: withMember(ep.valid(f), ep.text, s)}).
						expect(t, 400).problem(t).expectField(t, ep.text)
					f.unchanged(t, e, before)
				})
			}
		}
		// Plates are letters and digits, whatever the schema lets through.
		for _, plate := range []string{"粤B\u007f12345", "粤B\u200b12345", "粤B\u0085123", "粤B#12345", " · - "} {
			for _, r := range []req{
				{method: "POST", path: "/v1/vehicles", token: e.admin, body: map[string]any{"customer_id": f.custA, "plate": plate}},
				{method: "PATCH", path: "/v1/vehicles/" + f.vehA.String(), token: e.admin, body: map[string]any{"plate": plate}},
			} {
				t.Run(r.method+" plate "+fmt.Sprintf("%q", plate), func(t *testing.T) {
					e.do(t, r).expect(t, 400).problem(t).expectField(t, "plate")
					f.unchanged(t, e, before)
				})
			}
		}
	})
}

// The desk's operations on one record refuse a malformed id or If-Match
// with 400, and change nothing.
func TestBadInput_400_DeskOperations(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		f.vehicles = f.vehicles[:1]
		e.completedInstall(t, &f)
		cb := e.callback(t, e.admin, e.scheduledCallbacks(t, f.customer)[0].ID)
		q := e.queuedInquiry(t, f.custUser)
		inquiryNow := func() []byte {
			return e.do(t, req{method: "GET", path: "/v1/inquiries/" + q.String(), token: e.admin}).expect(t, 200).Body
		}
		before := inquiryNow()
		unchanged := func(t *testing.T) {
			t.Helper()
			if after := e.callback(t, e.admin, cb.ID); after.Version != cb.Version || after.Attempts != cb.Attempts {
				t.Fatalf("a rejected request changed the callback: %+v, was %+v", after, cb)
			}
			if after := inquiryNow(); !bytes.Equal(after, before) {
				t.Fatalf("a rejected request changed the inquiry:\nbefore %s\nafter  %s", before, after)
			}
		}
		noAnswer := map[string]any{"outcome": "no_answer"}
		for _, id := range []string{"not-a-uuid", "123", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", strings.ReplaceAll(q.String(), "-", ""),
			q.String() + "0", "%7B" + q.String() + "%7D", "'%20OR%201=1--"} {
			for _, r := range []req{
				{method: "POST", path: "/v1/inquiries/" + id + "/take"},
				{method: "GET", path: "/v1/callbacks/" + id},
				{method: "POST", path: "/v1/callbacks/" + id + "/complete", body: noAnswer, header: map[string]string{"If-Match": `"1"`}},
			} {
				t.Run(r.method+" "+r.path, func(t *testing.T) {
					r.token = e.admin
					p := e.do(t, r).expect(t, 400).problem(t)
					if len(p.Errors) > 0 {
						p.expectField(t, "path.id")
					}
					unchanged(t)
				})
			}
		}
		for _, tag := range []string{"abc", `"1"x`, `W/`, `"-1"`, `"1", "2"`, strings.Repeat("1", 41)} {
			t.Run("If-Match "+tag, func(t *testing.T) {
				r := req{method: "POST", path: "/v1/callbacks/" + cb.ID.String() + "/complete", token: e.admin, body: noAnswer,
					header: map[string]string{"If-Match": tag}}
				e.do(t, r).expect(t, 400).problem(t).expectField(t, "header.If-Match")
				unchanged(t)
			})
		}
	})
}

// Every rule on a single field has one home and one status: a value the
// schema admits, the domain's own check of the same rule admits too, so a
// malformed field is always 400 and never, by another path, 422.
func TestTextSchemas_AdmitNothingTheDomainRefuses(t *testing.T) {
	doc, err := api.LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	var probes []string
	for r := rune(0); r < 0x3100; r++ {
		probes = append(probes, "a"+string(r)+"b")
	}
	probes = append(probes, "\u2028x", "x\ufeff", "ok", "two\nlines", "tab\there")
	checked := 0
	for name, ref := range doc.Components.Schemas {
		s := ref.Value
		if s.Pattern == "" || !s.Type.Is("string") || !strings.HasPrefix(s.Pattern, "^[^") {
			continue // identifiers with their own alphabet
		}
		checked++
		for _, p := range probes {
			if s.VisitJSON(p) != nil {
				continue
			}
			var fe domain.FieldErrors
			domain.Text(&fe, name, p, 1, 1<<20)
			if len(fe) > 0 {
				t.Errorf("schema %s admits %q, which domain.Text refuses: %v", name, p, fe)
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d text schemas checked", checked)
	}
}
