package api

import (
	"context"
	"time"

	"github.com/google/uuid"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/fieldwork/fieldwork/api/gen"
	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/contract"
)

// contractDTO shows a contract; vehicle_ids null covers all the customer's.
func contractDTO(c contract.Contract) gen.Contract {
	out := gen.Contract{Id: c.ID, Number: c.Number, CustomerId: c.CustomerID, StartsOn: openapi_types.Date{Time: c.StartsOn},
		EndsOn: openapi_types.Date{Time: c.EndsOn}, Sla: slaDTO(c.SLA), Version: int32(c.Version), CreatedBy: c.CreatedBy,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	out.VehicleIds = nullableOf[gen.ContractVehicleIds](nil)
	if !c.AllVehicles() {
		vs := gen.ContractVehicleIds(append([]uuid.UUID{}, c.VehicleIDs...))
		out.VehicleIds = nullableOf(&vs)
	}
	out.WarrantyMonths = nullableOf[int32](nil)
	if c.WarrantyMonths != nil {
		m := int32(*c.WarrantyMonths)
		out.WarrantyMonths = nullableOf(&m)
	}
	return out
}

func slaDTO(ts map[string]contract.Term) gen.ContractSla {
	term := func(p string) *gen.SlaTerm {
		t, ok := ts[p]
		if !ok {
			return nil
		}
		return &gen.SlaTerm{RespondMinutes: int32(t.Respond / time.Minute), ResolveMinutes: int32(t.Resolve / time.Minute)}
	}
	return gen.ContractSla{Urgent: term("urgent"), High: term("high"), Normal: term("normal"), Low: term("low")}
}

// slaTerms reads the terms per priority; nil reads as none.
func slaTerms(in *gen.ContractSla) map[string]contract.Term {
	out := map[string]contract.Term{}
	if in == nil {
		return out
	}
	for p, t := range map[string]*gen.SlaTerm{"urgent": in.Urgent, "high": in.High, "normal": in.Normal, "low": in.Low} {
		if t != nil {
			out[p] = contract.Term{Respond: time.Duration(t.RespondMinutes) * time.Minute, Resolve: time.Duration(t.ResolveMinutes) * time.Minute}
		}
	}
	return out
}

func optInt(p *int32) *int {
	if p == nil {
		return nil
	}
	v := int(*p)
	return &v
}

func optDay(d *openapi_types.Date) *time.Time {
	if d == nil {
		return nil
	}
	return &d.Time
}

// CreateContract records a service contract.
func (s *Server) CreateContract(ctx context.Context, req gen.CreateContractRequestObject) (gen.CreateContractResponseObject, error) {
	b := req.Body
	in := contract.NewContract{Number: b.Number, CustomerID: b.CustomerId, StartsOn: b.StartsOn.Time, EndsOn: b.EndsOn.Time,
		SLA: slaTerms(b.Sla), WarrantyMonths: optInt(b.WarrantyMonths)}
	if b.VehicleIds != nil {
		in.VehicleIDs = append([]uuid.UUID{}, *b.VehicleIds...)
	}
	c, err := s.cfg.Contracts.Create(ctx, in)
	if err != nil {
		return nil, err
	}
	loc := "/v1/contracts/" + c.ID.String()
	return gen.CreateContract201JSONResponse{Body: contractDTO(c), Headers: gen.CreateContract201ResponseHeaders{Location: &loc, ETag: etag(c.Version)}}, nil
}

// ListContracts pages through contracts, oldest first.
func (s *Server) ListContracts(ctx context.Context, req gen.ListContractsRequestObject) (gen.ListContractsResponseObject, error) {
	p := req.Params
	page, err := s.cfg.Contracts.List(ctx, contract.Filter{CustomerID: deref(p.CustomerId), ActiveOn: optDay(p.ActiveOn)}, pageRequest(p.Limit, p.Cursor))
	if err != nil {
		return nil, err
	}
	return gen.ListContracts200JSONResponse{Items: mapItems(page.Items, contractDTO), NextCursor: nextCursor(page.Next)}, nil
}

// GetContract returns one contract with its ETag.
func (s *Server) GetContract(ctx context.Context, req gen.GetContractRequestObject) (gen.GetContractResponseObject, error) {
	c, err := s.cfg.Contracts.Get(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	return gen.GetContract200JSONResponse{Body: contractDTO(c), Headers: gen.GetContract200ResponseHeaders{ETag: etag(c.Version)}}, nil
}

// UpdateContract changes a contract under If-Match.
func (s *Server) UpdateContract(ctx context.Context, req gen.UpdateContractRequestObject) (gen.UpdateContractResponseObject, error) {
	b := req.Body
	in := contract.Edit{StartsOn: optDay(b.StartsOn), EndsOn: optDay(b.EndsOn)}
	if b.Sla != nil {
		terms := slaTerms(b.Sla)
		in.SLA = &terms
	}
	if b.VehicleIds.IsSpecified() {
		in.VehicleIDs = domain.Patch[[]uuid.UUID]{Set: true}
		if !b.VehicleIds.IsNull() {
			vs := append([]uuid.UUID{}, b.VehicleIds.MustGet()...)
			in.VehicleIDs.Value = &vs
		}
	}
	if w := patchOf(b.WarrantyMonths); w.Set {
		in.WarrantyMonths = domain.Patch[int]{Set: true, Value: optInt(w.Value)}
	}
	c, err := s.cfg.Contracts.Update(ctx, req.Id, ifMatchVersion(req.Params.IfMatch), in)
	if err != nil {
		return nil, err
	}
	return gen.UpdateContract200JSONResponse{Body: contractDTO(c), Headers: gen.UpdateContract200ResponseHeaders{ETag: etag(c.Version)}}, nil
}
