package api

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/oapi-codegen/nullable"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/fieldwork/fieldwork/api/gen"
	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/custody"
)

func nullableDate(t *time.Time) nullable.Nullable[openapi_types.Date] {
	if t == nil {
		return nullable.NewNullNullable[openapi_types.Date]()
	}
	return nullable.NewNullableWithValue(openapi_types.Date{Time: *t})
}

func modelDTO(m custody.TerminalModel) gen.TerminalModel {
	return gen.TerminalModel{Id: m.ID, Name: m.Name, Manufacturer: m.Manufacturer, WarrantyMonths: int32(m.WarrantyMonths), CreatedAt: m.CreatedAt}
}

func terminalDTO(t custody.Terminal) gen.Terminal {
	return gen.Terminal{Id: t.ID, Serial: t.Serial, Imei: t.IMEI, ModelId: t.ModelID, Firmware: nullableOf(t.Firmware),
		Status: gen.TerminalStatus(t.Status), CustomerId: nullableID(t.CustomerID), VehicleId: nullableID(t.VehicleID),
		InstalledAt: nullableOf(t.InstalledAt), FirstInstalledOn: nullableDate(t.FirstInstalledOn), Label: nullableOf(t.Label),
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

func simDTO(s custody.Sim) gen.Sim {
	return gen.Sim{Id: s.ID, Iccid: s.ICCID, Msisdn: s.MSISDN, Carrier: s.Carrier, Status: gen.SimStatus(s.Status),
		CustomerId: nullableID(s.CustomerID), VehicleId: nullableID(s.VehicleID), InstalledAt: nullableOf(s.InstalledAt),
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

func unitFilter[S ~string](status *S, customer, vehicle *uuid.UUID, q *string) custody.UnitFilter {
	f := custody.UnitFilter{CustomerID: deref(customer), VehicleID: deref(vehicle), Query: deref(q)}
	if status != nil {
		f.Status = string(*status)
	}
	return f
}

// CreateTerminalModel adds a terminal model.
func (s *Server) CreateTerminalModel(ctx context.Context, req gen.CreateTerminalModelRequestObject) (gen.CreateTerminalModelResponseObject, error) {
	b := req.Body
	m, err := s.cfg.Custody.CreateModel(ctx, b.Name, b.Manufacturer, int(b.WarrantyMonths))
	if err != nil {
		return nil, err
	}
	loc := "/v1/terminal-models/" + m.ID.String()
	return gen.CreateTerminalModel201JSONResponse{Body: modelDTO(m), Headers: gen.CreateTerminalModel201ResponseHeaders{Location: &loc}}, nil
}

// ListTerminalModels pages through terminal models.
func (s *Server) ListTerminalModels(ctx context.Context, req gen.ListTerminalModelsRequestObject) (gen.ListTerminalModelsResponseObject, error) {
	page, err := s.cfg.Custody.ListModels(ctx, pageRequest(req.Params.Limit, req.Params.Cursor))
	if err != nil {
		return nil, err
	}
	return gen.ListTerminalModels200JSONResponse{Items: mapItems(page.Items, modelDTO), NextCursor: nextCursor(page.Next)}, nil
}

// CreateTerminal registers a terminal in stock.
func (s *Server) CreateTerminal(ctx context.Context, req gen.CreateTerminalRequestObject) (gen.CreateTerminalResponseObject, error) {
	b := req.Body
	imei, err := custody.ParseIMEI(b.Imei)
	if err != nil {
		return nil, malformed("imei", err)
	}
	t, err := s.cfg.Custody.RegisterTerminal(ctx, b.Serial, imei, b.ModelId, b.Firmware)
	if err != nil {
		return nil, err
	}
	loc := "/v1/terminals/" + t.ID.String()
	return gen.CreateTerminal201JSONResponse{Body: terminalDTO(t), Headers: gen.CreateTerminal201ResponseHeaders{Location: &loc}}, nil
}

// ListTerminals pages through terminals.
func (s *Server) ListTerminals(ctx context.Context, req gen.ListTerminalsRequestObject) (gen.ListTerminalsResponseObject, error) {
	p := req.Params
	page, err := s.cfg.Custody.ListTerminals(ctx, unitFilter(p.Status, p.CustomerId, p.VehicleId, p.Q), pageRequest(p.Limit, p.Cursor))
	if err != nil {
		return nil, err
	}
	return gen.ListTerminals200JSONResponse{Items: mapItems(page.Items, terminalDTO), NextCursor: nextCursor(page.Next)}, nil
}

// GetTerminal returns one terminal.
func (s *Server) GetTerminal(ctx context.Context, req gen.GetTerminalRequestObject) (gen.GetTerminalResponseObject, error) {
	t, err := s.cfg.Custody.Terminal(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	return gen.GetTerminal200JSONResponse(terminalDTO(t)), nil
}

// TerminalHistory is a terminal's chain of custody.
func (s *Server) TerminalHistory(ctx context.Context, req gen.TerminalHistoryRequestObject) (gen.TerminalHistoryResponseObject, error) {
	evs, err := s.cfg.Custody.History(ctx, custody.KindTerminal, req.Id)
	if err != nil {
		return nil, err
	}
	return gen.TerminalHistory200JSONResponse{Items: mapItems(evs, custodyEventDTO)}, nil
}

// TerminalWarranty is a terminal's warranty today.
func (s *Server) TerminalWarranty(ctx context.Context, req gen.TerminalWarrantyRequestObject) (gen.TerminalWarrantyResponseObject, error) {
	w, err := s.cfg.Custody.WarrantyOf(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	basis := gen.FirstInstall
	if w.StartsOn == nil {
		basis = gen.NeverInstalled
	}
	return gen.TerminalWarranty200JSONResponse{InWarranty: w.InWarranty, StartsOn: nullableDate(w.StartsOn), EndsOn: nullableDate(w.EndsOn), Basis: basis}, nil
}

// ReceiveTerminalBack returns a repaired unit to stock.
func (s *Server) ReceiveTerminalBack(ctx context.Context, req gen.ReceiveTerminalBackRequestObject) (gen.ReceiveTerminalBackResponseObject, error) {
	t, err := s.cfg.Custody.ReceiveBack(ctx, req.Id, req.Body.Note)
	if err != nil {
		return nil, err
	}
	return gen.ReceiveTerminalBack200JSONResponse(terminalDTO(t)), nil
}

// ScrapTerminal takes a unit out of service for good.
func (s *Server) ScrapTerminal(ctx context.Context, req gen.ScrapTerminalRequestObject) (gen.ScrapTerminalResponseObject, error) {
	t, err := s.cfg.Custody.Scrap(ctx, req.Id, req.Body.Note)
	if err != nil {
		return nil, err
	}
	return gen.ScrapTerminal200JSONResponse(terminalDTO(t)), nil
}

// CreateSim registers a SIM card in stock.
func (s *Server) CreateSim(ctx context.Context, req gen.CreateSimRequestObject) (gen.CreateSimResponseObject, error) {
	b := req.Body
	iccid, err := custody.ParseICCID(b.Iccid)
	if err != nil {
		return nil, malformed("iccid", err)
	}
	sim, err := s.cfg.Custody.RegisterSim(ctx, iccid, b.Msisdn, b.Carrier)
	if err != nil {
		return nil, err
	}
	loc := "/v1/sims/" + sim.ID.String()
	return gen.CreateSim201JSONResponse{Body: simDTO(sim), Headers: gen.CreateSim201ResponseHeaders{Location: &loc}}, nil
}

// ListSims pages through SIM cards.
func (s *Server) ListSims(ctx context.Context, req gen.ListSimsRequestObject) (gen.ListSimsResponseObject, error) {
	p := req.Params
	page, err := s.cfg.Custody.ListSims(ctx, unitFilter(p.Status, p.CustomerId, p.VehicleId, p.Q), pageRequest(p.Limit, p.Cursor))
	if err != nil {
		return nil, err
	}
	return gen.ListSims200JSONResponse{Items: mapItems(page.Items, simDTO), NextCursor: nextCursor(page.Next)}, nil
}

// GetSim returns one SIM card.
func (s *Server) GetSim(ctx context.Context, req gen.GetSimRequestObject) (gen.GetSimResponseObject, error) {
	sim, err := s.cfg.Custody.Sim(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	return gen.GetSim200JSONResponse(simDTO(sim)), nil
}

// SimHistory is a SIM card's chain of custody.
func (s *Server) SimHistory(ctx context.Context, req gen.SimHistoryRequestObject) (gen.SimHistoryResponseObject, error) {
	evs, err := s.cfg.Custody.History(ctx, custody.KindSim, req.Id)
	if err != nil {
		return nil, err
	}
	return gen.SimHistory200JSONResponse{Items: mapItems(evs, custodyEventDTO)}, nil
}

// DeactivateSim retires a SIM card in stock.
func (s *Server) DeactivateSim(ctx context.Context, req gen.DeactivateSimRequestObject) (gen.DeactivateSimResponseObject, error) {
	sim, err := s.cfg.Custody.Deactivate(ctx, req.Id, req.Body.Note)
	if err != nil {
		return nil, err
	}
	return gen.DeactivateSim200JSONResponse(simDTO(sim)), nil
}

// CreateInstallation fits a terminal and a SIM card on site.
func (s *Server) CreateInstallation(ctx context.Context, req gen.CreateInstallationRequestObject) (gen.CreateInstallationResponseObject, error) {
	b := req.Body
	a, err := s.cfg.Custody.Install(ctx, req.Id, b.VehicleId, b.TerminalId, b.SimId, b.PhotoIds)
	if err != nil {
		return nil, err
	}
	return gen.CreateInstallation201JSONResponse(installationDTO(a)), nil
}

// CreateSwap swaps a terminal or a SIM card on site.
func (s *Server) CreateSwap(ctx context.Context, req gen.CreateSwapRequestObject) (gen.CreateSwapResponseObject, error) {
	b := req.Body
	a, err := s.cfg.Custody.Swap(ctx, req.Id, custody.UnitKind(b.Kind), b.OldId, b.NewId, b.Reason, b.PhotoIds)
	if err != nil {
		return nil, err
	}
	return gen.CreateSwap201JSONResponse(swapDTO(a)), nil
}

func installationDTO(a custody.Action) gen.Installation {
	return gen.Installation{Id: a.ID, WorkOrderId: a.WorkOrderID, VehicleId: a.VehicleID, TerminalId: a.TerminalID, SimId: a.SimID,
		PhotoIds: photoIDs(a.PhotoIDs), TechnicianId: a.TechnicianID, At: a.At}
}

func swapDTO(a custody.Action) gen.Swap {
	return gen.Swap{Id: a.ID, WorkOrderId: a.WorkOrderID, VehicleId: a.VehicleID, Kind: gen.UnitKind(a.Kind), OldId: a.OldID, NewId: a.NewID,
		Reason: a.Reason, PhotoIds: photoIDs(a.PhotoIDs), TechnicianId: a.TechnicianID, At: a.At}
}

func photoIDs(ids []uuid.UUID) []uuid.UUID {
	if ids == nil {
		return []uuid.UUID{}
	}
	return ids
}

// custodyEventDTO turns a unit's event into a step of its chain of custody.
func custodyEventDTO(e domain.Event) gen.CustodyEvent {
	out := gen.CustodyEvent{Id: e.ID, Type: gen.CustodyEventType(e.Type), At: e.At, ActorId: nullableID(e.ActorID),
		WorkOrderId: nullableID(idFromData(e.Data, "work_order_id")), VehicleId: nullableID(idFromData(e.Data, "vehicle_id")),
		PhotoIds: []uuid.UUID{}, Data: map[string]any{}}
	if ps, ok := e.Data["photo_ids"].([]any); ok {
		for _, p := range ps {
			if s, ok := p.(string); ok {
				if id, err := uuid.Parse(s); err == nil {
					out.PhotoIds = append(out.PhotoIds, id)
				}
			}
		}
	}
	for k, v := range e.Data {
		switch k {
		case "work_order_id", "vehicle_id", "photo_ids":
		default:
			out.Data[k] = v
		}
	}
	return out
}

func idFromData(data map[string]any, key string) uuid.UUID {
	s, _ := data[key].(string)
	id, _ := uuid.Parse(s)
	return id
}
