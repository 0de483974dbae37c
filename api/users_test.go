package api_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

func TestCreateUser_201_LowerCasesUsernameAndSetsLocation(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		r := e.do(t, req{method: "POST", path: "/v1/users", token: e.admin, body: map[string]any{
			"username": "Li.Wei_01", "password": "0123456789", "display_name": "李伟 (Li Wei)",
			"role": "technician", "phone": "+86 138-0013-8000",
		}}).expect(t, 201)
		var u userOut
		r.decode(t, &u)
		if got, want := r.Header.Get("Location"), "/v1/users/"+u.ID.String(); got != want {
			t.Fatalf("Location %q, want %q", got, want)
		}
		if u.ID == uuid.Nil || u.Username != "li.wei_01" || u.DisplayName != "李伟 (Li Wei)" || u.Role != "technician" ||
			u.Disabled || u.CustomerID != nil || u.Phone == nil || *u.Phone != "+8613800138000" {
			t.Fatalf("created user %+v", u)
		}
		if u.CreatedAt.IsZero() || !u.CreatedAt.Equal(u.UpdatedAt) {
			t.Fatalf("times %v %v", u.CreatedAt, u.UpdatedAt)
		}
		if got := e.getUser(t, u.ID); !reflect.DeepEqual(got, u) {
			t.Fatalf("read back %+v, want %+v", got, u)
		}
		// The stored lower-case name logs in, whatever case the login uses.
		e.login("LI.WEI_01", "0123456789")
	})
}

func TestCreateUser_409_WhenUsernameTakenIgnoringCase(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		body := map[string]any{"username": "dispatch.one", "password": "0123456789", "display_name": "One", "role": "dispatcher"}
		e.do(t, req{method: "POST", path: "/v1/users", token: e.admin, body: body}).expect(t, 201)
		before := len(listAll(t, e, e.admin, "/v1/users", 200, userID))
		for _, name := range []string{"dispatch.one", "Dispatch.One", "DISPATCH.ONE", "ADMIN"} {
			body["username"] = name
			e.do(t, req{method: "POST", path: "/v1/users", token: e.admin, body: body}).expect(t, 409)
		}
		if after := len(listAll(t, e, e.admin, "/v1/users", 200, userID)); after != before {
			t.Fatalf("users %d -> %d", before, after)
		}
	})
}

func TestCreateUser_400_WhenPasswordShorterThan10(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		p := e.do(t, req{method: "POST", path: "/v1/users", token: e.admin, body: map[string]any{
			"username": "shortpw", "password": "012345678", "display_name": "Short", "role": "finance",
		}}).expect(t, 400).problem(t)
		p.expectField(t, "password")
		// Ten characters, not ten bytes: a ten-rune password of multi-byte letters is enough.
		e.do(t, req{method: "POST", path: "/v1/users", token: e.admin, body: map[string]any{
			"username": "runepw", "password": "密码密码密码密码密码", "display_name": "Runes", "role": "finance",
		}}).expect(t, 201)
	})
}

func TestCreateUser_422_WhenCustomerRoleWithoutCustomerID(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		p := e.do(t, req{method: "POST", path: "/v1/users", token: e.admin, body: map[string]any{
			"username": "cust.nocid", "password": "0123456789", "display_name": "No customer", "role": "customer",
		}}).expect(t, 422).problem(t)
		p.expectField(t, "customer_id")
	})
}

func TestCreateUser_422_WhenCustomerIDOnNonCustomerRole(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.createCustomer(t, "Acme")
		for _, role := range []domain.Role{domain.RoleAdmin, domain.RoleManager, domain.RoleDispatcher, domain.RoleTechnician, domain.RoleFinance} {
			p := e.do(t, req{method: "POST", path: "/v1/users", token: e.admin, body: map[string]any{
				"username": "cid." + string(role), "password": "0123456789", "display_name": "With customer", "role": role, "customer_id": c,
			}}).expect(t, 422).problem(t)
			p.expectField(t, "customer_id")
		}
	})
}

func TestCreateUser_422_WhenCustomerUnknown(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		p := e.do(t, req{method: "POST", path: "/v1/users", token: e.admin, body: map[string]any{
			"username": "cust.ghost", "password": "0123456789", "display_name": "Ghost", "role": "customer", "customer_id": uuid.New(),
		}}).expect(t, 422).problem(t)
		p.expectField(t, "customer_id")
	})
}

func TestCreateUser_201_CustomerUserWithItsCustomer(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.createCustomer(t, "Acme")
		var u userOut
		e.do(t, req{method: "POST", path: "/v1/users", token: e.admin, body: map[string]any{
			"username": "acme.desk", "password": "0123456789", "display_name": "Acme desk", "role": "customer", "customer_id": c,
		}}).expect(t, 201).decode(t, &u)
		if u.Role != "customer" || u.CustomerID == nil || *u.CustomerID != c || u.Phone != nil {
			t.Fatalf("created %+v", u)
		}
	})
}

func TestListUsers_200_FiltersByRole(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		t1 := e.createUser(t, domain.RoleTechnician, uuid.Nil)
		t2 := e.createUser(t, domain.RoleTechnician, uuid.Nil)
		e.createUser(t, domain.RoleDispatcher, uuid.Nil)
		e.createUser(t, domain.RoleFinance, uuid.Nil)
		techs := listAll(t, e, e.admin, "/v1/users?role=technician", 50, userID)
		sameIDs(t, "technicians", userIDs(techs), []uuid.UUID{t1.ID, t2.ID})
		for _, u := range techs {
			if u.Role != "technician" {
				t.Fatalf("role filter let through %+v", u)
			}
		}
		if got := listAll(t, e, e.admin, "/v1/users?role=manager", 50, userID); len(got) != 0 {
			t.Fatalf("managers %+v", got)
		}
		admins := listAll(t, e, e.admin, "/v1/users?role=admin", 50, userID)
		sameIDs(t, "admins", userIDs(admins), []uuid.UUID{e.meID(t, e.admin)})
		e.do(t, req{method: "GET", path: "/v1/users?role=superuser", token: e.admin}).expect(t, 400)
	})
}

func TestListUsers_200_PagesThroughEveryUserOnce(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		want := []uuid.UUID{e.meID(t, e.admin)}
		for _, r := range []domain.Role{domain.RoleManager, domain.RoleDispatcher, domain.RoleTechnician, domain.RoleTechnician, domain.RoleFinance, domain.RoleFinance} {
			want = append(want, e.createUser(t, r, uuid.Nil).ID)
		}
		// Seven users in pages of two: four pages, the last with one user and a null cursor.
		var first pageOut[userOut]
		e.do(t, req{method: "GET", path: "/v1/users?limit=2", token: e.admin}).expect(t, 200).decode(t, &first)
		if len(first.Items) != 2 || first.NextCursor == nil {
			t.Fatalf("first page %+v", first)
		}
		got := listAll(t, e, e.admin, "/v1/users", 2, userID)
		sameIDs(t, "users", userIDs(got), want)
		// Pages come in creation order.
		for i, id := range userIDs(got) {
			if id != want[i] {
				t.Fatalf("user %d is %s, want %s", i, id, want[i])
			}
		}
		// An exact multiple of the page size still ends with a null cursor.
		if got := listAll(t, e, e.admin, "/v1/users", 7, userID); len(got) != 7 {
			t.Fatalf("%d users in pages of 7", len(got))
		}
	})
}

func TestGetUser_200(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		u := e.createUser(t, domain.RoleFinance, uuid.Nil)
		got := e.getUser(t, u.ID)
		if got.ID != u.ID || got.Username != u.Username || got.Role != "finance" || got.DisplayName != "User "+u.Username {
			t.Fatalf("got %+v", got)
		}
	})
}

func TestGetUser_404_WhenUnknown(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		e.do(t, req{method: "GET", path: "/v1/users/" + uuid.New().String(), token: e.admin}).expect(t, 404)
		e.do(t, req{method: "PATCH", path: "/v1/users/" + uuid.New().String(), token: e.admin, body: map[string]any{"display_name": "x"}}).expect(t, 404)
	})
}

func TestMe_200_ReturnsTheCaller(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		var me userOut
		e.do(t, req{method: "GET", path: "/v1/me", token: e.admin}).expect(t, 200).decode(t, &me)
		if me.Username != "admin" || me.Role != "admin" || me.Disabled {
			t.Fatalf("admin me %+v", me)
		}
		c := e.createCustomer(t, "Acme")
		cu := e.createUser(t, domain.RoleCustomer, c)
		e.do(t, req{method: "GET", path: "/v1/me", token: cu.Token}).expect(t, 200).decode(t, &me)
		if me.ID != cu.ID || me.Username != cu.Username || me.Role != "customer" || me.CustomerID == nil || *me.CustomerID != c {
			t.Fatalf("customer me %+v", me)
		}
	})
}

func TestUpdateUser_200_ChangesDisplayNameAndPhone(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		u := e.createUser(t, domain.RoleTechnician, uuid.Nil)
		path := "/v1/users/" + u.ID.String()
		created := e.getUser(t, u.ID)

		var got userOut
		e.do(t, req{method: "PATCH", path: path, token: e.admin, body: map[string]any{"display_name": "  王师傅  "}}).expect(t, 200).decode(t, &got)
		if got.DisplayName != "王师傅" || got.Phone != nil || got.Role != "technician" || got.Username != u.Username {
			t.Fatalf("after display_name %+v", got)
		}
		e.do(t, req{method: "PATCH", path: path, token: e.admin, body: map[string]any{"phone": "139 0000 1111"}}).expect(t, 200).decode(t, &got)
		if got.Phone == nil || *got.Phone != "13900001111" || got.DisplayName != "王师傅" {
			t.Fatalf("after phone %+v", got)
		}
		if got := e.getUser(t, u.ID); got.Phone == nil || *got.Phone != "13900001111" {
			t.Fatalf("read back %+v", got)
		}
		// Absent leaves the phone alone; null clears it.
		e.do(t, req{method: "PATCH", path: path, token: e.admin, body: map[string]any{"disabled": false}}).expect(t, 200).decode(t, &got)
		if got.Phone == nil {
			t.Fatalf("absent phone cleared it: %+v", got)
		}
		e.do(t, req{method: "PATCH", path: path, token: e.admin, body: `{"phone": null}`}).expect(t, 200).decode(t, &got)
		if got.Phone != nil || got.DisplayName != "王师傅" {
			t.Fatalf("after phone null %+v", got)
		}
		got = e.getUser(t, u.ID)
		if got.Phone != nil || !got.CreatedAt.Equal(created.CreatedAt) {
			t.Fatalf("read back %+v", got)
		}
	})
}

func TestUpdateUser_200_ChangesRoleBetweenStaffRoles(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		u := e.createUser(t, domain.RoleTechnician, uuid.Nil)
		path := "/v1/users/" + u.ID.String()
		// A technician may not list users ...
		e.do(t, req{method: "GET", path: "/v1/users", token: u.Token}).expect(t, 403)
		for _, role := range []string{"dispatcher", "manager", "finance", "admin", "technician", "dispatcher"} {
			var got userOut
			e.do(t, req{method: "PATCH", path: path, token: e.admin, body: map[string]any{"role": role}}).expect(t, 200).decode(t, &got)
			if got.Role != role || got.CustomerID != nil {
				t.Fatalf("after role %s: %+v", role, got)
			}
		}
		// ... and the new role applies to the token it already holds.
		e.do(t, req{method: "GET", path: "/v1/users", token: u.Token}).expect(t, 200)
	})
}

func TestUpdateUser_422_WhenRoleChangesToOrFromCustomer(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.createCustomer(t, "Acme")
		tech := e.createUser(t, domain.RoleTechnician, uuid.Nil)
		cu := e.createUser(t, domain.RoleCustomer, c)
		before := map[uuid.UUID]userOut{tech.ID: e.getUser(t, tech.ID), cu.ID: e.getUser(t, cu.ID)}

		p := e.do(t, req{method: "PATCH", path: "/v1/users/" + tech.ID.String(), token: e.admin, body: map[string]any{"role": "customer"}}).expect(t, 422).problem(t)
		p.expectField(t, "role")
		for _, role := range []string{"technician", "admin", "finance"} {
			p := e.do(t, req{method: "PATCH", path: "/v1/users/" + cu.ID.String(), token: e.admin, body: map[string]any{"role": role}}).expect(t, 422).problem(t)
			p.expectField(t, "role")
		}
		// A rejected PATCH changes nothing, not even the fields beside the bad one.
		e.do(t, req{method: "PATCH", path: "/v1/users/" + tech.ID.String(), token: e.admin,
			body: map[string]any{"role": "customer", "display_name": "Changed"}}).expect(t, 422)
		for id, b := range before {
			if got := e.getUser(t, id); !reflect.DeepEqual(got, b) {
				t.Fatalf("user changed by a rejected PATCH: %+v, was %+v", got, b)
			}
		}
		// Keeping the customer role is no change at all.
		e.do(t, req{method: "PATCH", path: "/v1/users/" + cu.ID.String(), token: e.admin, body: map[string]any{"role": "customer"}}).expect(t, 200)
	})
}

func TestUpdateUser_422_WhenAdminDisablesItself(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		me := e.meID(t, e.admin)
		p := e.do(t, req{method: "PATCH", path: "/v1/users/" + me.String(), token: e.admin, body: map[string]any{"disabled": true}}).expect(t, 422).problem(t)
		p.expectField(t, "disabled")
		if u := e.getUser(t, me); u.Disabled {
			t.Fatal("admin disabled itself")
		}
		// Another admin may be disabled.
		other := e.createUser(t, domain.RoleAdmin, uuid.Nil)
		e.do(t, req{method: "PATCH", path: "/v1/users/" + other.ID.String(), token: e.admin, body: map[string]any{"disabled": true}}).expect(t, 200)
	})
}

func TestUpdateUser_422_WhenAdminDemotesItself(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		me := e.meID(t, e.admin)
		for _, role := range []string{"manager", "dispatcher", "technician", "finance", "customer"} {
			p := e.do(t, req{method: "PATCH", path: "/v1/users/" + me.String(), token: e.admin, body: map[string]any{"role": role}}).expect(t, 422).problem(t)
			p.expectField(t, "role")
		}
		if u := e.getUser(t, me); u.Role != "admin" {
			t.Fatalf("admin demoted itself to %s", u.Role)
		}
		// Naming its own role is allowed: it changes nothing.
		e.do(t, req{method: "PATCH", path: "/v1/users/" + me.String(), token: e.admin, body: map[string]any{"role": "admin", "display_name": "Root"}}).expect(t, 200)
	})
}

func TestUpdateUser_DisablingEndsItsLoginsAtOnce(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		tech := e.createUser(t, domain.RoleTechnician, uuid.Nil)
		second := e.login(tech.Username, "password-"+tech.Username)
		e.do(t, req{method: "GET", path: "/v1/me", token: tech.Token}).expect(t, 200)

		var got userOut
		e.do(t, req{method: "PATCH", path: "/v1/users/" + tech.ID.String(), token: e.admin, body: map[string]any{"disabled": true}}).expect(t, 200).decode(t, &got)
		if !got.Disabled {
			t.Fatalf("not disabled: %+v", got)
		}
		e.do(t, req{method: "GET", path: "/v1/me", token: tech.Token}).expect(t, 401)
		e.do(t, req{method: "GET", path: "/v1/me", token: second.AccessToken}).expect(t, 401)
		e.do(t, req{method: "POST", path: "/v1/auth/refresh", body: map[string]any{"refresh_token": second.RefreshToken}}).expect(t, 401)
		e.do(t, req{method: "POST", path: "/v1/auth/login", body: map[string]any{"username": tech.Username, "password": "password-" + tech.Username}}).expect(t, 401)

		// Enabling it again lets it log in anew; the old tokens stay dead.
		e.do(t, req{method: "PATCH", path: "/v1/users/" + tech.ID.String(), token: e.admin, body: map[string]any{"disabled": false}}).expect(t, 200)
		e.do(t, req{method: "GET", path: "/v1/me", token: tech.Token}).expect(t, 401)
		fresh := e.login(tech.Username, "password-"+tech.Username)
		e.do(t, req{method: "GET", path: "/v1/me", token: fresh.AccessToken}).expect(t, 200)
	})
}

func TestUpdateUser_400_WhenBodyIsAnEmptyObject(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		u := e.createUser(t, domain.RoleFinance, uuid.Nil)
		before := e.getUser(t, u.ID)
		e.do(t, req{method: "PATCH", path: "/v1/users/" + u.ID.String(), token: e.admin, body: `{}`}).expect(t, 400)
		if got := e.getUser(t, u.ID); !reflect.DeepEqual(got, before) {
			t.Fatalf("changed: %+v", got)
		}
	})
}

func TestUpdateUser_422_WhenDisplayNameBlank(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		u := e.createUser(t, domain.RoleFinance, uuid.Nil)
		p := e.do(t, req{method: "PATCH", path: "/v1/users/" + u.ID.String(), token: e.admin, body: map[string]any{"display_name": "   "}}).expect(t, 422).problem(t)
		p.expectField(t, "display_name")
		if got := e.getUser(t, u.ID); strings.TrimSpace(got.DisplayName) == "" {
			t.Fatalf("blank name stored: %+v", got)
		}
	})
}
