package api_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/fieldwork/fieldwork/domain/billing"
)

// The price list's operations and paid services refuse malformed input
// with 400 naming the field, and change nothing: neither the list nor the
// order's bill.
func TestBadInput_400_PriceOperations(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		item := e.priceItem(t, f.manager.Token, "BI-1", "part", "each", 100, "")
		e.priceItem(t, f.manager.Token, "BI-SVC", "service", "visit", 100, "")
		o := e.onSiteOrder(t, &f, woWith(repairBody(f, "normal"), "vehicle_id", f.vehicles[1]))
		snapshot := func() []byte {
			list := e.do(t, req{method: "GET", path: "/v1/price-items?limit=200", token: f.manager.Token}).expect(t, 200).Body
			bill := e.do(t, req{method: "GET", path: "/v1/work-orders/" + o.ID.String() + "/bill", token: f.manager.Token}).expect(t, 200).Body
			return append(list, bill...)
		}
		before := snapshot()
		valid := map[string]any{"code": "BI-2", "kind": "part", "name": "Part", "unit": "each", "unit_price": 100}
		with := func(base map[string]any, k string, v any) map[string]any {
			out := map[string]any{}
			for kk, vv := range base {
				out[kk] = vv
			}
			if v == nil {
				delete(out, k)
			} else {
				out[k] = v
			}
			return out
		}
		create, patch := "/v1/price-items", "/v1/price-items/"+item.ID.String()
		services := "/v1/work-orders/" + o.ID.String() + "/services"
		parts := "/v1/work-orders/" + o.ID.String() + "/parts"
		part := map[string]any{"part_code": "BI-1", "description": "part", "quantity": 1}
		for _, c := range []struct {
			name, method, path string
			body               any
			field              string
		}{
			{"code missing", "POST", create, with(valid, "code", nil), "code"},
			{"code with a space", "POST", create, with(valid, "code", "BI 2"), "code"},
			{"code too long", "POST", create, with(valid, "code", strings.Repeat("A", 65)), "code"},
			{"unknown kind", "POST", create, with(valid, "kind", "gift"), "kind"},
			{"unknown unit", "POST", create, with(valid, "unit", "day"), "unit"},
			{"negative price", "POST", create, with(valid, "unit_price", -1), "unit_price"},
			{"price over the maximum", "POST", create, with(valid, "unit_price", billing.MaxFen+1), "unit_price"},
			{"price not an integer", "POST", create, with(valid, "unit_price", 1.5), "unit_price"},
			{"price a string", "POST", create, with(valid, "unit_price", "100"), "unit_price"},
			{"valid_from not a date", "POST", create, with(valid, "valid_from", "2026-13-01"), "valid_from"},
			{"valid_from a time", "POST", create, with(valid, "valid_from", "2026-01-01T00:00:00Z"), "valid_from"},
			{"unknown member", "POST", create, with(valid, "price", 100), "price"},
			{"empty change", "PATCH", patch, map[string]any{}, ""},
			{"change of code", "PATCH", patch, map[string]any{"code": "X"}, "code"},
			{"change to a negative price", "PATCH", patch, map[string]any{"unit_price": -5}, "unit_price"},
			{"change name blank", "PATCH", patch, map[string]any{"name": ""}, "name"},
			{"service without code", "POST", services, map[string]any{"quantity": 1}, "code"},
			{"service quantity 0", "POST", services, map[string]any{"code": "BI-SVC", "quantity": 0}, "quantity"},
			{"service quantity over the maximum", "POST", services, map[string]any{"code": "BI-SVC", "quantity": billing.MaxQuantity + 1}, "quantity"},
			{"service price negative", "POST", services, map[string]any{"code": "BI-SVC", "unit_price": -1}, "unit_price"},
			{"service override reason too long", "POST", services,
				map[string]any{"code": "BI-SVC", "unit_price": 1, "price_override_reason": strings.Repeat("x", 501)}, "price_override_reason"},
			{"part override reason with a control character", "POST", parts, with(with(part, "unit_price", 1), "price_override_reason", "a\x01b"), "price_override_reason"},
			{"labour code malformed", "POST", "/v1/work-orders/" + o.ID.String() + "/labour",
				map[string]any{"code": "-x", "description": "d", "minutes": 1}, "code"},
		} {
			t.Run(c.name, func(t *testing.T) {
				p := e.do(t, req{method: c.method, path: c.path, token: f.manager.Token, body: c.body}).expect(t, 400).problem(t)
				if c.field != "" {
					p.expectField(t, c.field)
				}
				if after := snapshot(); !bytes.Equal(after, before) {
					t.Fatalf("a rejected request changed the list or the bill:\nbefore %s\nafter  %s", before, after)
				}
			})
		}
		for _, q := range []string{"/v1/price-items?on=tomorrow", "/v1/price-items?kind=gift", "/v1/price-items?code=a%20b",
			"/v1/bill-lines?off_list=maybe", "/v1/bill-lines?from=yesterday", "/v1/bill-lines?limit=0", "/v1/price-items/not-a-uuid"} {
			t.Run("GET "+q, func(t *testing.T) {
				e.do(t, req{method: "GET", path: q, token: f.manager.Token}).expect(t, 400)
			})
		}
	})
}
