package workorder

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Inquiries is the inquiry ledger as turning an inquiry into an order needs
// it; both calls run in the caller's transaction.
type Inquiries interface {
	// ConvertibleInquiry checks that the actor may turn the inquiry into a
	// work order now, and returns its customer (uuid.Nil when it has none).
	ConvertibleInquiry(ctx context.Context, id uuid.UUID) (uuid.UUID, error)
	// LinkWorkOrder records that the inquiry became the order.
	LinkWorkOrder(ctx context.Context, id, orderID, customerID uuid.UUID) error
}

// CreateFromInquiry opens a work order for an inquiry, as Create would, and
// links the two in the same transaction; the order's timeline records
// from_inquiry. The inquiry is judged first (404, 403, 409 once converted),
// then the order's input.
func (s *Service) CreateFromInquiry(ctx context.Context, inquiryID uuid.UUID, in NewOrder) (View, error) {
	var out View
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		customerID, err := s.inquiries.ConvertibleInquiry(ctx, inquiryID)
		if err != nil {
			return err
		}
		if customerID != uuid.Nil && in.CustomerID != customerID {
			return domain.Invalid("customer_id", "must be the inquiry's customer")
		}
		o, err := s.Create(ctx, in)
		if err != nil {
			return err
		}
		if err := s.inquiries.LinkWorkOrder(ctx, inquiryID, o.ID, o.CustomerID); err != nil {
			return err
		}
		out = o
		return s.events.Append(ctx, domain.NewEvent("work_order", o.ID, "work_order.from_inquiry", o.CreatedBy, o.CreatedAt,
			map[string]any{"inquiry_id": inquiryID.String()}))
	})
	if err != nil {
		return View{}, fmt.Errorf("work order from inquiry %s: %w", inquiryID, err)
	}
	return out, nil
}
