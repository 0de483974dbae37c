package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Price is a price-list version as billing uses it.
type Price struct {
	ItemID    uuid.UUID
	Code      string
	Kind      Kind
	Name      string
	PerHour   bool // labour by the hour: charged for the minutes worked
	UnitPrice int64
}

// PriceList answers for the price of a code on the day of at.
type PriceList interface {
	PriceOn(ctx context.Context, code string, at time.Time) (Price, bool, error)
}

// pricing is what the caller typed about a line's price.
type pricing struct {
	code      *string // nil: a line without a code (labour)
	codeField string
	given     *int64 // the unit price (part, service) or amount (labour) typed
	field     string
	reason    *string
}

// MayOverride is whether the actor may charge other than the price list.
func MayOverride(a domain.Actor) bool { return a.Is(domain.RoleAdmin, domain.RoleManager) }

// price sets the line's price: the price list's on the day when it lists
// the code; otherwise the one typed, marked off the list. A price other
// than the list's needs a manager and a reason.
func (s *Service) price(ctx context.Context, a domain.Actor, l *Line, p pricing) error {
	var item Price
	found := false
	if p.code != nil {
		var err error
		if item, found, err = s.prices.PriceOn(ctx, *p.code, l.At); err != nil {
			return err
		}
	}
	if !found {
		switch {
		case l.Kind == PaidService:
			return domain.Invalid(p.codeField, fmt.Sprintf("%s is not on the price list on %s; a paid service must be", *p.code, l.At.UTC().Format(time.DateOnly)))
		case p.reason != nil:
			return domain.Invalid("price_override_reason", "the line is not priced by the price list, so there is nothing to override")
		case p.given == nil:
			return domain.Invalid(p.field, "required: the line's code is not on the price list")
		}
		l.OffList = true
		return s.amount(l, *p.given, p.field)
	}
	if item.Kind != l.Kind {
		return domain.Invalid(p.codeField, fmt.Sprintf("%s is on the price list as %s, not %s", item.Code, item.Kind, l.Kind))
	}
	id, list := item.ItemID, item.UnitPrice
	l.Code, l.PriceItemID, l.ListPrice = &item.Code, &id, &list
	if l.Kind == Part {
		l.PartCode = &item.Code
	}
	if l.Description == "" {
		l.Description = item.Name
	}
	if err := s.amount(l, list, p.field); err != nil {
		return err
	}
	if l.Kind == Labour && item.PerHour {
		l.Amount = (list*int64(*l.Minutes) + 30) / 60
		if l.Amount > MaxFen {
			return domain.Invalid(p.field, fmt.Sprintf("the price list's rate for %d minutes would be more than %d fen", *l.Minutes, MaxFen))
		}
	}
	listValue := l.UnitPrice
	if l.Kind == Labour {
		listValue = l.Amount
	}
	if p.given == nil || *p.given == listValue {
		if p.reason != nil {
			return domain.Invalid("price_override_reason", "given only with a price other than the price list's")
		}
		return nil
	}
	if !MayOverride(a) {
		return domain.Invalid(p.field, fmt.Sprintf("the price list gives %d fen for %s on %s; only a manager may charge otherwise, with price_override_reason",
			listValue, item.Code, l.At.UTC().Format(time.DateOnly)))
	}
	if p.reason == nil {
		return domain.Invalid("price_override_reason", fmt.Sprintf("required to charge other than the price list's %d fen", listValue))
	}
	l.OverrideReason = p.reason
	return s.amount(l, *p.given, p.field)
}

// amount prices the line at v: a unit price for parts and services, the
// amount itself for labour.
func (s *Service) amount(l *Line, v int64, field string) error {
	if l.Kind == Labour {
		l.UnitPrice, l.Amount = v, v
		return nil
	}
	if v > MaxFen/int64(l.Quantity) {
		return domain.Invalid(field, fmt.Sprintf("quantity × unit_price must be at most %d fen", MaxFen))
	}
	l.UnitPrice, l.Amount = v, int64(l.Quantity)*v
	return nil
}

// recordEvents puts the line, and any override of the price list, on the
// order's timeline.
func (s *Service) recordEvents(ctx context.Context, l Line) error {
	data := map[string]any{"line_id": l.ID.String(), "description": l.Description, "amount": l.Amount, "unit_price": l.UnitPrice, "off_list": l.OffList}
	if l.Code != nil {
		data["code"] = *l.Code
	}
	if l.OverrideReason != nil {
		data["list_price"], data["price_override_reason"] = *l.ListPrice, *l.OverrideReason
	}
	if err := s.events.Append(ctx, domain.NewEvent("work_order", l.WorkOrderID, "work_order."+string(l.Kind)+"_recorded", l.CreatedBy, l.At, data)); err != nil {
		return err
	}
	if l.OverrideReason == nil {
		return nil
	}
	return s.events.Append(ctx, domain.NewEvent("work_order", l.WorkOrderID, "work_order.price_overridden", l.CreatedBy, l.At,
		map[string]any{"line_id": l.ID.String(), "code": *l.Code, "price_item_id": l.PriceItemID.String(), "list_price": *l.ListPrice,
			"unit_price": l.UnitPrice, "amount": l.Amount, "reason": *l.OverrideReason}))
}

// ServiceInput is a paid extra service from the price list. UnitPrice nil
// takes the list's; Description nil its name.
type ServiceInput struct {
	Code           string
	Description    *string
	Quantity       int
	UnitPrice      *int64
	OverrideReason *string
}

// AddService records a paid extra service from the price list (the
// assigned technician or staff). It is charged under every rule.
func (s *Service) AddService(ctx context.Context, orderID uuid.UUID, in ServiceInput) (Recorded, error) {
	var fe domain.FieldErrors
	c := domain.Text(&fe, "code", in.Code, 1, 64)
	l := Line{Kind: PaidService, Code: &c, Quantity: in.Quantity}
	if in.Description != nil {
		l.Description = domain.Text(&fe, "description", *in.Description, 1, 500)
	}
	if in.Quantity < 1 || in.Quantity > MaxQuantity {
		fe.Add("quantity", fmt.Sprintf("must be 1 to %d", MaxQuantity))
	}
	checkFen(&fe, "unit_price", in.UnitPrice)
	p := pricing{codeField: "code", field: "unit_price", code: &c, given: in.UnitPrice, reason: domain.OptionalText(&fe, "price_override_reason", in.OverrideReason, 500)}
	return s.add(ctx, orderID, l, fe, p)
}

// LineFilter narrows a list of lines across orders.
type LineFilter struct {
	OffList  *bool
	From, To *time.Time // recorded at or after From, before To
}

// Listed is a line in a list across orders, with what its bill charges for it.
type Listed struct {
	Line    Line
	Charged int64
}

// ListLines pages through lines across orders (admin, manager): with
// OffList, the lines priced by hand, so the price list can catch up.
func (s *Service) ListLines(ctx context.Context, f LineFilter, p domain.PageRequest) (domain.Page[Listed], error) {
	a, err := domain.MustActor(ctx)
	if err != nil {
		return domain.Page[Listed]{}, err
	}
	if !a.Is(domain.RoleAdmin, domain.RoleManager) {
		return domain.Page[Listed]{}, domain.Forbidden("only admins and managers list bill lines across orders")
	}
	page, err := s.repo.List(ctx, f, p.Normalize())
	if err != nil {
		return domain.Page[Listed]{}, err
	}
	ids := make([]uuid.UUID, 0, len(page.Items))
	for _, l := range page.Items {
		ids = append(ids, l.WorkOrderID)
	}
	orders, err := s.orders.Orders(ctx, ids)
	if err != nil {
		return domain.Page[Listed]{}, fmt.Errorf("list bill lines: %w", err)
	}
	out := domain.Page[Listed]{Items: make([]Listed, len(page.Items)), Next: page.Next}
	for i, l := range page.Items {
		o, ok := orders[l.WorkOrderID]
		if !ok {
			return domain.Page[Listed]{}, fmt.Errorf("list bill lines: order %s of line %s not found", l.WorkOrderID, l.ID)
		}
		out.Items[i] = Listed{Line: l, Charged: RuleFor(o).Charge(l)}
	}
	return out, nil
}
