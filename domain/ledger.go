package domain

import (
	"context"

	"github.com/google/uuid"
)

// The customer-service ledgers (inquiries, complaints; callbacks too) share
// one rule for who sees a record: staff see every record, a customer user
// its own customer's, and other roles none. What each may then do with it
// is the ledger's own rule.

// ReadLedger loads the ledger record id with load, for the actor in ctx. A
// record the actor may not see is not found (404), as if it did not exist.
func ReadLedger[T any](ctx context.Context, id uuid.UUID, load func(context.Context, uuid.UUID) (T, error), customerOf func(T) uuid.UUID,
	name string) (Actor, T, error) {
	var zero T
	actor, err := MustActor(ctx)
	if err != nil {
		return actor, zero, err
	}
	rec, err := load(ctx, id)
	if err != nil {
		return actor, zero, err
	}
	if !actor.IsStaffOrOwner(customerOf(rec)) {
		return actor, zero, NotFound(name)
	}
	return actor, rec, nil
}

// LedgerScope is the customer a ledger list is limited to for the actor:
// the one asked for by staff (uuid.Nil for all), a customer user's own.
// Other roles may not read the ledger (403).
func (a Actor) LedgerScope(asked uuid.UUID, ledger string) (uuid.UUID, error) {
	switch {
	case a.IsStaff():
		return asked, nil
	case a.Role == RoleCustomer:
		return a.CustomerID, nil
	}
	return uuid.Nil, Forbidden("this role does not read %s", ledger)
}
