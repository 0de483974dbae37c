package api_test

import (
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// contractsFixture is the cast of the contracts matrix: a user of every
// role, the customer user being customer A's; A and B each hold a contract.
type contractsFixture struct {
	fleet
	users      map[domain.Role]user
	custB      uuid.UUID
	contractA  contractOut
	contractB  contractOut
	nextNumber int
}

func newContractsFixture(t *testing.T, e *env) *contractsFixture {
	t.Helper()
	f := &contractsFixture{fleet: e.newFleet(t), users: map[domain.Role]user{}}
	f.custB = e.newFleet(t).customer
	f.users[domain.RoleAdmin] = user{ID: e.meID(t, e.admin), Username: "admin", Token: e.admin}
	f.users[domain.RoleManager] = f.manager
	f.users[domain.RoleDispatcher] = f.dispatcher
	f.users[domain.RoleTechnician] = f.tech
	f.users[domain.RoleFinance] = e.createUser(t, domain.RoleFinance, uuid.Nil)
	f.users[domain.RoleCustomer] = f.custUser
	f.contractA = e.createContract(t, e.admin, e.contractBody(f.customer, map[string]any{"vehicle_ids": []uuid.UUID{f.vehicles[0]}}))
	f.contractB = e.createContract(t, e.admin, e.contractBody(f.custB, nil))
	return f
}

type contractsEndpoint struct {
	name    string
	prepare func(t *testing.T, e *env, f *contractsFixture) deskCall
}

func contractsEndpoints() []contractsEndpoint {
	get := func(name string, path func(f *contractsFixture) string) contractsEndpoint {
		return contractsEndpoint{name: name, prepare: func(_ *testing.T, _ *env, f *contractsFixture) deskCall {
			return deskCall{method: "GET", path: path(f)}
		}}
	}
	// patch changes a contract's end day, with its current ETag.
	patch := func(of func(f *contractsFixture) uuid.UUID) func(*testing.T, *env, *contractsFixture) deskCall {
		return func(t *testing.T, e *env, f *contractsFixture) deskCall {
			var c contractOut
			e.do(t, req{method: "GET", path: "/v1/contracts/" + of(f).String(), token: e.admin}).expect(t, 200).decode(t, &c)
			f.nextNumber++
			return deskCall{method: "PATCH", path: "/v1/contracts/" + c.ID.String(), body: map[string]any{"ends_on": e.today(365 + f.nextNumber)},
				header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, c.Version)}}
		}
	}
	return []contractsEndpoint{
		// Each creation covers a vehicle of its own from a day of its own, so
		// that every role that may write succeeds.
		{name: "POST /v1/contracts", prepare: func(t *testing.T, e *env, f *contractsFixture) deskCall {
			f.nextNumber++
			v := e.createVehicle(t, f.customer, fmt.Sprintf("粤M%05d", f.nextNumber))
			return deskCall{method: "POST", path: "/v1/contracts", body: e.contractBody(f.customer, map[string]any{"vehicle_ids": []uuid.UUID{v}})}
		}},
		get("GET /v1/contracts", func(*contractsFixture) string { return "/v1/contracts" }),
		get("GET /v1/contracts?customer_id={B}", func(f *contractsFixture) string { return "/v1/contracts?customer_id=" + f.custB.String() }),
		get("GET /v1/contracts/{A}", func(f *contractsFixture) string { return "/v1/contracts/" + f.contractA.ID.String() }),
		get("GET /v1/contracts/{B}", func(f *contractsFixture) string { return "/v1/contracts/" + f.contractB.ID.String() }),
		{name: "PATCH /v1/contracts/{A}", prepare: patch(func(f *contractsFixture) uuid.UUID { return f.contractA.ID })},
		{name: "PATCH /v1/contracts/{B}", prepare: patch(func(f *contractsFixture) uuid.UUID { return f.contractB.ID })},
	}
}

// contractsWant is the expected status by role, in the order of
// domain.Roles: admin, manager, dispatcher, technician, finance, customer
// (of customer A). Admins and managers write; staff and finance read; a
// customer user reads its own customer's (another's is 404, and a list
// asked for another's is empty) and writes none (403); technicians read
// none (403).
var contractsWant = map[string][6]int{
	//                                      admin manager dispatcher technician finance customer
	"POST /v1/contracts":                {201, 201, 403, 403, 403, 403},
	"GET /v1/contracts":                 {200, 200, 200, 403, 200, 200},
	"GET /v1/contracts?customer_id={B}": {200, 200, 200, 403, 200, 200},
	"GET /v1/contracts/{A}":             {200, 200, 200, 403, 200, 200},
	"GET /v1/contracts/{B}":             {200, 200, 200, 403, 200, 404},
	"PATCH /v1/contracts/{A}":           {200, 200, 403, 403, 403, 403},
	"PATCH /v1/contracts/{B}":           {200, 200, 403, 403, 403, 404},
}

func TestContractsMatrix_EveryRoleOnEveryEndpoint(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := newContractsFixture(t, e)
		endpoints := contractsEndpoints()
		if len(contractsWant) != len(endpoints) {
			t.Fatalf("%d expectations for %d endpoints", len(contractsWant), len(endpoints))
		}
		for _, ep := range endpoints {
			status, ok := contractsWant[ep.name]
			if !ok {
				t.Fatalf("no expectation for %s", ep.name)
			}
			for i, role := range domain.Roles {
				t.Run(fmt.Sprintf("%s/%s->%d", role, ep.name, status[i]), func(t *testing.T) {
					c := ep.prepare(t, e, f)
					r := e.do(t, req{method: c.method, path: c.path, token: f.users[role].Token, header: c.header, body: c.body}).expect(t, status[i])
					if role == domain.RoleCustomer && ep.name == "GET /v1/contracts?customer_id={B}" {
						var page pageOut[contractOut]
						r.decode(t, &page)
						if len(page.Items) != 0 {
							t.Fatalf("customer A's user listed B's contracts: %+v", page.Items)
						}
					}
				})
			}
		}
	})
}
