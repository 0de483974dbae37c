package workorder

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

func TestAllowedActions_TechnicianAfterAcceptingMayDepartOrHold(t *testing.T) {
	tech := uuid.New()
	o := Order{Type: Repair, Status: Accepted, TechnicianID: tech}
	got := AllowedActions(domain.Actor{Role: domain.RoleTechnician, UserID: tech}, o, Facts{})
	if want := []Action{Depart, Hold}; !slices.Equal(got, want) {
		t.Fatalf("assigned technician: %v, want %v", got, want)
	}
	if got := AllowedActions(domain.Actor{Role: domain.RoleTechnician, UserID: uuid.New()}, o, Facts{}); len(got) != 0 {
		t.Fatalf("another technician: %v, want none", got)
	}
	if got, want := AllowedActions(domain.Actor{Role: domain.RoleDispatcher}, o, Facts{}), []Action{Assign, Cancel, Hold}; !slices.Equal(got, want) {
		t.Fatalf("dispatcher: %v, want %v", got, want)
	}
}

func TestAllowedActions_InstallCompletesOnceEveryVehicleIsFitted(t *testing.T) {
	tech, v1, v2 := uuid.New(), uuid.New(), uuid.New()
	a := domain.Actor{Role: domain.RoleTechnician, UserID: tech}
	o := Order{Type: Install, Status: OnSite, TechnicianID: tech, VehicleIDs: []uuid.UUID{v1, v2}}
	for _, tc := range []struct {
		work []UnitWork
		want bool
	}{
		{nil, false},
		{[]UnitWork{{Install: true, VehicleID: v1}}, false},
		{[]UnitWork{{Install: true, VehicleID: v1}, {Kind: "sim", VehicleID: v2}}, false}, // a swap is no installation
		{[]UnitWork{{Install: true, VehicleID: v2}, {Install: true, VehicleID: v1}}, true},
	} {
		f := factsOf(tc.work)
		if got := slices.Contains(AllowedActions(a, o, f), Complete); got != tc.want {
			t.Errorf("%+v: complete listed %v, want %v", tc.work, got, tc.want)
		}
		err := Can(a, o, f, Complete)
		if tc.want != (err == nil) || err != nil && domain.KindOf(err) != domain.KindConflict {
			t.Errorf("%+v: Can complete = %v", tc.work, err)
		}
	}
}

// TestCan_IsTheRuleAllowedActionsLists holds the two to each other over
// every role, relation, state and kind of order: an action is listed
// exactly when Can allows it, a refusal is a 403 or a 409, and a refusal by
// state names the state and the same list.
func TestCan_IsTheRuleAllowedActionsLists(t *testing.T) {
	tech, cust, vehicle := uuid.New(), uuid.New(), uuid.New()
	actors := map[string]domain.Actor{
		"admin": {Role: domain.RoleAdmin}, "manager": {Role: domain.RoleManager}, "dispatcher": {Role: domain.RoleDispatcher},
		"finance": {Role: domain.RoleFinance}, "assigned technician": {Role: domain.RoleTechnician, UserID: tech},
		"other technician": {Role: domain.RoleTechnician, UserID: uuid.New()},
		"customer":         {Role: domain.RoleCustomer, UserID: uuid.New(), CustomerID: cust},
	}
	statuses := []Status{Requested, Approved, Assigned, Accepted, EnRoute, OnSite, OnHold, Completed, Closed, Cancelled}
	var orders []Order
	for _, st := range statuses {
		for _, typ := range []Type{Repair, Install} {
			orders = append(orders,
				Order{Type: typ, Status: st, CustomerID: cust, VehicleIDs: []uuid.UUID{vehicle}, TechnicianID: tech, HeldFrom: OnSite},
				Order{Type: typ, Status: st, CustomerID: cust, VehicleIDs: []uuid.UUID{vehicle}, Contractor: &Contractor{Name: "Quick Fix"}})
		}
	}
	facts := []Facts{{}, {Installed: []uuid.UUID{vehicle}}}
	listed := map[Action]bool{}
	for name, a := range actors {
		for _, o := range orders {
			for _, f := range facts {
				allowed := AllowedActions(a, o, f)
				for _, act := range Actions {
					err := Can(a, o, f, act)
					if (err == nil) != slices.Contains(allowed, act) {
						t.Fatalf("%s on %+v %+v: Can %s = %v, listed %v", name, o, f, act, err, allowed)
					}
					if err == nil {
						listed[act] = true
						continue
					}
					switch domain.KindOf(err) {
					case domain.KindForbidden:
					case domain.KindConflict:
						var de *domain.Error
						if errors.As(err, &de) && de.Extra != nil {
							want := []string{}
							for _, x := range allowed {
								want = append(want, string(x))
							}
							if de.Extra["current_state"] != string(o.Status) || !slices.Equal(de.Extra["allowed_actions"].([]string), want) {
								t.Fatalf("%s %s on %s: 409 extras %v, want allowed %v", name, act, o.Status, de.Extra, want)
							}
						}
					default:
						t.Fatalf("%s %s on %s: %v is neither 403 nor 409", name, act, o.Status, err)
					}
				}
			}
		}
	}
	for _, act := range Actions {
		if !listed[act] {
			t.Errorf("nobody may ever %s", act)
		}
	}
}
