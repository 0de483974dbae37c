package api_test

import (
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// The money matrix: every role on every fee-notice, payment and handover
// operation, each call against a fresh object, so every role meets the same
// state. The technician is the order's assigned one, the customer user the
// order's own customer's. Roles run in domain.Roles order: admin, manager,
// dispatcher, technician, finance, customer.

type moneyFixture struct {
	fleet
	users map[domain.Role]user
}

func newMoneyFixture(t *testing.T, e *env) *moneyFixture {
	t.Helper()
	f := &moneyFixture{fleet: e.newFleet(t), users: map[domain.Role]user{}}
	f.users[domain.RoleAdmin] = user{ID: e.meID(t, e.admin), Username: "admin", Token: e.admin}
	f.users[domain.RoleManager] = f.manager
	f.users[domain.RoleDispatcher] = f.dispatcher
	f.users[domain.RoleTechnician] = f.tech
	f.users[domain.RoleFinance] = e.createUser(t, domain.RoleFinance, uuid.Nil)
	f.users[domain.RoleCustomer] = f.custUser
	return f
}

type moneyEndpoint struct {
	name    string
	prepare func(t *testing.T, e *env, f *moneyFixture) deskCall
	want    [6]int
}

// chargedOrder is an out-of-warranty repair on site with a 5000-fen part.
func (e *env) chargedOrder(t *testing.T, f *fleet) workOrder {
	t.Helper()
	o := e.outOfWarrantyRepair(t, f)
	e.addPart(t, f.tech.Token, o.ID, 1, 5000)
	return o
}

func moneyEndpoints() []moneyEndpoint {
	post := func(path string, body any) deskCall { return deskCall{method: "POST", path: path, body: body} }
	get := func(path string) deskCall { return deskCall{method: "GET", path: path} }
	notice := func(t *testing.T, e *env, f *moneyFixture) feeNoticeOut {
		return e.issueNotice(t, f.tech.Token, e.chargedOrder(t, &f.fleet).ID, nil)
	}
	cash := func(t *testing.T, e *env, f *moneyFixture, method string) paymentOut {
		return e.pay(t, f.tech.Token, e.settledRepair(t, &f.fleet, 5000).ID, 1000, method)
	}
	handover := func(t *testing.T, e *env, f *moneyFixture) handoverOut {
		return e.handOver(t, f.tech.Token, cash(t, e, f, "cash").ID)
	}
	return []moneyEndpoint{
		{"POST fee-notices", func(t *testing.T, e *env, f *moneyFixture) deskCall {
			return post(orderPath(e.chargedOrder(t, &f.fleet).ID, "/fee-notices"), nil)
		}, [6]int{201, 201, 201, 201, 403, 403}},
		{"GET fee-notices", func(t *testing.T, e *env, f *moneyFixture) deskCall {
			return get(orderPath(e.chargedOrder(t, &f.fleet).ID, "/fee-notices"))
		}, [6]int{200, 200, 200, 200, 200, 200}},
		{"GET fee-notice", func(t *testing.T, e *env, f *moneyFixture) deskCall {
			return get("/v1/fee-notices/" + notice(t, e, f).ID.String())
		}, [6]int{200, 200, 200, 200, 200, 200}},
		// Without a signature the technician's on-site acceptance is 422.
		{"POST accept (portal)", func(t *testing.T, e *env, f *moneyFixture) deskCall {
			return post("/v1/fee-notices/"+notice(t, e, f).ID.String()+"/accept", nil)
		}, [6]int{403, 403, 403, 422, 403, 200}},
		{"POST decline", func(t *testing.T, e *env, f *moneyFixture) deskCall {
			return post("/v1/fee-notices/"+notice(t, e, f).ID.String()+"/decline", map[string]any{"reason": "later"})
		}, [6]int{403, 403, 403, 200, 403, 200}},
		{"GET bill", func(t *testing.T, e *env, f *moneyFixture) deskCall {
			return get(orderPath(e.chargedOrder(t, &f.fleet).ID, "/bill"))
		}, [6]int{200, 200, 200, 200, 200, 200}},
		{"POST payments", func(t *testing.T, e *env, f *moneyFixture) deskCall {
			return post(orderPath(e.settledRepair(t, &f.fleet, 5000).ID, "/payments"), map[string]any{"amount": 100, "method": "cash", "receipt_no": "R-1"})
		}, [6]int{201, 201, 201, 201, 403, 403}},
		{"POST waivers", func(t *testing.T, e *env, f *moneyFixture) deskCall {
			return post(orderPath(e.settledRepair(t, &f.fleet, 5000).ID, "/waivers"), map[string]any{"amount": 100, "reason": "goodwill"})
		}, [6]int{201, 201, 403, 403, 403, 403}},
		{"GET payments", func(t *testing.T, e *env, f *moneyFixture) deskCall {
			return get("/v1/payments")
		}, [6]int{200, 200, 403, 200, 200, 200}},
		{"POST reconcile", func(t *testing.T, e *env, f *moneyFixture) deskCall {
			return post("/v1/payments/"+cash(t, e, f, "card").ID.String()+"/reconcile", nil)
		}, [6]int{403, 403, 404, 403, 200, 403}},
		// Only the collector's cash: to anyone else it is no payment of theirs.
		{"POST handovers", func(t *testing.T, e *env, f *moneyFixture) deskCall {
			return post("/v1/handovers", map[string]any{"payment_ids": []uuid.UUID{cash(t, e, f, "cash").ID}})
		}, [6]int{422, 422, 422, 201, 422, 403}},
		{"GET handovers", func(t *testing.T, e *env, f *moneyFixture) deskCall {
			return get("/v1/handovers")
		}, [6]int{200, 200, 200, 200, 200, 403}},
		{"GET handover", func(t *testing.T, e *env, f *moneyFixture) deskCall {
			return get("/v1/handovers/" + handover(t, e, f).ID.String())
		}, [6]int{200, 200, 404, 200, 200, 403}},
		{"POST confirm", func(t *testing.T, e *env, f *moneyFixture) deskCall {
			return post("/v1/handovers/"+handover(t, e, f).ID.String()+"/confirm", map[string]any{"counted_amount": 1000})
		}, [6]int{403, 403, 404, 403, 200, 403}},
		{"GET cash-in-hand", func(t *testing.T, e *env, f *moneyFixture) deskCall {
			return get("/v1/finance/cash-in-hand")
		}, [6]int{200, 200, 403, 403, 200, 403}},
	}
}

func TestMoneyMatrix_EveryRoleOnEveryEndpoint(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := newMoneyFixture(t, e)
		for _, ep := range moneyEndpoints() {
			for i, role := range domain.Roles {
				t.Run(fmt.Sprintf("%s/%s->%d", role, ep.name, ep.want[i]), func(t *testing.T) {
					c := ep.prepare(t, e, f)
					e.do(t, req{method: c.method, path: c.path, token: f.users[role].Token, header: c.header, body: c.body}).expect(t, ep.want[i])
				})
			}
		}
		// Someone else's customer finds none of it.
		other := e.newFleet(t)
		o := e.settledRepair(t, &f.fleet, 5000)
		p := e.pay(t, f.tech.Token, o.ID, 1000, "cash")
		n := e.issueNotice(t, f.tech.Token, e.chargedOrder(t, &f.fleet).ID, nil)
		for _, c := range []deskCall{{method: "GET", path: orderPath(o.ID, "/bill")}, {method: "GET", path: "/v1/fee-notices/" + n.ID.String()},
			{method: "POST", path: "/v1/fee-notices/" + n.ID.String() + "/accept"}, {method: "POST", path: "/v1/payments/" + p.ID.String() + "/reconcile"}} {
			e.do(t, req{method: c.method, path: c.path, token: other.custUser.Token}).expect(t, 404)
		}
	})
}
