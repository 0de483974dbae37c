package domain

import (
	"context"

	"github.com/google/uuid"
)

// Role is what a user may do.
type Role string

// The roles of the business (DOMAIN.md: people and the programs they use).
const (
	RoleAdmin      Role = "admin"
	RoleManager    Role = "manager"
	RoleDispatcher Role = "dispatcher"
	RoleTechnician Role = "technician"
	RoleFinance    Role = "finance"
	RoleCustomer   Role = "customer"
)

// Roles lists every role, in the order the API documents them.
var Roles = []Role{RoleAdmin, RoleManager, RoleDispatcher, RoleTechnician, RoleFinance, RoleCustomer}

// ParseRole turns text into a Role.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", Invalid("role", "unknown role")
}

// Actor is the authenticated caller on whose behalf a service acts.
type Actor struct {
	UserID uuid.UUID
	Role   Role
	// CustomerID is set for, and only for, customer users.
	CustomerID uuid.UUID
	// SessionID is the login the access token belongs to.
	SessionID uuid.UUID
}

// Is reports whether the actor has one of the roles.
func (a Actor) Is(roles ...Role) bool {
	for _, r := range roles {
		if a.Role == r {
			return true
		}
	}
	return false
}

// IsStaff is true for the office roles that handle any customer's records.
func (a Actor) IsStaff() bool { return a.Is(RoleAdmin, RoleManager, RoleDispatcher) }

// CanSeeCustomer reports whether the actor may see the customer's records.
func (a Actor) CanSeeCustomer(customerID uuid.UUID) bool {
	return a.Role != RoleCustomer || a.CustomerID == customerID
}

// IsStaffOrOwner reports whether the actor is office staff or the customer
// who owns a record; technicians and other customers are neither. A record
// without a customer (uuid.Nil) is owned by no customer.
func (a Actor) IsStaffOrOwner(customerID uuid.UUID) bool {
	return a.IsStaff() || (a.Role == RoleCustomer && customerID != uuid.Nil && a.CustomerID == customerID)
}

type actorKey struct{}

// WithActor returns a context carrying the actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx; ok is false for an anonymous request.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// MustActor returns the actor in ctx or an unauthenticated error.
func MustActor(ctx context.Context) (Actor, error) {
	a, ok := ActorFrom(ctx)
	if !ok {
		return Actor{}, Unauthenticated("authentication required")
	}
	return a, nil
}
