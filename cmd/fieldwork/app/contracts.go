package app

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain/contract"
	"github.com/fieldwork/fieldwork/domain/workorder"
	"github.com/fieldwork/fieldwork/infra/store"
)

// contractDirectory answers the contract service's questions about
// customers and vehicles.
type contractDirectory struct{ db *store.DB }

var _ contract.Directory = contractDirectory{}

// CustomerExists implements contract.Directory.
func (d contractDirectory) CustomerExists(ctx context.Context, id uuid.UUID) (bool, error) {
	return d.db.Customers().CustomerExists(ctx, id)
}

// VehiclesOfCustomer implements contract.Directory.
func (d contractDirectory) VehiclesOfCustomer(ctx context.Context, customerID uuid.UUID, ids []uuid.UUID) (bool, error) {
	return d.db.Vehicles().OfCustomer(ctx, customerID, ids)
}

// orderContracts tells the work-order service which contract a new order
// is under, by the contract service's rule.
type orderContracts struct{ contracts *contract.Service }

var _ workorder.Contracts = orderContracts{}

// InForce implements workorder.Contracts.
func (o orderContracts) InForce(ctx context.Context, customerID uuid.UUID, vehicleIDs []uuid.UUID, at time.Time) (workorder.ContractTerms, error) {
	c, ok, err := o.contracts.InForce(ctx, customerID, vehicleIDs, at)
	if err != nil || !ok {
		return workorder.ContractTerms{}, err
	}
	terms := map[workorder.Priority]workorder.Term{}
	for p, t := range c.SLA {
		terms[workorder.Priority(p)] = workorder.Term{Respond: t.Respond, Resolve: t.Resolve}
	}
	return workorder.ContractTerms{ID: c.ID, Terms: terms}, nil
}
