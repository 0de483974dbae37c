// Package billing records the parts, labour and paid extra services a work
// order used, priced by the price list where it lists them, and computes
// its bill by the company's rule: under warranty nothing is charged but paid
// extra services (有偿服务); out of warranty a repair charges parts only
// (保修期外维修只收零部件费用), and services; installation labour is free.
package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Kind is a part, labour or a paid extra service.
type Kind string

// The kinds of bill line.
const (
	Part        Kind = "part"
	Labour      Kind = "labour"
	PaidService Kind = "service"
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
	// Code is the price-list code the line was recorded with.
	Code *string
	// OffList: the price was typed, not taken from the price list.
	OffList bool
	// PriceItemID is the price-list version that priced the line, and
	// ListPrice its unit price; OverrideReason says why a manager charged
	// other than it.
	PriceItemID    *uuid.UUID
	ListPrice      *int64
	OverrideReason *string
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
	Lines         []Line
	Charged       []int64 // per line
	PartsTotal    int64
	LabourTotal   int64
	ServicesTotal int64
	Total         int64
	InWarranty    bool
	Rule          Rule
}

// Order is what billing needs to know of a work order.
type Order struct {
	ID           uuid.UUID
	Install      bool
	Open         bool // neither closed nor cancelled
	Completed    bool // completed: its charges were agreed, so it takes no new line until reopened
	TechnicianID uuid.UUID
	InWarranty   bool // the warranty recorded when a repair was approved
}

// Orders answers for work orders as the actor in ctx may see them.
type Orders interface {
	Order(ctx context.Context, id uuid.UUID) (Order, error)
	// Orders are the orders among ids the actor may see, by id, in one
	// round of queries.
	Orders(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]Order, error)
}

// Repository stores bill lines.
type Repository interface {
	Insert(ctx context.Context, l Line) error
	Lines(ctx context.Context, orderID uuid.UUID) ([]Line, error)
	// LockLines makes concurrent adds to one order take turns until the
	// transaction in ctx ends, so each sees the lines the other added.
	LockLines(ctx context.Context, orderID uuid.UUID) error
	// List pages through lines across orders in recording order.
	List(ctx context.Context, f LineFilter, p domain.PageRequest) (domain.Page[Line], error)
}

// Service records usage and computes bills.
type Service struct {
	repo   Repository
	orders Orders
	prices PriceList
	tx     domain.Transactor
	events domain.EventLog
	clock  domain.Clock
}

// NewService wires billing.
func NewService(repo Repository, orders Orders, prices PriceList, tx domain.Transactor, events domain.EventLog, clock domain.Clock) *Service {
	return &Service{repo: repo, orders: orders, prices: prices, tx: tx, events: events, clock: clock}
}

// MaxFen bounds every sum of money the service keeps or shows: a unit
// price, a line's amount, and an order's total (a billion yuan). The
// spec's Fen schema has the same maximum; a test holds them together.
const MaxFen int64 = 100_000_000_000

// MaxLines bounds the lines of one order, as the spec's Bill does.
const MaxLines = 1000

// MaxQuantity bounds a part or service line's quantity.
const MaxQuantity = 10000

// Recorded is a line just recorded, with what the bill charges for it now.
type Recorded struct {
	Line    Line
	Charged int64
}

// PartInput is parts used. UnitPrice nil takes the price list's.
type PartInput struct {
	Code           string
	Description    string
	Quantity       int
	UnitPrice      *int64
	OverrideReason *string
}

// AddPart records parts used (the assigned technician or staff), at the
// price list's price on the day when it lists the code.
func (s *Service) AddPart(ctx context.Context, orderID uuid.UUID, in PartInput) (Recorded, error) {
	var fe domain.FieldErrors
	c := domain.Text(&fe, "part_code", in.Code, 1, 64)
	l := Line{Kind: Part, PartCode: &c, Code: &c, Description: domain.Text(&fe, "description", in.Description, 1, 500), Quantity: in.Quantity}
	if in.Quantity < 1 || in.Quantity > MaxQuantity {
		fe.Add("quantity", fmt.Sprintf("must be 1 to %d", MaxQuantity))
	}
	p := pricing{codeField: "part_code", field: "unit_price", code: &c, given: in.UnitPrice, reason: domain.OptionalText(&fe, "price_override_reason", in.OverrideReason, 500)}
	checkFen(&fe, "unit_price", in.UnitPrice)
	return s.add(ctx, orderID, l, fe, p)
}

// LabourInput is labour done. Amount nil takes the price list's for Code.
type LabourInput struct {
	Code           *string
	Description    string
	Minutes        int
	Amount         *int64
	OverrideReason *string
}

// AddLabour records labour (the assigned technician or staff).
func (s *Service) AddLabour(ctx context.Context, orderID uuid.UUID, in LabourInput) (Recorded, error) {
	var fe domain.FieldErrors
	minutes := in.Minutes
	l := Line{Kind: Labour, Description: domain.Text(&fe, "description", in.Description, 1, 500), Quantity: 1, Minutes: &minutes}
	if minutes < 1 || minutes > 100000 {
		fe.Add("minutes", "must be 1 to 100000")
	}
	p := pricing{codeField: "code", field: "amount", given: in.Amount, reason: domain.OptionalText(&fe, "price_override_reason", in.OverrideReason, 500)}
	if in.Code != nil {
		c := domain.Text(&fe, "code", *in.Code, 1, 64)
		l.Code, p.code = &c, &c
	}
	checkFen(&fe, "amount", in.Amount)
	return s.add(ctx, orderID, l, fe, p)
}

func checkFen(fe *domain.FieldErrors, field string, v *int64) {
	if v != nil && (*v < 0 || *v > MaxFen) {
		fe.Add(field, fmt.Sprintf("must be 0 to %d fen", MaxFen))
	}
}

func (s *Service) add(ctx context.Context, orderID uuid.UUID, l Line, fe domain.FieldErrors, p pricing) (Recorded, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Recorded{}, err
	}
	var out Recorded
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		// The lines' lock comes before the order is read: completing and
		// closing take it too before they judge the lines, so a line can't
		// slip in between their check and their commit.
		if err := s.repo.LockLines(ctx, orderID); err != nil {
			return err
		}
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
		if o.Completed {
			return domain.Conflict("the order is completed, with its charges agreed; reopen it to record more")
		}
		if err := fe.Err(); err != nil {
			return err
		}
		l.At = s.clock.Now()
		if err := s.price(ctx, actor, &l, p); err != nil {
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
			return domain.Invalid(p.field, fmt.Sprintf("the order's lines would add up to more than %d fen", MaxFen))
		}
		l.ID, l.WorkOrderID, l.CreatedBy = domain.NewID(), orderID, actor.UserID
		if err := s.repo.Insert(ctx, l); err != nil {
			return err
		}
		if err := s.recordEvents(ctx, l); err != nil {
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
// line's charge is decided, for the bill, the line just recorded and every
// list of lines. Paid extra services are charged under every rule; parts
// unless in warranty; labour never.
func (r Rule) Charge(l Line) int64 {
	switch {
	case l.Kind == PaidService:
		return l.Amount
	case l.Kind == Part && r != InWarrantyFree:
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
		case PaidService:
			b.ServicesTotal += b.Charged[i]
		}
	}
	b.Total = b.PartsTotal + b.LabourTotal + b.ServicesTotal
	return b
}
