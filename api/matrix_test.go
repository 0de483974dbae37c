package api_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// authzFixture is the cast of the authorization tests: a logged-in user of
// every role, two customers with a vehicle each and a customer user each,
// and a bystander account for the /v1/users/{id} rows.
type authzFixture struct {
	users            map[domain.Role]user // the customer role is customer A's user
	custA, custB     uuid.UUID
	userA, userB     user
	vehA, vehB       uuid.UUID
	bystander        user
	usernames, plate int
}

func newAuthzFixture(t *testing.T, e *env) *authzFixture {
	t.Helper()
	f := &authzFixture{users: map[domain.Role]user{}}
	f.custA, f.custB = e.createCustomer(t, "Customer A"), e.createCustomer(t, "Customer B")
	f.vehA, f.vehB = e.createVehicle(t, f.custA, "粤A00001"), e.createVehicle(t, f.custB, "粤B00001")
	f.userA, f.userB = e.createUser(t, domain.RoleCustomer, f.custA), e.createUser(t, domain.RoleCustomer, f.custB)
	f.users[domain.RoleAdmin] = user{ID: e.meID(t, e.admin), Username: "admin", Token: e.admin}
	for _, r := range []domain.Role{domain.RoleManager, domain.RoleDispatcher, domain.RoleTechnician, domain.RoleFinance} {
		f.users[r] = e.createUser(t, r, uuid.Nil)
	}
	f.users[domain.RoleCustomer] = f.userA
	f.bystander = e.createUser(t, domain.RoleTechnician, uuid.Nil)
	return f
}

// authzEndpoint is one operation as the matrix calls it.
type authzEndpoint struct {
	name   string
	method string
	path   func(f *authzFixture, caller user) string
	body   func(f *authzFixture) any
}

func fixedPath(p string) func(*authzFixture, user) string {
	return func(*authzFixture, user) string { return p }
}

// protectedEndpoints are every operation that needs a token, with a body
// that is valid for it, so that only authorization decides the status.
func protectedEndpoints() []authzEndpoint {
	return []authzEndpoint{
		{name: "GET /v1/me", method: "GET", path: fixedPath("/v1/me")},
		{name: "POST /v1/users", method: "POST", path: fixedPath("/v1/users"), body: func(f *authzFixture) any {
			f.usernames++
			return map[string]any{"username": fmt.Sprintf("matrix%d", f.usernames), "password": "0123456789", "display_name": "Matrix", "role": "finance"}
		}},
		{name: "GET /v1/users", method: "GET", path: fixedPath("/v1/users")},
		{name: "GET /v1/users/{other}", method: "GET", path: func(f *authzFixture, _ user) string { return "/v1/users/" + f.bystander.ID.String() }},
		{name: "GET /v1/users/{self}", method: "GET", path: func(_ *authzFixture, u user) string { return "/v1/users/" + u.ID.String() }},
		{name: "PATCH /v1/users/{other}", method: "PATCH", path: func(f *authzFixture, _ user) string { return "/v1/users/" + f.bystander.ID.String() },
			body: func(*authzFixture) any { return map[string]any{"display_name": "Patched"} }},
		{name: "PATCH /v1/users/{self}", method: "PATCH", path: func(_ *authzFixture, u user) string { return "/v1/users/" + u.ID.String() },
			body: func(*authzFixture) any { return map[string]any{"display_name": "Patched self"} }},
		{name: "POST /v1/customers", method: "POST", path: fixedPath("/v1/customers"), body: func(*authzFixture) any {
			return customerBody("Matrix customer", "Ann", "13800138000")
		}},
		{name: "GET /v1/customers", method: "GET", path: fixedPath("/v1/customers")},
		{name: "GET /v1/customers/{A}", method: "GET", path: func(f *authzFixture, _ user) string { return "/v1/customers/" + f.custA.String() }},
		{name: "PATCH /v1/customers/{A}", method: "PATCH", path: func(f *authzFixture, _ user) string { return "/v1/customers/" + f.custA.String() },
			body: func(*authzFixture) any { return map[string]any{"contact_name": "Patched"} }},
		{name: "POST /v1/vehicles", method: "POST", path: fixedPath("/v1/vehicles"), body: func(f *authzFixture) any {
			f.plate++
			return map[string]any{"customer_id": f.custA, "plate": fmt.Sprintf("粤M%05d", f.plate)}
		}},
		{name: "GET /v1/vehicles", method: "GET", path: fixedPath("/v1/vehicles")},
		{name: "GET /v1/vehicles/{A}", method: "GET", path: func(f *authzFixture, _ user) string { return "/v1/vehicles/" + f.vehA.String() }},
		{name: "PATCH /v1/vehicles/{A}", method: "PATCH", path: func(f *authzFixture, _ user) string { return "/v1/vehicles/" + f.vehA.String() },
			body: func(*authzFixture) any { return map[string]any{"model": "Patched"} }},
	}
}

// authzWant is the expected status by role, in the order of domain.Roles:
// admin, manager, dispatcher, technician, finance, customer (of customer A).
// It restates the rules of the domain services:
//   - users: create and change are the admin's (403 for the rest); staff
//     list; staff read anyone, everyone else only itself (404 otherwise);
//   - customers and vehicles: staff create and change; staff, finance and
//     customer users (their own customer only) read; a reader that may see
//     an object but not change it gets 403, one that may not see it 404;
//     a technician may not list them (403) and sees none of them (404).
var authzWant = map[string][6]int{
	//                          admin manager dispatcher technician finance customer
	"GET /v1/me":              {200, 200, 200, 200, 200, 200},
	"POST /v1/users":          {201, 403, 403, 403, 403, 403},
	"GET /v1/users":           {200, 200, 200, 403, 403, 403},
	"GET /v1/users/{other}":   {200, 200, 200, 404, 404, 404},
	"GET /v1/users/{self}":    {200, 200, 200, 200, 200, 200},
	"PATCH /v1/users/{other}": {200, 403, 403, 403, 403, 403},
	"PATCH /v1/users/{self}":  {200, 403, 403, 403, 403, 403},
	"POST /v1/customers":      {201, 201, 201, 403, 403, 403},
	"GET /v1/customers":       {200, 200, 200, 403, 200, 200},
	"GET /v1/customers/{A}":   {200, 200, 200, 404, 200, 200},
	"PATCH /v1/customers/{A}": {200, 200, 200, 404, 403, 403},
	"POST /v1/vehicles":       {201, 201, 201, 403, 403, 403},
	"GET /v1/vehicles":        {200, 200, 200, 403, 200, 200},
	"GET /v1/vehicles/{A}":    {200, 200, 200, 404, 200, 200},
	"PATCH /v1/vehicles/{A}":  {200, 200, 200, 404, 403, 403},
}

func TestAuthz_Matrix_EveryRoleOnEveryEndpoint(t *testing.T) {
	endpoints := protectedEndpoints()
	if len(domain.Roles) != 6 {
		t.Fatalf("%d roles: the matrix knows six", len(domain.Roles))
	}
	if len(authzWant) != len(endpoints) {
		t.Fatalf("%d expectations for %d endpoints", len(authzWant), len(endpoints))
	}
	eachFooting(t, func(t *testing.T, e *env) {
		f := newAuthzFixture(t, e)
		for i, role := range domain.Roles {
			caller := f.users[role]
			for _, ep := range endpoints {
				status, ok := authzWant[ep.name]
				if !ok {
					t.Fatalf("no expectation for %s", ep.name)
				}
				t.Run(fmt.Sprintf("%s/%s->%d", role, ep.name, status[i]), func(t *testing.T) {
					r := req{method: ep.method, path: ep.path(f, caller), token: caller.Token}
					if ep.body != nil {
						r.body = ep.body(f)
					}
					e.do(t, r).expect(t, status[i])
				})
			}
		}
	})
}

func TestAuthz_401_WithoutAValidToken(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := newAuthzFixture(t, e)
		disabled := e.createUser(t, domain.RoleDispatcher, uuid.Nil)
		e.do(t, req{method: "PATCH", path: "/v1/users/" + disabled.ID.String(), token: e.admin, body: map[string]any{"disabled": true}}).expect(t, 200)
		// A token the server signed, cut short or with its signature changed, is garbage too.
		parts := strings.Split(e.admin, ".")
		if len(parts) != 3 {
			t.Fatalf("admin token is not a JWS: %q", e.admin)
		}
		flipped := "A" + parts[2][1:] // the first character's six bits all count
		if parts[2][0] == 'A' {
			flipped = "B" + parts[2][1:]
		}
		tokens := map[string]map[string]string{
			"no Authorization":   nil,
			"empty bearer":       {"Authorization": "Bearer "},
			"blank bearer":       {"Authorization": "Bearer    "},
			"basic scheme":       {"Authorization": "Basic YWRtaW46YWRtaW4tcGFzc3dvcmQtMQ=="},
			"token without type": {"Authorization": e.admin},
			"garbage":            {"Authorization": "Bearer garbage"},
			"alg none":           {"Authorization": "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + "."},
			"bad signature":      {"Authorization": "Bearer " + parts[0] + "." + parts[1] + "." + flipped},
			"header and payload": {"Authorization": "Bearer " + parts[0] + "." + parts[1]},
			"disabled user":      {"Authorization": "Bearer " + disabled.Token},
		}
		for name, header := range tokens {
			for _, ep := range protectedEndpoints() {
				t.Run(name+"/"+ep.name, func(t *testing.T) {
					r := req{method: ep.method, path: ep.path(f, f.users[domain.RoleAdmin]), header: header}
					if ep.body != nil {
						r.body = ep.body(f)
					}
					res := e.do(t, r).expect(t, 401)
					if res.Header.Get("WWW-Authenticate") == "" {
						t.Fatal("401 without WWW-Authenticate")
					}
				})
			}
		}
		// Nothing the anonymous calls tried was written.
		if n := len(listAll(t, e, e.admin, "/v1/customers", 200, customerID)); n != 2 {
			t.Fatalf("%d customers", n)
		}
		if n := len(listAll(t, e, e.admin, "/v1/vehicles", 200, vehicleID)); n != 2 {
			t.Fatalf("%d vehicles", n)
		}
		if got := e.getCustomer(t, f.custA); got.ContactName != "Contact of Customer A" {
			t.Fatalf("customer A changed: %+v", got)
		}
	})
}

func TestAuthz_CustomerUsersSeeOnlyTheirOwnCustomer(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := newAuthzFixture(t, e)
		vehA2, vehB2 := e.createVehicle(t, f.custA, "粤A00002"), e.createVehicle(t, f.custB, "粤B00002")
		type side struct {
			name                       string
			me                         user
			ownCust, otherCust         uuid.UUID
			ownVehicles, otherVehicles []uuid.UUID
			otherUser                  user
		}
		for _, s := range []side{
			{"A", f.userA, f.custA, f.custB, []uuid.UUID{f.vehA, vehA2}, []uuid.UUID{f.vehB, vehB2}, f.userB},
			{"B", f.userB, f.custB, f.custA, []uuid.UUID{f.vehB, vehB2}, []uuid.UUID{f.vehA, vehA2}, f.userA},
		} {
			t.Run("customer "+s.name, func(t *testing.T) {
				tok := s.me.Token
				otherBefore := e.getCustomer(t, s.otherCust)

				e.do(t, req{method: "GET", path: "/v1/customers/" + s.ownCust.String(), token: tok}).expect(t, 200)
				e.do(t, req{method: "GET", path: "/v1/customers/" + s.otherCust.String(), token: tok}).expect(t, 404)
				e.do(t, req{method: "PATCH", path: "/v1/customers/" + s.otherCust.String(), token: tok, body: map[string]any{"name": "Mine now"}}).expect(t, 404)
				e.do(t, req{method: "PATCH", path: "/v1/customers/" + s.ownCust.String(), token: tok, body: map[string]any{"name": "Renamed"}}).expect(t, 403)
				for _, v := range s.otherVehicles {
					e.do(t, req{method: "GET", path: "/v1/vehicles/" + v.String(), token: tok}).expect(t, 404)
					e.do(t, req{method: "PATCH", path: "/v1/vehicles/" + v.String(), token: tok, body: map[string]any{"model": "Mine now"}}).expect(t, 404)
				}
				for _, v := range s.ownVehicles {
					e.do(t, req{method: "GET", path: "/v1/vehicles/" + v.String(), token: tok}).expect(t, 200)
					e.do(t, req{method: "PATCH", path: "/v1/vehicles/" + v.String(), token: tok, body: map[string]any{"model": "Mine"}}).expect(t, 403)
				}
				e.do(t, req{method: "GET", path: "/v1/users/" + s.otherUser.ID.String(), token: tok}).expect(t, 404)
				e.do(t, req{method: "GET", path: "/v1/users/" + s.me.ID.String(), token: tok}).expect(t, 200)

				// Lists hold only its own customer's things, whatever the filters say.
				sameIDs(t, "customers", customerIDs(listAll(t, e, tok, "/v1/customers", 1, customerID)), []uuid.UUID{s.ownCust})
				sameIDs(t, "customers q=Customer", customerIDs(listAll(t, e, tok, withQuery("/v1/customers", "q", "Customer"), 50, customerID)), []uuid.UUID{s.ownCust})
				sameIDs(t, "customers q=other", customerIDs(listAll(t, e, tok, withQuery("/v1/customers", "q", otherBefore.Name), 50, customerID)), nil)
				sameIDs(t, "vehicles", vehicleIDs(listAll(t, e, tok, "/v1/vehicles", 1, vehicleID)), s.ownVehicles)
				sameIDs(t, "vehicles of own customer", vehicleIDs(listAll(t, e, tok, withQuery("/v1/vehicles", "customer_id", s.ownCust.String()), 50, vehicleID)), s.ownVehicles)
				sameIDs(t, "vehicles q=粤", vehicleIDs(listAll(t, e, tok, withQuery("/v1/vehicles", "q", "粤"), 50, vehicleID)), s.ownVehicles)
				var page pageOut[vehicleOut]
				e.do(t, req{method: "GET", path: withQuery("/v1/vehicles", "customer_id", s.otherCust.String()), token: tok}).expect(t, 200).decode(t, &page)
				if len(page.Items) != 0 || page.NextCursor != nil {
					t.Fatalf("vehicles of the other customer: %+v", page)
				}

				// A customer user creates neither customers, vehicles nor users.
				e.do(t, req{method: "POST", path: "/v1/customers", token: tok, body: customerBody("Sneaky", "Ann", "13800138000")}).expect(t, 403)
				e.do(t, req{method: "POST", path: "/v1/vehicles", token: tok, body: map[string]any{"customer_id": s.ownCust, "plate": "粤Z99999"}}).expect(t, 403)
				e.do(t, req{method: "POST", path: "/v1/users", token: tok, body: map[string]any{
					"username": "sneaky" + s.name, "password": "0123456789", "display_name": "Sneaky", "role": "customer", "customer_id": s.ownCust,
				}}).expect(t, 403)
				e.do(t, req{method: "GET", path: "/v1/users", token: tok}).expect(t, 403)

				if got := e.getCustomer(t, s.otherCust); !reflect.DeepEqual(got, otherBefore) {
					t.Fatalf("other customer changed: %+v", got)
				}
			})
		}
		for _, v := range []uuid.UUID{f.vehA, vehA2, f.vehB, vehB2} {
			if got := e.getVehicle(t, v); got.Model != nil {
				t.Fatalf("vehicle changed: %+v", got)
			}
		}
		if n := len(listAll(t, e, e.admin, "/v1/customers", 200, customerID)); n != 2 {
			t.Fatalf("%d customers", n)
		}
		if n := len(listAll(t, e, e.admin, "/v1/users?role=customer", 200, userID)); n != 2 {
			t.Fatalf("%d customer users", n)
		}
	})
}

func TestAuthz_200_WhenSchemeNameDiffersInCase(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		// RFC 9110 §11.1: the authentication scheme is a case-insensitive token.
		for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
			e.do(t, req{method: "GET", path: "/v1/me", header: map[string]string{"Authorization": scheme + " " + e.admin}}).expect(t, 200)
		}
		e.do(t, req{method: "GET", path: "/v1/me", header: map[string]string{"Authorization": "Bearers " + e.admin}}).expect(t, 401)
	})
}
