// Package billing records the parts and labour a work order used and
// computes its bill by the company's rule: under warranty nothing is
// charged; out of warranty a repair charges parts only (保修期外维修只收零部件费用);
// installation labour is free.
package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Kind is a part or labour.
type Kind string

// The kinds of bill line.
const (
	Part   Kind = "part"
	Labour Kind = "labour"
)

// Line is one thing used on an order. Money is integer fen.
type Line struct {
	ID          uuid.UUID
	WorkOrderID uuid.UUID
	Kind        Kind
	PartCode    *string
	Description string
	Quantity    int
	UnitPrice   int64
	Minutes     *int
	Amount      int64
	CreatedBy   uuid.UUID
	At          time.Time
}

// Rule names why a bill charges what it does.
type Rule string

// The rules.
const (
	InWarrantyFree         Rule = "in_warranty_free"
	OutOfWarrantyPartsOnly Rule = "out_of_warranty_parts_only"
	InstallLabourFree      Rule = "install_labour_free"
)

// Bill is what the customer pays.
type Bill struct {
	Lines       []Line
	Charged     []int64 // per line
	PartsTotal  int64
	LabourTotal int64
	Total       int64
	InWarranty  bool
	Rule        Rule
}

// Order is what billing needs to know of a work order.
type Order struct {
	ID           uuid.UUID
	Install      bool
	Open         bool // neither closed nor cancelled
	TechnicianID uuid.UUID
	InWarranty   bool // the warranty recorded when a repair was approved
}

// Orders answers for work orders as the actor in ctx may see them.
type Orders interface {
	Order(ctx context.Context, id uuid.UUID) (Order, error)
}

// Repository stores bill lines.
type Repository interface {
	Insert(ctx context.Context, l Line) error
	Lines(ctx context.Context, orderID uuid.UUID) ([]Line, error)
}

// Service records usage and computes bills.
type Service struct {
	repo   Repository
	orders Orders
	tx     domain.Transactor
	events domain.EventLog
	clock  domain.Clock
}

// NewService wires billing.
func NewService(repo Repository, orders Orders, tx domain.Transactor, events domain.EventLog, clock domain.Clock) *Service {
	return &Service{repo: repo, orders: orders, tx: tx, events: events, clock: clock}
}

// maxAmount bounds a line: a hundred million yuan.
const maxAmount = 100_000_000_00

// AddPart records parts used (the assigned technician or staff).
func (s *Service) AddPart(ctx context.Context, orderID uuid.UUID, code, description string, quantity int, unitPrice int64) (Line, error) {
	var fe domain.FieldErrors
	c := domain.Text(&fe, "part_code", code, 1, 64)
	l := Line{Kind: Part, PartCode: &c, Description: domain.Text(&fe, "description", description, 1, 500), Quantity: quantity, UnitPrice: unitPrice}
	if quantity < 1 || quantity > 10000 {
		fe.Add("quantity", "must be 1 to 10000")
	}
	if unitPrice < 0 || unitPrice > maxAmount {
		fe.Add("unit_price", "must be 0 to 10000000000 fen")
	}
	l.Amount = int64(quantity) * unitPrice
	return s.add(ctx, orderID, l, fe)
}

// AddLabour records labour (the assigned technician or staff).
func (s *Service) AddLabour(ctx context.Context, orderID uuid.UUID, description string, minutes int, amount int64) (Line, error) {
	var fe domain.FieldErrors
	l := Line{Kind: Labour, Description: domain.Text(&fe, "description", description, 1, 500), Quantity: 1, UnitPrice: amount,
		Minutes: &minutes, Amount: amount}
	if minutes < 1 || minutes > 100000 {
		fe.Add("minutes", "must be 1 to 100000")
	}
	if amount < 0 || amount > maxAmount {
		fe.Add("amount", "must be 0 to 10000000000 fen")
	}
	return s.add(ctx, orderID, l, fe)
}

func (s *Service) add(ctx context.Context, orderID uuid.UUID, l Line, fe domain.FieldErrors) (Line, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Line{}, err
	}
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		o, err := s.orders.Order(ctx, orderID)
		if err != nil {
			return err
		}
		if !actor.IsStaff() && !(actor.Role == domain.RoleTechnician && actor.UserID == o.TechnicianID) {
			return domain.Forbidden("only staff and the order's assigned technician record parts and labour")
		}
		if !o.Open {
			return domain.Conflict("the order is closed or cancelled; nothing more can be recorded on it")
		}
		if err := fe.Err(); err != nil {
			return err
		}
		l.ID, l.WorkOrderID, l.CreatedBy, l.At = domain.NewID(), orderID, actor.UserID, s.clock.Now()
		if err := s.repo.Insert(ctx, l); err != nil {
			return err
		}
		return s.events.Append(ctx, domain.NewEvent("work_order", orderID, "work_order."+string(l.Kind)+"_recorded", actor.UserID, l.At,
			map[string]any{"line_id": l.ID.String(), "description": l.Description, "amount": l.Amount}))
	})
	if err != nil {
		return Line{}, fmt.Errorf("record %s: %w", l.Kind, err)
	}
	return l, nil
}

// BillFor computes the order's bill.
func (s *Service) BillFor(ctx context.Context, orderID uuid.UUID) (Bill, error) {
	o, err := s.orders.Order(ctx, orderID)
	if err != nil {
		return Bill{}, err
	}
	lines, err := s.repo.Lines(ctx, orderID)
	if err != nil {
		return Bill{}, err
	}
	return Compute(o, lines), nil
}

// Total is what the customer pays for the order under the rule. It acts as
// the system: the caller, the work-order service completing the order, has
// already checked access.
func (s *Service) Total(ctx context.Context, o Order) (int64, error) {
	lines, err := s.repo.Lines(ctx, o.ID)
	if err != nil {
		return 0, err
	}
	return Compute(o, lines).Total, nil
}

// Compute applies the rule to the lines.
func Compute(o Order, lines []Line) Bill {
	b := Bill{Lines: lines, Charged: make([]int64, len(lines)), InWarranty: !o.Install && o.InWarranty}
	switch {
	case o.Install:
		b.Rule = InstallLabourFree
	case o.InWarranty:
		b.Rule = InWarrantyFree
	default:
		b.Rule = OutOfWarrantyPartsOnly
	}
	for i, l := range lines {
		if l.Kind == Part && b.Rule != InWarrantyFree {
			b.Charged[i] = l.Amount
			b.PartsTotal += l.Amount
		}
	}
	b.Total = b.PartsTotal + b.LabourTotal
	return b
}
