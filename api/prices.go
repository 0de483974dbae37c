package api

import (
	"context"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/fieldwork/fieldwork/api/gen"
	"github.com/fieldwork/fieldwork/domain/billing"
	"github.com/fieldwork/fieldwork/domain/pricelist"
)

func priceItemDTO(it pricelist.Item) gen.PriceItem {
	return gen.PriceItem{Id: it.ID, Code: it.Code, Kind: gen.PriceItemKind(it.Kind), Name: it.Name, Unit: gen.PriceUnit(it.Unit),
		UnitPrice: it.UnitPrice, ValidFrom: openapi_types.Date{Time: it.ValidFrom}, Version: int32(it.Version),
		CreatedBy: it.CreatedBy, CreatedAt: it.CreatedAt}
}

func dayOf(d *openapi_types.Date) *time.Time {
	if d == nil {
		return nil
	}
	return &d.Time
}

// CreatePriceItem puts a code on the price list.
func (s *Server) CreatePriceItem(ctx context.Context, req gen.CreatePriceItemRequestObject) (gen.CreatePriceItemResponseObject, error) {
	b := req.Body
	it, err := s.cfg.Prices.Create(ctx, pricelist.New{Code: b.Code, Kind: pricelist.Kind(b.Kind), Name: b.Name, Unit: pricelist.Unit(b.Unit),
		UnitPrice: b.UnitPrice, ValidFrom: dayOf(b.ValidFrom)})
	if err != nil {
		return nil, err
	}
	loc := "/v1/price-items/" + it.ID.String()
	return gen.CreatePriceItem201JSONResponse{Body: priceItemDTO(it), Headers: gen.CreatePriceItem201ResponseHeaders{Location: &loc}}, nil
}

// ListPriceItems pages through the price list's versions.
func (s *Server) ListPriceItems(ctx context.Context, req gen.ListPriceItemsRequestObject) (gen.ListPriceItemsResponseObject, error) {
	p := req.Params
	f := pricelist.Filter{Code: deref(p.Code), Kind: pricelist.Kind(deref(p.Kind)), On: dayOf(p.On)}
	page, err := s.cfg.Prices.List(ctx, f, pageRequest(p.Limit, p.Cursor))
	if err != nil {
		return nil, err
	}
	return gen.ListPriceItems200JSONResponse{Items: mapItems(page.Items, priceItemDTO), NextCursor: nextCursor(page.Next)}, nil
}

// GetPriceItem returns one version.
func (s *Server) GetPriceItem(ctx context.Context, req gen.GetPriceItemRequestObject) (gen.GetPriceItemResponseObject, error) {
	it, err := s.cfg.Prices.Get(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	return gen.GetPriceItem200JSONResponse(priceItemDTO(it)), nil
}

// UpdatePriceItem makes a new version of the item's code.
func (s *Server) UpdatePriceItem(ctx context.Context, req gen.UpdatePriceItemRequestObject) (gen.UpdatePriceItemResponseObject, error) {
	b := req.Body
	in := pricelist.Update{Name: b.Name, UnitPrice: b.UnitPrice, ValidFrom: dayOf(b.ValidFrom)}
	if b.Unit != nil {
		u := pricelist.Unit(*b.Unit)
		in.Unit = &u
	}
	it, err := s.cfg.Prices.Update(ctx, req.Id, in)
	if err != nil {
		return nil, err
	}
	return gen.UpdatePriceItem200JSONResponse(priceItemDTO(it)), nil
}

// AddService records a paid extra service from the price list.
func (s *Server) AddService(ctx context.Context, req gen.AddServiceRequestObject) (gen.AddServiceResponseObject, error) {
	b := req.Body
	in := billing.ServiceInput{Code: b.Code, Description: b.Description, Quantity: 1, UnitPrice: b.UnitPrice, OverrideReason: b.PriceOverrideReason}
	if b.Quantity != nil {
		in.Quantity = int(*b.Quantity)
	}
	r, err := s.cfg.Billing.AddService(ctx, req.Id, in)
	if err != nil {
		return nil, err
	}
	return gen.AddService201JSONResponse(billLineDTO(r.Line, r.Charged)), nil
}

// ListBillLines pages through lines across orders.
func (s *Server) ListBillLines(ctx context.Context, req gen.ListBillLinesRequestObject) (gen.ListBillLinesResponseObject, error) {
	p := req.Params
	page, err := s.cfg.Billing.ListLines(ctx, billing.LineFilter{OffList: p.OffList, From: p.From, To: p.To}, pageRequest(p.Limit, p.Cursor))
	if err != nil {
		return nil, err
	}
	return gen.ListBillLines200JSONResponse{Items: mapItems(page.Items, func(x billing.Listed) gen.BillLineEntry {
		l := billLineDTO(x.Line, x.Charged)
		return gen.BillLineEntry{Id: l.Id, Kind: gen.BillLineEntryKind(l.Kind), PartCode: l.PartCode, Code: l.Code, Description: l.Description,
			Quantity: l.Quantity, UnitPrice: l.UnitPrice, Minutes: l.Minutes, Amount: l.Amount, Charged: l.Charged, OffList: l.OffList,
			PriceItemId: l.PriceItemId, ListPrice: l.ListPrice, PriceOverrideReason: l.PriceOverrideReason,
			WorkOrderId: x.Line.WorkOrderID, CreatedBy: x.Line.CreatedBy, At: x.Line.At}
	}), NextCursor: nextCursor(page.Next)}, nil
}
