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
	// LockLines makes concurrent adds to one order take turns until the
	// transaction in ctx ends, so each sees the lines the other added.
	LockLines(ctx context.Context, orderID uuid.UUID) error
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

// MaxFen bounds every sum of money the service keeps or shows: a unit
// price, a line's amount, and an order's total (a billion yuan). The
// spec's Fen schema has the same maximum; a test holds them together.
const MaxFen int64 = 100_000_000_000

// MaxLines bounds the lines of one order, as the spec's Bill does.
const MaxLines = 1000

// MaxQuantity bounds a part line's quantity.
const MaxQuantity = 10000

// Recorded is a line just recorded, with what the bill charges for it now.
type Recorded struct {
	Line    Line
	Charged int64
}

// AddPart records parts used (the assigned technician or staff).
func (s *Service) AddPart(ctx context.Context, orderID uuid.UUID, code, description string, quantity int, unitPrice int64) (Recorded, error) {
	var fe domain.FieldErrors
	c := domain.Text(&fe, "part_code", code, 1, 64)
	l := Line{Kind: Part, PartCode: &c, Description: domain.Text(&fe, "description", description, 1, 500), Quantity: quantity, UnitPrice: unitPrice}
	switch {
	case quantity < 1 || quantity > MaxQuantity:
		fe.Add("quantity", fmt.Sprintf("must be 1 to %d", MaxQuantity))
	case unitPrice < 0 || unitPrice > MaxFen:
		fe.Add("unit_price", fmt.Sprintf("must be 0 to %d fen", MaxFen))
	case unitPrice > MaxFen/int64(quantity):
		fe.Add("unit_price", fmt.Sprintf("quantity × unit_price must be at most %d fen", MaxFen))
	default:
		l.Amount = int64(quantity) * unitPrice
	}
	return s.add(ctx, orderID, l, fe)
}

// AddLabour records labour (the assigned technician or staff).
func (s *Service) AddLabour(ctx context.Context, orderID uuid.UUID, description string, minutes int, amount int64) (Recorded, error) {
	var fe domain.FieldErrors
	l := Line{Kind: Labour, Description: domain.Text(&fe, "description", description, 1, 500), Quantity: 1, UnitPrice: amount,
		Minutes: &minutes, Amount: amount}
	if minutes < 1 || minutes > 100000 {
		fe.Add("minutes", "must be 1 to 100000")
	}
	if amount < 0 || amount > MaxFen {
		fe.Add("amount", fmt.Sprintf("must be 0 to %d fen", MaxFen))
	}
	return s.add(ctx, orderID, l, fe)
}

func (s *Service) add(ctx context.Context, orderID uuid.UUID, l Line, fe domain.FieldErrors) (Recorded, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Recorded{}, err
	}
	var out Recorded
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
		if err := s.repo.LockLines(ctx, orderID); err != nil {
			return err
		}
		lines, err := s.repo.Lines(ctx, orderID)
		if err != nil {
			return err
		}
		if len(lines) >= MaxLines {
			return domain.Conflict("the order already has %d lines, the most one bill holds", MaxLines)
		}
		var sum int64
		for _, x := range lines {
			sum += x.Amount
		}
		if l.Amount > MaxFen-sum {
			field := "amount"
			if l.Kind == Part {
				field = "unit_price"
			}
			return domain.Invalid(field, fmt.Sprintf("the order's lines would add up to more than %d fen", MaxFen))
		}
		l.ID, l.WorkOrderID, l.CreatedBy, l.At = domain.NewID(), orderID, actor.UserID, s.clock.Now()
		if err := s.repo.Insert(ctx, l); err != nil {
			return err
		}
		err = s.events.Append(ctx, domain.NewEvent("work_order", orderID, "work_order."+string(l.Kind)+"_recorded", actor.UserID, l.At,
			map[string]any{"line_id": l.ID.String(), "description": l.Description, "amount": l.Amount}))
		if err != nil {
			return err
		}
		out = Recorded{Line: l, Charged: RuleFor(o).Charge(l)}
		return nil
	})
	if err != nil {
		return Recorded{}, fmt.Errorf("record %s: %w", l.Kind, err)
	}
	return out, nil
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

// RuleFor is the rule that prices the order's lines.
func RuleFor(o Order) Rule {
	switch {
	case o.Install:
		return InstallLabourFree
	case o.InWarranty:
		return InWarrantyFree
	default:
		return OutOfWarrantyPartsOnly
	}
}

// Charge is what the customer pays for l under the rule: the one place a
// line's charge is decided, for the bill and for the line just recorded.
func (r Rule) Charge(l Line) int64 {
	if l.Kind == Part && r != InWarrantyFree {
		return l.Amount
	}
	return 0
}

// Compute applies the rule to the lines.
func Compute(o Order, lines []Line) Bill {
	b := Bill{Lines: lines, Charged: make([]int64, len(lines)), InWarranty: !o.Install && o.InWarranty, Rule: RuleFor(o)}
	for i, l := range lines {
		b.Charged[i] = b.Rule.Charge(l)
		switch l.Kind {
		case Part:
			b.PartsTotal += b.Charged[i]
		case Labour:
			b.LabourTotal += b.Charged[i]
		}
	}
	b.Total = b.PartsTotal + b.LabourTotal
	return b
}
