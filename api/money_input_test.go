package api_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Bad input to the money operations: a malformed body is 400 naming the
// field, a well-formed one that breaks a rule 422, an unknown id 404, and
// nothing is written either way (the bill, the notices and the handovers
// stay as they were).

func TestMoney_BadInputIsRefusedAndWritesNothing(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		finance := e.createUser(t, domain.RoleFinance, uuid.Nil)
		o := e.settledRepair(t, &f, 5000)
		charged := e.chargedOrder(t, &f)
		n := e.issueNotice(t, f.tech.Token, charged.ID, nil)
		cash := e.pay(t, f.tech.Token, o.ID, 1000, "cash")
		h := e.handOver(t, f.tech.Token, cash.ID)
		other := e.pay(t, f.tech.Token, o.ID, 1000, "cash")
		unknown := uuid.NewString()

		type snap struct {
			total, paid, waived, outstanding int64
			notices                          int
			payments                         int
			held                             int
		}
		snapshot := func() snap {
			var ns, ps, hs struct {
				Items []any `json:"items"`
			}
			e.do(t, req{method: "GET", path: orderPath(charged.ID, "/fee-notices"), token: f.manager.Token}).expect(t, 200).decode(t, &ns)
			e.do(t, req{method: "GET", path: "/v1/payments?work_order_id=" + o.ID.String(), token: finance.Token}).expect(t, 200).decode(t, &ps)
			e.do(t, req{method: "GET", path: "/v1/handovers?technician_id=" + f.tech.ID.String(), token: finance.Token}).expect(t, 200).decode(t, &hs)
			b := e.balance(t, f.manager.Token, o.ID)
			return snap{total: b.Total, paid: b.Paid, waived: b.Waived, outstanding: b.Outstanding, notices: len(ns.Items), payments: len(ps.Items), held: len(hs.Items)}
		}
		before := snapshot()

		pay := orderPath(o.ID, "/payments")
		for _, c := range []struct {
			name   string
			token  string
			method string
			path   string
			body   any
			status int
			field  string
		}{
			{"amount not a number", f.tech.Token, "POST", pay, map[string]any{"amount": "ten", "method": "cash", "receipt_no": "R-1"}, 400, "amount"},
			{"amount zero", f.tech.Token, "POST", pay, map[string]any{"amount": 0, "method": "cash", "receipt_no": "R-1"}, 400, "amount"},
			{"amount fractional", f.tech.Token, "POST", pay, map[string]any{"amount": 10.5, "method": "cash", "receipt_no": "R-1"}, 400, "amount"},
			{"unknown method", f.tech.Token, "POST", pay, map[string]any{"amount": 10, "method": "cheque", "receipt_no": "R-1"}, 400, "method"},
			{"receipt missing", f.tech.Token, "POST", pay, map[string]any{"amount": 10, "method": "cash"}, 400, "receipt_no"},
			{"receipt malformed", f.tech.Token, "POST", pay, map[string]any{"amount": 10, "method": "cash", "receipt_no": " R 1"}, 400, "receipt_no"},
			{"unknown member", f.tech.Token, "POST", pay, map[string]any{"amount": 10, "method": "cash", "receipt_no": "R-1", "tip": 5}, 400, "tip"},
			{"overpaid", f.tech.Token, "POST", pay, map[string]any{"amount": 3001, "method": "cash", "receipt_no": "R-1"}, 422, "amount"},
			{"unknown order", f.tech.Token, "POST", "/v1/work-orders/" + unknown + "/payments", map[string]any{"amount": 1, "method": "cash", "receipt_no": "R-1"}, 404, ""},
			{"waiver blank reason", f.manager.Token, "POST", orderPath(o.ID, "/waivers"), map[string]any{"amount": 10, "reason": "   "}, 422, "reason"},
			{"waiver negative", f.manager.Token, "POST", orderPath(o.ID, "/waivers"), map[string]any{"amount": -1, "reason": "x"}, 400, "amount"},
			{"waiver above the balance", f.manager.Token, "POST", orderPath(o.ID, "/waivers"), map[string]any{"amount": 3001, "reason": "x"}, 422, "amount"},
			{"notice line not of the order", f.tech.Token, "POST", orderPath(charged.ID, "/fee-notices"), map[string]any{"line_ids": []string{unknown}}, 422, "line_ids"},
			{"notice line ids empty", f.tech.Token, "POST", orderPath(charged.ID, "/fee-notices"), map[string]any{"line_ids": []string{}}, 400, "line_ids"},
			{"notice line id malformed", f.tech.Token, "POST", orderPath(charged.ID, "/fee-notices"), map[string]any{"line_ids": []string{"x"}}, 400, "line_ids.0"},
			{"notice of an unknown order", f.tech.Token, "POST", "/v1/work-orders/" + unknown + "/fee-notices", nil, 404, ""},
			{"accept with an unknown photo", f.tech.Token, "POST", "/v1/fee-notices/" + n.ID.String() + "/accept",
				map[string]any{"signed_by": "王五", "signature_photo_id": unknown}, 422, "signature_photo_id"},
			{"accept with a blank name", f.tech.Token, "POST", "/v1/fee-notices/" + n.ID.String() + "/accept",
				map[string]any{"signed_by": "  ", "signature_photo_id": unknown}, 422, "signed_by"},
			{"accept an unknown notice", f.custUser.Token, "POST", "/v1/fee-notices/" + unknown + "/accept", nil, 404, ""},
			{"decline without a reason", f.custUser.Token, "POST", "/v1/fee-notices/" + n.ID.String() + "/decline", map[string]any{}, 400, "reason"},
			{"handover of nothing", f.tech.Token, "POST", "/v1/handovers", map[string]any{"payment_ids": []string{}}, 400, "payment_ids"},
			{"handover twice the same", f.tech.Token, "POST", "/v1/handovers", map[string]any{"payment_ids": []uuid.UUID{other.ID, other.ID}}, 400, "payment_ids"},
			{"handover of an unknown payment", f.tech.Token, "POST", "/v1/handovers", map[string]any{"payment_ids": []string{unknown}}, 422, "payment_ids"},
			{"handover of a handed-over payment", f.tech.Token, "POST", "/v1/handovers", map[string]any{"payment_ids": []uuid.UUID{other.ID, cash.ID}}, 409, ""},
			{"count negative", finance.Token, "POST", "/v1/handovers/" + h.ID.String() + "/confirm", map[string]any{"counted_amount": -5}, 400, "counted_amount"},
			{"count missing", finance.Token, "POST", "/v1/handovers/" + h.ID.String() + "/confirm", map[string]any{}, 400, "counted_amount"},
			{"confirm an unknown handover", finance.Token, "POST", "/v1/handovers/" + unknown + "/confirm", map[string]any{"counted_amount": 5}, 404, ""},
			{"reconcile an unknown payment", finance.Token, "POST", "/v1/payments/" + unknown + "/reconcile", nil, 404, ""},
			{"list with a bad method", finance.Token, "GET", "/v1/payments?method=cheque", nil, 400, "query.method"},
			{"list with a bad time", finance.Token, "GET", "/v1/payments?from=yesterday", nil, 400, "query.from"},
			{"list with to before from", finance.Token, "GET", "/v1/payments?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", nil, 422, "to"},
			{"handovers with a bad status", finance.Token, "GET", "/v1/handovers?status=lost", nil, 400, "query.status"},
		} {
			t.Run(c.name, func(t *testing.T) {
				p := e.do(t, req{method: c.method, path: c.path, token: c.token, body: c.body}).expect(t, c.status).problem(t)
				if c.field != "" && !p.hasField(c.field) && !strings.Contains(p.Detail, c.field) {
					t.Errorf("the problem doesn't name %s: %+v", c.field, p)
				}
			})
		}
		if after := snapshot(); after != before {
			t.Fatalf("bad input wrote: before %+v, after %+v", before, after)
		}
	})
}
