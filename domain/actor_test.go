package domain_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

func TestActor_IsStaffOrOwner(t *testing.T) {
	mine, theirs := uuid.New(), uuid.New()
	cases := []struct {
		name  string
		actor domain.Actor
		owner uuid.UUID
		want  bool
	}{
		{"admin", domain.Actor{Role: domain.RoleAdmin}, theirs, true},
		{"manager", domain.Actor{Role: domain.RoleManager}, theirs, true},
		{"dispatcher", domain.Actor{Role: domain.RoleDispatcher}, uuid.Nil, true},
		{"owning customer", domain.Actor{Role: domain.RoleCustomer, CustomerID: mine}, mine, true},
		{"other customer", domain.Actor{Role: domain.RoleCustomer, CustomerID: mine}, theirs, false},
		{"customer on a record without owner", domain.Actor{Role: domain.RoleCustomer}, uuid.Nil, false},
		{"technician", domain.Actor{Role: domain.RoleTechnician}, theirs, false},
	}
	for _, c := range cases {
		if got := c.actor.IsStaffOrOwner(c.owner); got != c.want {
			t.Errorf("%s: IsStaffOrOwner = %v, want %v", c.name, got, c.want)
		}
	}
}
