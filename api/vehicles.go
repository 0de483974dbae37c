package api

import (
	"context"

	"github.com/fieldwork/fieldwork/api/gen"
	"github.com/fieldwork/fieldwork/domain/vehicle"
)

func vehicleDTO(v vehicle.Vehicle) gen.Vehicle {
	return gen.Vehicle{Id: v.ID, CustomerId: v.CustomerID, Plate: v.Plate, Vin: nullableOf(v.VIN), Model: nullableOf(v.Model),
		DriverName: nullableOf(v.DriverName), DriverPhone: nullableOf(v.DriverPhone), TerminalId: nullableID(v.TerminalID), SimId: nullableID(v.SimID),
		CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
}

// CreateVehicle registers a vehicle.
func (s *Server) CreateVehicle(ctx context.Context, req gen.CreateVehicleRequestObject) (gen.CreateVehicleResponseObject, error) {
	b := req.Body
	plate, err := vehicle.ParsePlate(b.Plate)
	if err != nil {
		return nil, malformed("plate", err)
	}
	v, err := s.cfg.Vehicles.Create(ctx, vehicle.NewVehicle{CustomerID: b.CustomerId, Plate: plate, VIN: b.Vin, Model: b.Model,
		DriverName: b.DriverName, DriverPhone: b.DriverPhone})
	if err != nil {
		return nil, err
	}
	loc := "/v1/vehicles/" + v.ID.String()
	return gen.CreateVehicle201JSONResponse{Body: vehicleDTO(v), Headers: gen.CreateVehicle201ResponseHeaders{Location: &loc}}, nil
}

// ListVehicles pages through vehicles.
func (s *Server) ListVehicles(ctx context.Context, req gen.ListVehiclesRequestObject) (gen.ListVehiclesResponseObject, error) {
	f := vehicle.Filter{CustomerID: deref(req.Params.CustomerId), Query: deref(req.Params.Q)}
	page, err := s.cfg.Vehicles.List(ctx, f, pageRequest(req.Params.Limit, req.Params.Cursor))
	if err != nil {
		return nil, err
	}
	return gen.ListVehicles200JSONResponse{Items: mapItems(page.Items, vehicleDTO), NextCursor: nextCursor(page.Next)}, nil
}

// GetVehicle returns one vehicle.
func (s *Server) GetVehicle(ctx context.Context, req gen.GetVehicleRequestObject) (gen.GetVehicleResponseObject, error) {
	v, err := s.cfg.Vehicles.Get(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	return gen.GetVehicle200JSONResponse(vehicleDTO(v)), nil
}

// UpdateVehicle changes a vehicle.
func (s *Server) UpdateVehicle(ctx context.Context, req gen.UpdateVehicleRequestObject) (gen.UpdateVehicleResponseObject, error) {
	b := req.Body
	var plate *vehicle.Plate
	if b.Plate != nil {
		p, err := vehicle.ParsePlate(*b.Plate)
		if err != nil {
			return nil, malformed("plate", err)
		}
		plate = &p
	}
	v, err := s.cfg.Vehicles.Update(ctx, req.Id, vehicle.Update{Plate: plate, VIN: patchOf(b.Vin), Model: patchOf(b.Model),
		DriverName: patchOf(b.DriverName), DriverPhone: patchOf(b.DriverPhone)})
	if err != nil {
		return nil, err
	}
	return gen.UpdateVehicle200JSONResponse(vehicleDTO(v)), nil
}
