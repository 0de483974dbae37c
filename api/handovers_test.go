package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// settledRepair is an out-of-warranty repair with a part of the amount
// agreed on site, completed: ready to be paid.
func (e *env) settledRepair(t *testing.T, f *fleet, amount int64) workOrder {
	t.Helper()
	o := e.outOfWarrantyRepair(t, f)
	e.addPart(t, f.tech.Token, o.ID, 1, amount)
	e.agreeOnSite(t, f, o.ID)
	return e.step(t, f.tech.Token, o, "complete", map[string]any{"resolution": "antenna replaced"})
}

// The walk-through of the issue: one out-of-warranty repair through the
// notice, the signature on site, completion, a cash payment, the handover,
// and finance counting 100 fen short, which flags it and texts a manager.
func TestMoney_WalkThroughAnOutOfWarrantyRepairToFinance(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		e.do(t, req{method: "PATCH", path: "/v1/users/" + f.manager.ID.String(), token: e.admin, body: map[string]any{"phone": "13900001111"}}).expect(t, 200)
		o := e.outOfWarrantyRepair(t, &f)
		part := e.addPart(t, f.tech.Token, o.ID, 2, 4550)
		e.addLabour(t, f.tech.Token, o.ID, 6000)

		n := e.issueNotice(t, f.tech.Token, o.ID, nil)
		if n.Total != 9100 || len(n.Lines) != 1 || n.Lines[0].LineID != part {
			t.Fatalf("notice %+v", n)
		}
		accept := "/v1/fee-notices/" + n.ID.String() + "/accept"
		// On site the signature is required, and must be a signature photo of the order.
		e.do(t, req{method: "POST", path: accept, token: f.tech.Token}).expect(t, 422)
		before := e.photoOfKind(t, f.tech.Token, o.ID, "before")
		e.do(t, req{method: "POST", path: accept, token: f.tech.Token, body: map[string]any{"signed_by": "王五", "signature_photo_id": before}}).
			expect(t, 422).problem(t).expectField(t, "signature_photo_id")
		sig := e.photoOfKind(t, f.tech.Token, o.ID, "signature")
		e.do(t, req{method: "POST", path: accept, token: f.tech.Token, body: map[string]any{"signed_by": "王五", "signature_photo_id": sig}}).
			expect(t, 200).decode(t, &n)
		if n.Status != "accepted" || n.AcceptedVia == nil || *n.AcceptedVia != "on_site" {
			t.Fatalf("signed on site: %+v", n)
		}
		o = e.step(t, f.tech.Token, o, "complete", map[string]any{"resolution": "antenna replaced"})

		p := e.pay(t, f.tech.Token, o.ID, 9100, "cash")
		if b := e.balance(t, f.custUser.Token, o.ID); b.Total != 9100 || b.Paid != 9100 || b.Outstanding != 0 {
			t.Fatalf("bill %+v", b)
		}
		var cash struct {
			Items []struct {
				TechnicianID uuid.UUID `json:"technician_id"`
				Amount       int64     `json:"amount"`
				AgeSeconds   int64     `json:"oldest_age_seconds"`
			} `json:"items"`
		}
		e.advance(t, &f, 3*time.Hour)
		finance := e.createUser(t, domain.RoleFinance, uuid.Nil)
		e.do(t, req{method: "GET", path: "/v1/finance/cash-in-hand", token: finance.Token}).expect(t, 200).decode(t, &cash)
		if held := cashOf(cash.Items, f.tech.ID); held.Amount != 9100 || held.AgeSeconds != 3*3600 {
			t.Fatalf("cash in hand %+v", cash)
		}

		h := e.handOver(t, f.tech.Token, p.ID)
		if h.ExpectedAmount != 9100 || h.Status != "open" {
			t.Fatalf("handover %+v", h)
		}
		var done handoverOut
		e.do(t, req{method: "POST", path: "/v1/handovers/" + h.ID.String() + "/confirm", token: finance.Token,
			body: map[string]any{"counted_amount": 9000}}).expect(t, 200).decode(t, &done)
		if done.Status != "confirmed" || *done.CountedAmount != 9000 || *done.Difference != -100 || !done.Flagged {
			t.Fatalf("confirmed %+v", done)
		}
		e.do(t, req{method: "GET", path: "/v1/finance/cash-in-hand", token: finance.Token}).expect(t, 200).decode(t, &cash)
		if held := cashOf(cash.Items, f.tech.ID); held.Amount != 0 {
			t.Fatalf("cash in hand after the count %+v", cash)
		}
		var texts []struct {
			Topic     string `json:"topic"`
			Channel   string `json:"channel"`
			Recipient string `json:"recipient"`
		}
		e.do(t, req{method: "GET", path: "/v1/notifications?work_order_id=" + o.ID.String(), token: f.manager.Token}).expect(t, 200).decode(t, &struct {
			Items any `json:"items"`
		}{&texts})
		told := false
		for _, x := range texts {
			told = told || x.Topic == "handover.flagged" && x.Channel == "sms" && x.Recipient == "13900001111"
		}
		if !told {
			t.Fatalf("the manager was not texted: %+v", texts)
		}
		e.step(t, f.dispatcher.Token, o, "close", nil)
	})
}

type cashHeld struct {
	TechnicianID uuid.UUID
	Amount       int64
	AgeSeconds   int64
}

func cashOf[T any](items []T, tech uuid.UUID) cashHeld {
	for _, it := range items {
		var c cashHeld
		b := mustJSONNoT(it)
		_ = jsonUnmarshal(b, &struct {
			TechnicianID *uuid.UUID `json:"technician_id"`
			Amount       *int64     `json:"amount"`
			AgeSeconds   *int64     `json:"oldest_age_seconds"`
		}{&c.TechnicianID, &c.Amount, &c.AgeSeconds})
		if c.TechnicianID == tech {
			return c
		}
	}
	return cashHeld{}
}

// Two handovers of one payment released together: exactly one wins.
func TestHandovers_OnePaymentGoesIntoOneHandoverUnderConcurrentRequests(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		o := e.settledRepair(t, &f, 5000)
		p := e.pay(t, f.tech.Token, o.ID, 5000, "cash")
		const n = 6
		reqs := make([]req, n)
		for i := range reqs {
			reqs[i] = req{method: "POST", path: "/v1/handovers", token: f.tech.Token, body: map[string]any{"payment_ids": []uuid.UUID{p.ID}}}
		}
		won := 0
		for _, r := range e.concurrently(t, reqs) {
			switch r.Status {
			case 201:
				won++
			case 409:
			default:
				t.Fatalf("concurrent handover: %d %s", r.Status, r.Body)
			}
		}
		if won != 1 {
			t.Fatalf("%d handovers took one payment", won)
		}
		e.do(t, req{method: "POST", path: "/v1/handovers", token: f.tech.Token, body: map[string]any{"payment_ids": []uuid.UUID{p.ID}}}).expect(t, 409)
	})
}

func TestHandovers_OnlyTheCollectorsCashIsHandedOver_OtherMethodsAreReconciled(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		finance := e.createUser(t, domain.RoleFinance, uuid.Nil)
		o := e.settledRepair(t, &f, 5000)
		card := e.pay(t, f.tech.Token, o.ID, 1000, "card")
		byStaff := e.pay(t, f.dispatcher.Token, o.ID, 1000, "cash")
		e.do(t, req{method: "POST", path: "/v1/handovers", token: f.tech.Token, body: map[string]any{"payment_ids": []uuid.UUID{card.ID}}}).
			expect(t, 422).problem(t).expectField(t, "payment_ids")
		e.do(t, req{method: "POST", path: "/v1/handovers", token: f.tech.Token, body: map[string]any{"payment_ids": []uuid.UUID{byStaff.ID}}}).expect(t, 422)
		e.do(t, req{method: "POST", path: "/v1/handovers", token: f.custUser.Token, body: map[string]any{"payment_ids": []uuid.UUID{card.ID}}}).expect(t, 403)

		reconcile := "/v1/payments/" + card.ID.String() + "/reconcile"
		e.do(t, req{method: "POST", path: reconcile, token: f.tech.Token}).expect(t, 403)
		var got paymentOut
		e.do(t, req{method: "POST", path: reconcile, token: finance.Token}).expect(t, 200).decode(t, &got)
		if got.Status != "reconciled" {
			t.Fatalf("reconciled %+v", got)
		}
		e.do(t, req{method: "POST", path: reconcile, token: finance.Token}).expect(t, 409)
		e.do(t, req{method: "POST", path: "/v1/payments/" + byStaff.ID.String() + "/reconcile", token: finance.Token}).expect(t, 409)

		h := e.handOver(t, f.dispatcher.Token, byStaff.ID)
		confirm := "/v1/handovers/" + h.ID.String() + "/confirm"
		e.do(t, req{method: "POST", path: confirm, token: f.manager.Token, body: map[string]any{"counted_amount": 1000}}).expect(t, 403)
		e.do(t, req{method: "POST", path: confirm, token: finance.Token, body: map[string]any{"counted_amount": 1000}}).expect(t, 200).decode(t, &h)
		if h.Flagged || *h.Difference != 0 {
			t.Fatalf("an exact count flagged %+v", h)
		}
		e.do(t, req{method: "POST", path: confirm, token: finance.Token, body: map[string]any{"counted_amount": 1000}}).expect(t, 409)
		// The technician sees only its own handovers; the customer none.
		e.do(t, req{method: "GET", path: "/v1/handovers/" + h.ID.String(), token: f.tech.Token}).expect(t, 404)
		e.do(t, req{method: "GET", path: "/v1/handovers", token: f.custUser.Token}).expect(t, 403)
	})
}

func TestPayments_CSVHasABOMAndEveryRow(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		finance := e.createUser(t, domain.RoleFinance, uuid.Nil)
		o := e.settledRepair(t, &f, 5000)
		var ids []string
		for i := range 3 {
			var p paymentOut
			e.do(t, req{method: "POST", path: orderPath(o.ID, "/payments"), token: f.tech.Token,
				body: map[string]any{"amount": 1001 + i, "method": "cash", "receipt_no": fmt.Sprintf("R-%d", i), "invoice_no": "INV-7"}}).
				expect(t, 201).decode(t, &p)
			ids = append(ids, p.ID.String())
		}
		r := e.do(t, req{method: "GET", path: "/v1/payments?limit=1&work_order_id=" + o.ID.String(), token: finance.Token,
			header: map[string]string{"Accept": "text/csv"}}).expect(t, 200)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Fatalf("Content-Type %q", ct)
		}
		if !bytes.HasPrefix(r.Body, []byte("\xEF\xBB\xBF")) {
			t.Fatalf("no BOM: %q", r.Body[:min(len(r.Body), 20)])
		}
		rows, err := csv.NewReader(bytes.NewReader(r.Body[3:])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 4 || rows[0][0] != "id" {
			t.Fatalf("csv rows %q", rows)
		}
		for i, row := range rows[1:] {
			if row[0] != ids[i] || row[5] != fmt.Sprint(1001+i) || row[6] != fmt.Sprintf("10.%02d", 1+i) || row[8] != "INV-7" {
				t.Fatalf("row %d: %q", i, row)
			}
		}
		// JSON stays the default.
		e.do(t, req{method: "GET", path: "/v1/payments?work_order_id=" + o.ID.String(), token: finance.Token}).expect(t, 200)
		// A customer sees its own payments only.
		var page struct {
			Items []paymentOut `json:"items"`
		}
		other := e.newFleet(t)
		e.do(t, req{method: "GET", path: "/v1/payments?work_order_id=" + o.ID.String(), token: other.custUser.Token}).expect(t, 200).decode(t, &page)
		if len(page.Items) != 0 {
			t.Fatalf("another customer sees %+v", page.Items)
		}
	})
}
