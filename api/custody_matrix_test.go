package api_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// The authorization matrix of the registry, custody and billing endpoints:
// every role on every endpoint, with units and orders chosen so that an
// allowed call either succeeds or stops at a state check (409) and changes
// nothing, and a customer user is tested on another customer's objects.
func TestCustodyMatrix_EveryRoleOnEveryEndpoint(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		other := e.newFleet(t)
		fit := e.onSiteOrder(t, &f, fleetInstallBody(f))
		photo := e.evidence(t, f.tech.Token, fit.ID)
		installed, installedSim := e.stock(t, 12)
		e.do(t, req{method: "POST", path: "/v1/work-orders/" + fit.ID.String() + "/installations", token: f.tech.Token,
			body: map[string]any{"vehicle_id": f.vehicles[0], "terminal_id": installed.ID, "sim_id": installedSim.ID, "photo_ids": []uuid.UUID{photo}}}).expect(t, 201)
		inStock, inStockSim := e.stock(t, 12)
		var model struct{ ID uuid.UUID }
		e.do(t, req{method: "POST", path: "/v1/terminal-models", token: e.admin,
			body: map[string]any{"name": "matrix", "manufacturer": "M", "warranty_months": 6}}).expect(t, 201).decode(t, &model)

		actors := map[string]string{
			"admin": e.admin, "manager": f.manager.Token, "dispatcher": f.dispatcher.Token,
			"technician": e.createUser(t, domain.RoleTechnician, uuid.Nil).Token, "assigned": f.tech.Token,
			"finance": e.createUser(t, domain.RoleFinance, uuid.Nil).Token, "customer": f.custUser.Token, "other customer": other.custUser.Token,
		}
		n := 0
		fresh := func() map[string]any {
			n++
			return map[string]any{"serial": "MX" + uuid.NewString()[:8], "imei": luhn("8677" + randomDigits(10, n)), "model_id": model.ID}
		}
		freshSim := func() map[string]any {
			n++
			return map[string]any{"iccid": luhn("8986" + randomDigits(14, n)), "msisdn": "13900000000", "carrier": "CU"}
		}
		term, sim, order := installed.ID.String(), installedSim.ID.String(), fit.ID.String()
		cases := []struct {
			method, path string
			body         func() any
			want         map[string]int
		}{
			{"POST", "/v1/terminal-models", func() any {
				n++
				return map[string]any{"name": "m" + randomDigits(6, n), "manufacturer": "M", "warranty_months": 12}
			}, codes(201, 201, 403, 403, 403, 403, 403, 403)},
			{"GET", "/v1/terminal-models", nil, codes(200, 200, 200, 200, 200, 200, 403, 403)},
			{"POST", "/v1/terminals", func() any { return fresh() }, codes(201, 201, 201, 403, 403, 403, 403, 403)},
			{"GET", "/v1/terminals", nil, codes(200, 200, 200, 200, 200, 200, 200, 200)},
			{"GET", "/v1/terminals/" + term, nil, codes(200, 200, 200, 200, 200, 200, 200, 404)},
			{"GET", "/v1/terminals/" + inStock.ID.String(), nil, codes(200, 200, 200, 200, 200, 200, 404, 404)},
			{"GET", "/v1/terminals/" + term + "/history", nil, codes(200, 200, 200, 200, 200, 200, 200, 404)},
			{"GET", "/v1/terminals/" + term + "/warranty", nil, codes(200, 200, 200, 200, 200, 200, 200, 404)},
			{"POST", "/v1/terminals/" + term + "/receive-back", func() any { return map[string]any{} }, codes(409, 409, 409, 403, 403, 403, 403, 404)},
			{"POST", "/v1/terminals/" + term + "/scrap", func() any { return map[string]any{} }, codes(409, 409, 403, 403, 403, 403, 403, 404)},
			{"POST", "/v1/sims", func() any { return freshSim() }, codes(201, 201, 201, 403, 403, 403, 403, 403)},
			{"GET", "/v1/sims", nil, codes(200, 200, 200, 200, 200, 200, 200, 200)},
			{"GET", "/v1/sims/" + sim, nil, codes(200, 200, 200, 200, 200, 200, 200, 404)},
			{"GET", "/v1/sims/" + inStockSim.ID.String(), nil, codes(200, 200, 200, 200, 200, 200, 404, 404)},
			{"GET", "/v1/sims/" + sim + "/history", nil, codes(200, 200, 200, 200, 200, 200, 200, 404)},
			{"POST", "/v1/sims/" + sim + "/deactivate", func() any { return map[string]any{} }, codes(409, 409, 403, 403, 403, 403, 403, 404)},
			{"POST", "/v1/work-orders/" + order + "/installations", func() any {
				return map[string]any{"vehicle_id": f.vehicles[1], "terminal_id": installed.ID, "sim_id": installedSim.ID, "photo_ids": []uuid.UUID{photo}}
			}, codes(403, 403, 403, 404, 409, 403, 403, 404)},
			{"POST", "/v1/work-orders/" + order + "/swaps", func() any {
				return map[string]any{"kind": "terminal", "old_id": inStock.ID, "new_id": installed.ID, "reason": "x", "photo_ids": []uuid.UUID{photo}}
			}, codes(403, 403, 403, 404, 409, 403, 403, 404)},
			{"POST", "/v1/work-orders/" + order + "/parts", func() any {
				return map[string]any{"part_code": "P1", "description": "fuse", "quantity": 1, "unit_price": 100}
			}, codes(201, 201, 201, 404, 201, 403, 403, 404)},
			{"POST", "/v1/work-orders/" + order + "/labour", func() any {
				return map[string]any{"description": "fitting", "minutes": 10, "amount": 100}
			}, codes(201, 201, 201, 404, 201, 403, 403, 404)},
			{"GET", "/v1/work-orders/" + order + "/bill", nil, codes(200, 200, 200, 404, 200, 200, 200, 404)},
		}
		for _, c := range cases {
			for actor, want := range c.want {
				t.Run(c.method+" "+c.path+"/"+actor, func(t *testing.T) {
					r := req{method: c.method, path: c.path, token: actors[actor]}
					if c.body != nil {
						r.body = c.body()
					}
					e.do(t, r).expect(t, want)
				})
			}
		}
	})
}

// codes names the expected status for each actor of the custody matrix, in
// the order admin, manager, dispatcher, technician, assigned, finance,
// customer, other customer.
func codes(admin, manager, dispatcher, technician, assigned, finance, customer, other int) map[string]int {
	return map[string]int{"admin": admin, "manager": manager, "dispatcher": dispatcher, "technician": technician,
		"assigned": assigned, "finance": finance, "customer": customer, "other customer": other}
}

// randomDigits is n digits, different for every seq.
func randomDigits(n, seq int) string {
	s := uuid.New()
	out := make([]byte, n)
	for i := range out {
		out[i] = '0' + (s[i%16]+byte(seq)+byte(i))%10
	}
	return string(out)
}
