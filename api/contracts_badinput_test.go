package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// Malformed contract input is 400 naming the field, and writes nothing.
func TestBadInput_400_ContractOperations(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		c := e.createContract(t, e.admin, e.contractBody(f.customer, map[string]any{"vehicle_ids": []uuid.UUID{f.vehicles[0]}}))
		path := "/v1/contracts/" + c.ID.String()
		current := func() []byte { return e.do(t, req{method: "GET", path: path, token: e.admin}).expect(t, 200).Body }
		before := current()
		list := func() string {
			return string(e.do(t, req{method: "GET", path: "/v1/contracts?customer_id=" + f.customer.String(), token: e.admin}).expect(t, 200).Body)
		}
		listBefore := list()
		unchanged := func(t *testing.T) {
			t.Helper()
			if after := current(); string(after) != string(before) {
				t.Fatalf("a rejected request changed the contract:\nbefore %s\nafter  %s", before, after)
			}
			if after := list(); after != listBefore {
				t.Fatalf("a rejected request wrote a contract:\nbefore %s\nafter  %s", listBefore, after)
			}
		}
		term := func(respond, resolve any) map[string]any {
			return map[string]any{"respond_minutes": respond, "resolve_minutes": resolve}
		}
		bodies := map[string]struct {
			field string
			extra map[string]any
		}{
			"number with a space":    {"body.number", map[string]any{"number": "HT 1"}},
			"number too long":        {"body.number", map[string]any{"number": strings.Repeat("H", 65)}},
			"number not text":        {"body.number", map[string]any{"number": 7}},
			"customer not a uuid":    {"body.customer_id", map[string]any{"customer_id": "acme"}},
			"starts_on not a date":   {"body.starts_on", map[string]any{"starts_on": "2026-13-01"}},
			"ends_on a timestamp":    {"body.ends_on", map[string]any{"ends_on": "2026-01-01T00:00:00Z"}},
			"vehicle_ids empty":      {"body.vehicle_ids", map[string]any{"vehicle_ids": []string{}}},
			"vehicle_ids not uuids":  {"body.vehicle_ids/0", map[string]any{"vehicle_ids": []string{"x"}}},
			"sla unknown priority":   {"body.sla", map[string]any{"sla": map[string]any{"asap": term(1, 1)}}},
			"sla zero minutes":       {"body.sla.urgent.respond_minutes", map[string]any{"sla": map[string]any{"urgent": term(0, 60)}}},
			"sla over a year":        {"body.sla.high.resolve_minutes", map[string]any{"sla": map[string]any{"high": term(60, 525601)}}},
			"sla fractional minutes": {"body.sla.low.respond_minutes", map[string]any{"sla": map[string]any{"low": term(1.5, 60)}}},
			"sla term missing half":  {"body.sla.normal", map[string]any{"sla": map[string]any{"normal": map[string]any{"respond_minutes": 60}}}},
			"warranty over 120":      {"body.warranty_months", map[string]any{"warranty_months": 121}},
			"warranty negative":      {"body.warranty_months", map[string]any{"warranty_months": -1}},
			"unknown member":         {"body.discount", map[string]any{"discount": 10}},
		}
		for name, b := range bodies {
			t.Run("POST "+name, func(t *testing.T) {
				p := e.do(t, req{method: "POST", path: "/v1/contracts", token: e.admin, body: e.contractBody(f.customer, b.extra)}).expect(t, 400).problem(t)
				if len(p.Errors) == 0 {
					t.Fatalf("no field named: %+v", p)
				}
				unchanged(t)
			})
		}
		for name, body := range map[string]any{
			"empty":             map[string]any{},
			"number is fixed":   map[string]any{"number": "HT-NEW"},
			"customer is fixed": map[string]any{"customer_id": f.customer},
			"sla null":          map[string]any{"sla": nil},
			"vehicle_ids empty": map[string]any{"vehicle_ids": []string{}},
			"ends_on not a day": map[string]any{"ends_on": "tomorrow"},
		} {
			t.Run("PATCH "+name, func(t *testing.T) {
				e.do(t, req{method: "PATCH", path: path, token: e.admin, body: body, header: map[string]string{"If-Match": `"1"`}}).expect(t, 400)
				unchanged(t)
			})
		}
		for _, tag := range []string{"abc", `"1"x`, `W/`, `"-1"`, strings.Repeat("1", 41)} {
			t.Run("If-Match "+tag, func(t *testing.T) {
				e.do(t, req{method: "PATCH", path: path, token: e.admin, body: map[string]any{"ends_on": e.today(9)}, header: map[string]string{"If-Match": tag}}).
					expect(t, 400).problem(t).expectField(t, "header.If-Match")
				unchanged(t)
			})
		}
		for _, id := range []string{"not-a-uuid", "123", strings.ReplaceAll(c.ID.String(), "-", "") + "0"} {
			for _, r := range []req{{method: "GET", path: "/v1/contracts/" + id},
				{method: "PATCH", path: "/v1/contracts/" + id, body: map[string]any{"ends_on": e.today(9)}, header: map[string]string{"If-Match": `"1"`}}} {
				t.Run(r.method+" "+r.path, func(t *testing.T) {
					r.token = e.admin
					e.do(t, r).expect(t, 400).problem(t).expectField(t, "path.id")
					unchanged(t)
				})
			}
		}
		for _, q := range []string{"customer_id=acme", "active_on=2026-02-30x", "active_on=today", "limit=0", "cursor=%21%21"} {
			t.Run("GET ?"+q, func(t *testing.T) {
				e.do(t, req{method: "GET", path: fmt.Sprintf("/v1/contracts?%s", q), token: e.admin}).expect(t, 400)
			})
		}
	})
}
