package api_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// A callback's allowed_actions are what THIS caller may record on it now:
// for every role and every state, each listed outcome succeeds for that
// caller and each unlisted one fails. Roles that cannot read the callback
// are taken to see an empty list.
func TestCallbacks_AllowedActionsAreExactlyWhatTheCallerMayDo(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		e.completedInstall(t, &f)
		finance := e.createUser(t, domain.RoleFinance, uuid.Nil)
		admin := user{Username: "admin"}
		users := map[domain.Role]*user{domain.RoleAdmin: &admin, domain.RoleManager: &f.manager, domain.RoleDispatcher: &f.dispatcher,
			domain.RoleTechnician: &f.tech, domain.RoleFinance: &finance, domain.RoleCustomer: &f.custUser}
		advance := func(d time.Duration) {
			e.advance(t, &f, d)
			admin.Token = e.admin
			finance.Token = e.login(finance.Username, "password-"+finance.Username).AccessToken
		}
		advance(0)

		// fresh is a scheduled callback nobody has called yet.
		fresh := func() callbackOut {
			t.Helper()
			for _, c := range e.scheduledCallbacks(t, f.customer) {
				if c.Attempts == 0 {
					return c
				}
			}
			t.Fatal("no fresh callback")
			return callbackOut{}
		}
		record := func(c callbackOut, outcome string) callbackOut {
			t.Helper()
			var out callbackOut
			e.completeCallback(t, e.admin, e.callback(t, e.admin, c.ID), map[string]any{"outcome": outcome}).expect(t, 200).decode(t, &out)
			return out
		}
		states := []struct {
			name    string
			prepare func() callbackOut
		}{
			{"never called", fresh},
			{"retry not due", func() callbackOut { return record(fresh(), "no_answer") }},
			{"retry due", func() callbackOut {
				c := record(fresh(), "no_answer")
				advance(49 * time.Hour)
				return c
			}},
			{"reached", func() callbackOut { return record(fresh(), "reached") }},
			{"unreachable", func() callbackOut {
				c := fresh()
				for range 3 {
					c = record(c, "no_answer")
					advance(49 * time.Hour)
				}
				return c
			}},
		}
		for _, st := range states {
			for _, role := range domain.Roles {
				for _, outcome := range []string{"reached", "no_answer", "refused"} {
					t.Run(fmt.Sprintf("%s/%s/%s", st.name, role, outcome), func(t *testing.T) {
						c := st.prepare()
						u := users[role]
						allowed := []string{}
						if r := e.do(t, req{method: "GET", path: "/v1/callbacks/" + c.ID.String(), token: u.Token}); r.Status == 200 {
							var seen callbackOut
							r.decode(t, &seen)
							allowed = seen.AllowedActions
						}
						current := e.callback(t, e.admin, c.ID)
						r := e.completeCallback(t, u.Token, current, map[string]any{"outcome": outcome})
						if listed := slices.Contains(allowed, outcome); listed != (r.Status == 200) {
							t.Errorf("%s lists %v, and %s answers %d %s", role, allowed, outcome, r.Status, r.Body)
						}
						// Close it, so a successor is planned for the next case.
						if after := e.callback(t, e.admin, c.ID); after.Status == "scheduled" {
							record(after, "reached")
						}
					})
				}
			}
		}
	})
}
