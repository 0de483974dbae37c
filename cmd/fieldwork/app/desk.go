package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain/callback"
	"github.com/fieldwork/fieldwork/domain/inquiry"
	"github.com/fieldwork/fieldwork/domain/workorder"
)

// The work-order service reaches the desk's services through interfaces of
// its own: it plans callbacks when an install completes, and opens the
// order an inquiry becomes.
var (
	_ workorder.Callbacks = (*callback.Service)(nil)
	_ workorder.Inquiries = (*inquiry.Service)(nil)
)

// followUps opens the repair a callback's follow-up asks for. The
// work-order service is set once built: it needs the callback service
// itself.
type followUps struct{ orders *workorder.Service }

var _ callback.Repairs = (*followUps)(nil)

// OpenFollowUp implements callback.Repairs.
func (f *followUps) OpenFollowUp(ctx context.Context, c callback.Callback) (uuid.UUID, error) {
	return f.orders.OpenFollowUp(ctx, workorder.FollowUp{CustomerID: c.CustomerID, VehicleID: c.VehicleID, Notes: c.Notes})
}
