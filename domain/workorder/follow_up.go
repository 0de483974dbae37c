package workorder

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// FollowUp is the repair a callback asks for: the customer reported a
// problem with the vehicle when called back.
type FollowUp struct {
	CustomerID, VehicleID uuid.UUID
	Notes                 *string // what the customer said, if recorded
}

// OpenFollowUp opens a repair request for the vehicle, at the customer's
// address and with its contact, as Create would and in the caller's
// transaction, and returns the order's id.
func (s *Service) OpenFollowUp(ctx context.Context, f FollowUp) (uuid.UUID, error) {
	c, err := s.dir.CustomerContact(ctx, f.CustomerID)
	if err != nil {
		return uuid.Nil, fmt.Errorf("follow-up repair: %w", err)
	}
	desc := "Follow-up of a callback"
	if f.Notes != nil {
		desc += ": " + *f.Notes
	}
	v, err := s.Create(ctx, NewOrder{Type: Repair, CustomerID: f.CustomerID, VehicleID: &f.VehicleID, Site: Site{Address: c.Address},
		Description: desc, Priority: Normal, ContactName: &c.Name, ContactPhone: &c.Phone})
	if err != nil {
		return uuid.Nil, fmt.Errorf("follow-up repair: %w", err)
	}
	return v.ID, nil
}
