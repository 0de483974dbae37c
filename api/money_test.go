package api_test

import (
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

func TestPayments_BillAddsPaidAndOutstanding_OverpayIs422_CloseWaitsForTheBalance(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		o := e.outOfWarrantyRepair(t, &f)
		e.addPart(t, f.tech.Token, o.ID, 2, 1500)
		e.addLabour(t, f.tech.Token, o.ID, 8000)
		e.agreeOnSite(t, &f, o.ID)
		o = e.step(t, f.tech.Token, o, "complete", map[string]any{"resolution": "antenna replaced"})

		if b := e.balance(t, f.custUser.Token, o.ID); b.Total != 3000 || b.Paid != 0 || b.Outstanding != 3000 {
			t.Fatalf("bill before payment %+v", b)
		}
		e.pay(t, f.tech.Token, o.ID, 1000, "cash")
		if b := e.balance(t, f.manager.Token, o.ID); b.Paid != 1000 || b.Outstanding != 2000 {
			t.Fatalf("bill after 1000 paid %+v", b)
		}
		e.do(t, req{method: "POST", path: orderPath(o.ID, "/payments"), token: f.tech.Token,
			body: map[string]any{"amount": 2001, "method": "qr", "receipt_no": "R-over"}}).expect(t, 422).problem(t).expectField(t, "amount")

		p := e.act(t, f.dispatcher.Token, o, "close", nil).expect(t, 409).problem(t)
		if !stringContains(p.Detail, "2000 fen is outstanding") {
			t.Fatalf("close with a balance: %+v", p)
		}
		// Only a manager waives, and never more than is owed.
		finance := e.createUser(t, domain.RoleFinance, uuid.Nil)
		waive := map[string]any{"amount": 500, "reason": "goodwill: late arrival"}
		e.do(t, req{method: "POST", path: orderPath(o.ID, "/waivers"), token: f.dispatcher.Token, body: waive}).expect(t, 403)
		e.do(t, req{method: "POST", path: orderPath(o.ID, "/waivers"), token: finance.Token, body: waive}).expect(t, 403)
		e.do(t, req{method: "POST", path: orderPath(o.ID, "/waivers"), token: f.manager.Token,
			body: map[string]any{"amount": 2001, "reason": "too much"}}).expect(t, 422)
		e.do(t, req{method: "POST", path: orderPath(o.ID, "/waivers"), token: f.manager.Token, body: waive}).expect(t, 201)
		e.pay(t, f.tech.Token, o.ID, 1500, "bank_transfer")
		if b := e.balance(t, f.custUser.Token, o.ID); b.Paid != 2500 || b.Waived != 500 || b.Outstanding != 0 {
			t.Fatalf("bill settled %+v", b)
		}
		e.step(t, f.dispatcher.Token, o, "close", nil)
		types := e.timelineTypes(t, f.manager.Token, o.ID)
		for _, want := range []string{"payment_collected", "balance_waived"} {
			if !slices.Contains(types, want) {
				t.Errorf("timeline %v lacks %s", types, want)
			}
		}
	})
}

func TestFeeNotices_CompleteWaitsUntilEveryChargedLineIsAccepted(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		o := e.outOfWarrantyRepair(t, &f)
		part := e.addPart(t, f.tech.Token, o.ID, 2, 1500)
		e.addLabour(t, f.tech.Token, o.ID, 8000) // labour is free out of warranty: no notice needed

		var p struct {
			Detail  string      `json:"detail"`
			LineIDs []uuid.UUID `json:"line_ids"`
		}
		e.act(t, f.tech.Token, o, "complete", map[string]any{"resolution": "fixed"}).expect(t, 409).decode(t, &p)
		if len(p.LineIDs) != 1 || p.LineIDs[0] != part || !stringContains(p.Detail, part.String()) {
			t.Fatalf("complete with an unagreed part: %+v", p)
		}

		e.do(t, req{method: "POST", path: orderPath(o.ID, "/fee-notices"), token: f.custUser.Token}).expect(t, 403)
		first := e.issueNotice(t, f.tech.Token, o.ID, nil)
		if first.Status != "pending" || first.Total != 3000 || len(first.Lines) != 1 || first.Lines[0].Charged != 3000 {
			t.Fatalf("notice %+v", first)
		}
		second := e.issueNotice(t, f.dispatcher.Token, o.ID, map[string]any{"line_ids": []uuid.UUID{part}})
		var got feeNoticeOut
		e.do(t, req{method: "GET", path: "/v1/fee-notices/" + first.ID.String(), token: f.custUser.Token}).expect(t, 200).decode(t, &got)
		if got.Status != "superseded" {
			t.Fatalf("the first notice after a second: %+v", got)
		}
		e.do(t, req{method: "POST", path: "/v1/fee-notices/" + first.ID.String() + "/accept", token: f.custUser.Token}).expect(t, 409)
		e.do(t, req{method: "POST", path: "/v1/fee-notices/" + second.ID.String() + "/decline", token: f.custUser.Token,
			body: map[string]any{"reason": "too dear"}}).expect(t, 200)
		e.do(t, req{method: "POST", path: "/v1/fee-notices/" + second.ID.String() + "/accept", token: f.custUser.Token}).expect(t, 409)
		e.act(t, f.tech.Token, o, "complete", map[string]any{"resolution": "fixed"}).expect(t, 409)

		third := e.issueNotice(t, f.tech.Token, o.ID, nil)
		// Staff don't sign for the customer; the portal takes no signature.
		e.do(t, req{method: "POST", path: "/v1/fee-notices/" + third.ID.String() + "/accept", token: f.dispatcher.Token}).expect(t, 403)
		e.do(t, req{method: "POST", path: "/v1/fee-notices/" + third.ID.String() + "/accept", token: f.custUser.Token,
			body: map[string]any{"signed_by": "me"}}).expect(t, 422)
		e.do(t, req{method: "POST", path: "/v1/fee-notices/" + third.ID.String() + "/accept", token: f.custUser.Token}).expect(t, 200).decode(t, &got)
		if got.Status != "accepted" || got.AcceptedVia == nil || *got.AcceptedVia != "portal" {
			t.Fatalf("accepted in the portal: %+v", got)
		}
		e.do(t, req{method: "POST", path: orderPath(o.ID, "/fee-notices"), token: f.tech.Token}).expect(t, 409) // nothing left to agree
		e.step(t, f.tech.Token, o, "complete", map[string]any{"resolution": "fixed"})

		types := e.timelineTypes(t, f.manager.Token, o.ID)
		for _, want := range []string{"fee_notice_issued", "fee_notice_superseded", "fee_notice_declined", "fee_notice_accepted"} {
			if !slices.Contains(types, want) {
				t.Errorf("timeline %v lacks %s", types, want)
			}
		}
		other := e.newFleet(t)
		e.do(t, req{method: "GET", path: "/v1/fee-notices/" + third.ID.String(), token: other.custUser.Token}).expect(t, 404)
	})
}

func TestFeeNotices_InWarrantyPartsNeedNoNotice(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		o := e.inWarrantyRepair(t, &f)
		e.addPart(t, f.tech.Token, o.ID, 1, 4000)
		e.do(t, req{method: "POST", path: orderPath(o.ID, "/fee-notices"), token: f.tech.Token}).expect(t, 409)
		o = e.step(t, f.tech.Token, o, "complete", map[string]any{"resolution": "fixed under warranty"})
		if b := e.balance(t, f.custUser.Token, o.ID); b.Total != 0 || b.Outstanding != 0 {
			t.Fatalf("in-warranty bill %+v", b)
		}
		e.do(t, req{method: "POST", path: orderPath(o.ID, "/payments"), token: f.tech.Token,
			body: map[string]any{"amount": 1, "method": "cash", "receipt_no": "R-1"}}).expect(t, 422)
		e.step(t, f.dispatcher.Token, o, "close", nil)
	})
}

// A completed order's charges were agreed before it completed, so no line
// is added to it, by the technician or staff, until it is reopened: a
// charge added afterwards would reach the bill with nobody's consent.
func TestBill_409_WhenALineIsAddedToACompletedOrder(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		o := e.outOfWarrantyRepair(t, &f)
		e.addPart(t, f.tech.Token, o.ID, 1, 1500)
		e.agreeOnSite(t, &f, o.ID)
		o = e.step(t, f.tech.Token, o, "complete", map[string]any{"resolution": "antenna replaced"})
		before := e.balance(t, f.manager.Token, o.ID)
		for _, token := range []string{f.tech.Token, f.manager.Token} {
			p := e.do(t, req{method: "POST", path: orderPath(o.ID, "/parts"), token: token,
				body: map[string]any{"part_code": "ANT-9", "description": "a second antenna", "quantity": 1, "unit_price": 900}}).expect(t, 409).problem(t)
			if !stringContains(p.Detail, "reopen") {
				t.Fatalf("a line on a completed order: %+v", p)
			}
		}
		if after := e.balance(t, f.manager.Token, o.ID); after.Total != before.Total {
			t.Fatalf("a refused line changed the bill: %+v, was %+v", after, before)
		}
		o = e.step(t, f.manager.Token, o, "reopen", map[string]any{"reason": "a second antenna was fitted"})
		e.addPart(t, f.tech.Token, o.ID, 1, 900)
	})
}
