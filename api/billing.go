package api

import (
	"context"

	"github.com/fieldwork/fieldwork/api/gen"
	"github.com/fieldwork/fieldwork/domain/billing"
)

func billLineDTO(l billing.Line, charged int64) gen.BillLine {
	out := gen.BillLine{Id: l.ID, Kind: gen.BillLineKind(l.Kind), PartCode: nullableOf(l.PartCode), Description: l.Description,
		Quantity: int32(l.Quantity), UnitPrice: l.UnitPrice, Amount: l.Amount, Charged: charged, Code: nullableOf(l.Code), OffList: l.OffList,
		PriceItemId: nullableOf(l.PriceItemID), ListPrice: nullableOf(l.ListPrice), PriceOverrideReason: nullableOf(l.OverrideReason)}
	if l.Minutes != nil {
		m := int32(*l.Minutes)
		out.Minutes = nullableOf(&m)
	} else {
		out.Minutes = nullableOf[int32](nil)
	}
	return out
}

// AddPart records parts used on an order.
func (s *Server) AddPart(ctx context.Context, req gen.AddPartRequestObject) (gen.AddPartResponseObject, error) {
	b := req.Body
	r, err := s.cfg.Billing.AddPart(ctx, req.Id, billing.PartInput{Code: b.PartCode, Description: b.Description, Quantity: int(b.Quantity),
		UnitPrice: b.UnitPrice, OverrideReason: b.PriceOverrideReason})
	if err != nil {
		return nil, err
	}
	return gen.AddPart201JSONResponse(billLineDTO(r.Line, r.Charged)), nil
}

// AddLabour records labour on an order.
func (s *Server) AddLabour(ctx context.Context, req gen.AddLabourRequestObject) (gen.AddLabourResponseObject, error) {
	b := req.Body
	r, err := s.cfg.Billing.AddLabour(ctx, req.Id, billing.LabourInput{Code: b.Code, Description: b.Description, Minutes: int(b.Minutes),
		Amount: b.Amount, OverrideReason: b.PriceOverrideReason})
	if err != nil {
		return nil, err
	}
	return gen.AddLabour201JSONResponse(billLineDTO(r.Line, r.Charged)), nil
}

// GetBill computes an order's bill.
func (s *Server) GetBill(ctx context.Context, req gen.GetBillRequestObject) (gen.GetBillResponseObject, error) {
	b, err := s.cfg.Billing.BillFor(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	bal, err := s.cfg.Payments.BalanceOf(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	lines := make([]gen.BillLine, len(b.Lines))
	for i, l := range b.Lines {
		lines[i] = billLineDTO(l, b.Charged[i])
	}
	out := gen.GetBill200JSONResponse{Lines: lines, PartsTotal: b.PartsTotal, LabourTotal: b.LabourTotal, ServicesTotal: b.ServicesTotal, Total: b.Total,
		Currency: gen.BillCurrencyCNY, Paid: bal.Paid, Waived: bal.Waived, Outstanding: bal.Outstanding}
	out.Warranty.InWarranty, out.Warranty.Rule = b.InWarranty, gen.BillWarrantyRule(b.Rule)
	return out, nil
}
