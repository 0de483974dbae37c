package api_test

import (
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// pricesFixture is the cast of the price-list matrix: a user of every role,
// the technician assigned to an open out-of-warranty repair, and an item of
// each kind on the list.
type pricesFixture struct {
	fleet
	users map[domain.Role]user
	order uuid.UUID
	part  priceItemOut
}

func newPricesFixture(t *testing.T, e *env) *pricesFixture {
	t.Helper()
	f := &pricesFixture{fleet: e.newFleet(t), users: map[domain.Role]user{}}
	f.users[domain.RoleAdmin] = user{ID: e.meID(t, e.admin), Username: "admin", Token: e.admin}
	f.users[domain.RoleManager] = f.manager
	f.users[domain.RoleDispatcher] = f.dispatcher
	f.users[domain.RoleTechnician] = f.tech
	f.users[domain.RoleFinance] = e.createUser(t, domain.RoleFinance, uuid.Nil)
	f.users[domain.RoleCustomer] = f.custUser
	f.part = e.priceItem(t, e.admin, "MX-PART", "part", "each", 500, "")
	e.priceItem(t, e.admin, "MX-SVC", "service", "visit", 9000, "")
	f.order = e.onSiteOrder(t, &f.fleet, woWith(repairBody(f.fleet, "normal"), "vehicle_id", f.vehicles[1])).ID
	return f
}

type pricesEndpoint struct {
	name string
	call func(f *pricesFixture) deskCall
}

func pricesEndpoints() []pricesEndpoint {
	seq := 0
	return []pricesEndpoint{
		{"POST /v1/price-items", func(*pricesFixture) deskCall {
			seq++
			return deskCall{method: "POST", path: "/v1/price-items",
				body: map[string]any{"code": fmt.Sprintf("MX-NEW-%d", seq), "kind": "part", "name": "New", "unit": "each", "unit_price": 100}}
		}},
		{"GET /v1/price-items", func(*pricesFixture) deskCall { return deskCall{method: "GET", path: "/v1/price-items?kind=part"} }},
		{"GET /v1/price-items/{id}", func(f *pricesFixture) deskCall {
			return deskCall{method: "GET", path: "/v1/price-items/" + f.part.ID.String()}
		}},
		{"PATCH /v1/price-items/{id}", func(f *pricesFixture) deskCall {
			return deskCall{method: "PATCH", path: "/v1/price-items/" + f.part.ID.String(), body: map[string]any{"unit_price": 600}}
		}},
		{"POST /v1/work-orders/{id}/services", func(f *pricesFixture) deskCall {
			return deskCall{method: "POST", path: "/v1/work-orders/" + f.order.String() + "/services", body: map[string]any{"code": "MX-SVC"}}
		}},
		{"POST /v1/work-orders/{id}/parts (override)", func(f *pricesFixture) deskCall {
			return deskCall{method: "POST", path: "/v1/work-orders/" + f.order.String() + "/parts",
				body: map[string]any{"part_code": "MX-PART", "description": "part", "quantity": 1, "unit_price": 1, "price_override_reason": "goodwill"}}
		}},
		{"GET /v1/bill-lines", func(*pricesFixture) deskCall { return deskCall{method: "GET", path: "/v1/bill-lines?off_list=true"} }},
	}
}

// pricesWant is the expected status by role, in the order of domain.Roles:
// admin, manager, dispatcher, technician, finance, customer (of the order's
// customer). Admins and managers write the price list; staff, finance and
// technicians read it; customers don't (403). Staff and the assigned
// technician record paid services (the customer and finance 403, as for
// parts); only a manager (or admin) may charge other than the list, anyone
// else's different price being 422. Lines across orders are the managers'.
var pricesWant = map[string][6]int{
	//                                            admin manager dispatcher technician finance customer
	"POST /v1/price-items":                       {201, 201, 403, 403, 403, 403},
	"GET /v1/price-items":                        {200, 200, 200, 200, 200, 403},
	"GET /v1/price-items/{id}":                   {200, 200, 200, 200, 200, 403},
	"PATCH /v1/price-items/{id}":                 {200, 200, 403, 403, 403, 403},
	"POST /v1/work-orders/{id}/services":         {201, 201, 201, 201, 403, 403},
	"POST /v1/work-orders/{id}/parts (override)": {201, 201, 422, 422, 403, 403},
	"GET /v1/bill-lines":                         {200, 200, 403, 403, 403, 403},
}

func TestPricesMatrix_EveryRoleOnEveryEndpoint(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := newPricesFixture(t, e)
		endpoints := pricesEndpoints()
		if len(pricesWant) != len(endpoints) {
			t.Fatalf("%d expectations for %d endpoints", len(pricesWant), len(endpoints))
		}
		for _, ep := range endpoints {
			status, ok := pricesWant[ep.name]
			if !ok {
				t.Fatalf("no expectation for %s", ep.name)
			}
			for i, role := range domain.Roles {
				t.Run(fmt.Sprintf("%s/%s->%d", role, ep.name, status[i]), func(t *testing.T) {
					c := ep.call(f)
					e.do(t, req{method: c.method, path: c.path, token: f.users[role].Token, header: c.header, body: c.body}).expect(t, status[i])
				})
			}
		}
	})
}
