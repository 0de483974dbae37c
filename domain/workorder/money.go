package workorder

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Money answers what an order owes, so that an order completes only once
// the customer agreed to every charge (收费通知) and closes only once it is
// settled. The directory implements it.
type Money interface {
	// UnagreedLines lists the order's charged lines that no accepted fee
	// notice covers.
	UnagreedLines(ctx context.Context, o Order) ([]uuid.UUID, error)
	// Outstanding is what the customer still owes on the order, in fen.
	Outstanding(ctx context.Context, o Order) (int64, error)
}

// moneyAllows refuses to complete an order with charges the customer has
// not agreed to, or to close one with a balance outstanding.
func (s *Service) moneyAllows(ctx context.Context, o Order, a Action) error {
	switch a {
	case Complete:
		lines, err := s.dir.UnagreedLines(ctx, o)
		if err != nil || len(lines) == 0 {
			return err
		}
		names := make([]string, 0, 11)
		ids := make([]string, len(lines))
		for i, id := range lines {
			ids[i] = id.String()
			if i < 10 {
				names = append(names, ids[i])
			}
		}
		if len(lines) > 10 {
			names = append(names, fmt.Sprintf("and %d more", len(lines)-10))
		}
		return conflictWith(fmt.Sprintf("complete: no accepted fee notice covers the charged lines %s", strings.Join(names, ", ")),
			map[string]any{"line_ids": ids})
	case Close:
		owed, err := s.dir.Outstanding(ctx, o)
		if err != nil || owed <= 0 {
			return err
		}
		return conflictWith(fmt.Sprintf("close: %d fen is outstanding; collect it, or a manager waives it", owed), map[string]any{"outstanding": owed})
	}
	return nil
}

func conflictWith(detail string, extra map[string]any) error {
	return &domain.Error{Kind: domain.KindConflict, Detail: detail, Extra: extra}
}
