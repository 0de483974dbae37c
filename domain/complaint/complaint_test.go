package complaint

import (
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

func TestAllowedActions_AreWhatCanAllowsForTheCaller(t *testing.T) {
	cust := uuid.New()
	actors := map[string]domain.Actor{
		"admin": {Role: domain.RoleAdmin}, "manager": {Role: domain.RoleManager}, "dispatcher": {Role: domain.RoleDispatcher},
		"customer": {Role: domain.RoleCustomer, CustomerID: cust},
	}
	want := map[string]map[Status][]Action{
		"admin":      {Open: {Acknowledge}, Acknowledged: {Resolve}, Resolved: {Close, Reopen}, Closed: {Reopen}},
		"manager":    {Open: {Acknowledge}, Acknowledged: {Resolve}, Resolved: {Close, Reopen}, Closed: {Reopen}},
		"dispatcher": {Open: {Acknowledge}, Acknowledged: {Resolve}, Resolved: {Reopen}, Closed: {Reopen}},
		"customer":   {Open: {}, Acknowledged: {}, Resolved: {Reopen}, Closed: {Reopen}},
	}
	for name, a := range actors {
		for _, st := range []Status{Open, Acknowledged, Resolved, Closed} {
			c := Complaint{Status: st, CustomerID: cust}
			got := AllowedActions(a, c)
			if !slices.Equal(got, want[name][st]) {
				t.Errorf("%s on %s: %v, want %v", name, st, got, want[name][st])
			}
			for _, act := range Actions {
				err := Can(a, c, act)
				if (err == nil) != slices.Contains(got, act) {
					t.Errorf("%s %s on %s: Can = %v, listed %v", name, act, st, err, got)
				}
				if k := domain.KindOf(err); err != nil && k != domain.KindForbidden && k != domain.KindConflict {
					t.Errorf("%s %s on %s: %v is neither 403 nor 409", name, act, st, err)
				}
			}
		}
	}
}
