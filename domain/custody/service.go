package custody

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// UnitFilter narrows a list of terminals or SIM cards.
type UnitFilter struct {
	Status     string
	CustomerID uuid.UUID
	VehicleID  uuid.UUID
	Query      string
}

// Repository is the storage custody needs.
type Repository interface {
	InsertModel(ctx context.Context, m TerminalModel) error
	Model(ctx context.Context, id uuid.UUID) (TerminalModel, error)
	ListModels(ctx context.Context, p domain.PageRequest) (domain.Page[TerminalModel], error)
	InsertTerminal(ctx context.Context, t Terminal) error
	Terminal(ctx context.Context, id uuid.UUID) (Terminal, error)
	ListTerminals(ctx context.Context, f UnitFilter, p domain.PageRequest) (domain.Page[Terminal], error)
	InsertSim(ctx context.Context, s Sim) error
	Sim(ctx context.Context, id uuid.UUID) (Sim, error)
	ListSims(ctx context.Context, f UnitFilter, p domain.PageRequest) (domain.Page[Sim], error)
	// MoveTerminal saves t if the stored unit is still in status from (and,
	// when installed, on fromVehicle), reporting whether it did: concurrent
	// moves of one unit can't both win.
	MoveTerminal(ctx context.Context, t Terminal, from TerminalStatus, fromVehicle uuid.UUID) (bool, error)
	MoveSim(ctx context.Context, s Sim, from SimStatus, fromVehicle uuid.UUID) (bool, error)
	// InstalledOn finds the units installed on a vehicle; zero ids when none.
	InstalledOn(ctx context.Context, vehicleID uuid.UUID) (terminalID, simID uuid.UUID, err error)
	// InstalledTerminal is the terminal installed on a vehicle, in one
	// read; false when none is.
	InstalledTerminal(ctx context.Context, vehicleID uuid.UUID) (Terminal, bool, error)
	InsertAction(ctx context.Context, a Action) error
	// Actions lists the installations and swaps of orders, oldest first, in one query.
	Actions(ctx context.Context, orderIDs []uuid.UUID) (map[uuid.UUID][]Action, error)
}

// Order is what custody needs to know of a work order.
type Order struct {
	ID           uuid.UUID
	CustomerID   uuid.UUID
	VehicleIDs   []uuid.UUID
	OnSite       bool
	TechnicianID uuid.UUID
	// WarrantyMonths is the warranty its contract gives units first
	// installed on it; nil leaves it to their model.
	WarrantyMonths *int
}

// Orders answers for work orders, by id, as the actor in ctx may see them:
// an order the actor can't see is not found.
type Orders interface {
	Order(ctx context.Context, id uuid.UUID) (Order, error)
}

// Photos checks photo evidence.
type Photos interface {
	// ReadyPhotos reports whether every id is a ready photo of the order.
	ReadyPhotos(ctx context.Context, workOrderID uuid.UUID, ids []uuid.UUID) (bool, error)
}

// Vehicles tells a vehicle's plate, for the label of a unit taken back.
type Vehicles interface {
	Plate(ctx context.Context, vehicleID uuid.UUID) (string, error)
}

// Service runs the registry and the chain of custody.
type Service struct {
	repo     Repository
	orders   Orders
	photos   Photos
	vehicles Vehicles
	tx       domain.Transactor
	events   domain.EventStore
	clock    domain.Clock
}

// NewService wires custody.
func NewService(repo Repository, orders Orders, photos Photos, vehicles Vehicles, tx domain.Transactor, events domain.EventStore, clock domain.Clock) *Service {
	return &Service{repo: repo, orders: orders, photos: photos, vehicles: vehicles, tx: tx, events: events, clock: clock}
}

// readers see every unit; customer users only those on their own vehicles.
func canRead(a domain.Actor) bool {
	return a.IsStaff() || a.Is(domain.RoleFinance, domain.RoleTechnician, domain.RoleCustomer)
}

// visible reports whether the actor may see a unit installed for the
// customer (zero when in stock): customer users only their own.
func visible(a domain.Actor, customerID uuid.UUID) bool {
	return canRead(a) && (a.Role != domain.RoleCustomer || customerID != uuid.Nil && customerID == a.CustomerID)
}

func requireRole(ctx context.Context, what string, roles ...domain.Role) (domain.Actor, error) {
	a, err := domain.MustActor(ctx)
	if err != nil {
		return a, err
	}
	if !a.Is(roles...) {
		return a, domain.Forbidden("your role may not %s", what)
	}
	return a, nil
}

// CreateModel adds a terminal model (admin, manager).
func (s *Service) CreateModel(ctx context.Context, name, manufacturer string, warrantyMonths int) (TerminalModel, error) {
	actor, err := requireRole(ctx, "add terminal models", domain.RoleAdmin, domain.RoleManager)
	if err != nil {
		return TerminalModel{}, err
	}
	var fe domain.FieldErrors
	m := TerminalModel{ID: domain.NewID(), Name: domain.Text(&fe, "name", name, 1, 100),
		Manufacturer: domain.Text(&fe, "manufacturer", manufacturer, 1, 200), WarrantyMonths: warrantyMonths, CreatedAt: s.clock.Now()}
	if warrantyMonths < 0 || warrantyMonths > 120 {
		fe.Add("warranty_months", "must be 0 to 120")
	}
	if err := fe.Err(); err != nil {
		return TerminalModel{}, err
	}
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.InsertModel(ctx, m); err != nil {
			return err
		}
		return s.events.Append(ctx, domain.NewEvent("terminal_model", m.ID, "terminal_model.created", actor.UserID, m.CreatedAt,
			map[string]any{"name": m.Name, "manufacturer": m.Manufacturer, "warranty_months": m.WarrantyMonths}))
	})
	if err != nil {
		return TerminalModel{}, fmt.Errorf("create terminal model: %w", err)
	}
	return m, nil
}

// ListModels pages through terminal models.
func (s *Service) ListModels(ctx context.Context, p domain.PageRequest) (domain.Page[TerminalModel], error) {
	if _, err := requireRole(ctx, "list terminal models", domain.RoleAdmin, domain.RoleManager, domain.RoleDispatcher,
		domain.RoleFinance, domain.RoleTechnician); err != nil {
		return domain.Page[TerminalModel]{}, err
	}
	return s.repo.ListModels(ctx, p.Normalize())
}

// RegisterTerminal puts a new terminal in stock (admin, manager, dispatcher).
func (s *Service) RegisterTerminal(ctx context.Context, serial string, imei IMEI, modelID uuid.UUID, firmware *string) (Terminal, error) {
	actor, err := requireRole(ctx, "register terminals", domain.RoleAdmin, domain.RoleManager, domain.RoleDispatcher)
	if err != nil {
		return Terminal{}, err
	}
	var fe domain.FieldErrors
	now := s.clock.Now()
	t := Terminal{ID: domain.NewID(), Serial: domain.Text(&fe, "serial", serial, 1, 64), IMEI: string(imei), ModelID: modelID,
		Firmware: domain.OptionalText(&fe, "firmware", firmware, 64), Status: TerminalInStock, CreatedAt: now, UpdatedAt: now}
	if err := fe.Err(); err != nil {
		return Terminal{}, err
	}
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.repo.Model(ctx, modelID); errors.Is(err, domain.ErrNotFound) {
			return domain.Invalid("model_id", "no such terminal model")
		} else if err != nil {
			return err
		}
		if err := s.repo.InsertTerminal(ctx, t); err != nil {
			return err
		}
		return s.unitEvent(ctx, "terminal", t.ID, "registered", actor.UserID, now, uuid.Nil, uuid.Nil, nil,
			map[string]any{"serial": t.Serial, "imei": t.IMEI})
	})
	if err != nil {
		return Terminal{}, fmt.Errorf("register terminal: %w", err)
	}
	return t, nil
}

// RegisterSim puts a new SIM card in stock (admin, manager, dispatcher).
func (s *Service) RegisterSim(ctx context.Context, iccid ICCID, msisdn, carrier string) (Sim, error) {
	actor, err := requireRole(ctx, "register SIM cards", domain.RoleAdmin, domain.RoleManager, domain.RoleDispatcher)
	if err != nil {
		return Sim{}, err
	}
	var fe domain.FieldErrors
	now := s.clock.Now()
	sim := Sim{ID: domain.NewID(), ICCID: string(iccid), MSISDN: domain.Phone(&fe, "msisdn", msisdn),
		Carrier: domain.Text(&fe, "carrier", carrier, 1, 50), Status: SimInStock, CreatedAt: now, UpdatedAt: now}
	if err := fe.Err(); err != nil {
		return Sim{}, err
	}
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.InsertSim(ctx, sim); err != nil {
			return err
		}
		return s.unitEvent(ctx, "sim", sim.ID, "registered", actor.UserID, now, uuid.Nil, uuid.Nil, nil,
			map[string]any{"iccid": sim.ICCID, "msisdn": sim.MSISDN})
	})
	if err != nil {
		return Sim{}, fmt.Errorf("register SIM: %w", err)
	}
	return sim, nil
}

// Terminal returns one terminal the actor may see.
func (s *Service) Terminal(ctx context.Context, id uuid.UUID) (Terminal, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Terminal{}, err
	}
	t, err := s.repo.Terminal(ctx, id)
	if err != nil {
		return Terminal{}, err
	}
	if !visible(actor, t.CustomerID) {
		return Terminal{}, domain.NotFound("terminal")
	}
	return t, nil
}

// Sim returns one SIM card the actor may see.
func (s *Service) Sim(ctx context.Context, id uuid.UUID) (Sim, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Sim{}, err
	}
	sim, err := s.repo.Sim(ctx, id)
	if err != nil {
		return Sim{}, err
	}
	if !visible(actor, sim.CustomerID) {
		return Sim{}, domain.NotFound("SIM card")
	}
	return sim, nil
}

func (s *Service) listFilter(ctx context.Context, f UnitFilter) (UnitFilter, bool, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return f, false, err
	}
	if !canRead(actor) {
		return f, false, domain.Forbidden("this role may not list units")
	}
	if actor.Role == domain.RoleCustomer {
		if f.CustomerID != uuid.Nil && f.CustomerID != actor.CustomerID {
			return f, false, nil
		}
		f.CustomerID = actor.CustomerID
	}
	return f, true, nil
}

// ListTerminals pages through the terminals the actor may see.
func (s *Service) ListTerminals(ctx context.Context, f UnitFilter, p domain.PageRequest) (domain.Page[Terminal], error) {
	f, ok, err := s.listFilter(ctx, f)
	if err != nil || !ok {
		return domain.Page[Terminal]{Items: []Terminal{}}, err
	}
	return s.repo.ListTerminals(ctx, f, p.Normalize())
}

// ListSims pages through the SIM cards the actor may see.
func (s *Service) ListSims(ctx context.Context, f UnitFilter, p domain.PageRequest) (domain.Page[Sim], error) {
	f, ok, err := s.listFilter(ctx, f)
	if err != nil || !ok {
		return domain.Page[Sim]{Items: []Sim{}}, err
	}
	return s.repo.ListSims(ctx, f, p.Normalize())
}

// History is a unit's chain of custody, oldest first.
func (s *Service) History(ctx context.Context, kind UnitKind, id uuid.UUID) ([]domain.Event, error) {
	var err error
	if kind == KindTerminal {
		_, err = s.Terminal(ctx, id)
	} else {
		_, err = s.Sim(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	return s.events.For(ctx, id)
}

// WarrantyOf is a terminal's warranty today.
func (s *Service) WarrantyOf(ctx context.Context, id uuid.UUID) (Warranty, error) {
	t, err := s.Terminal(ctx, id)
	if err != nil {
		return Warranty{}, err
	}
	m, err := s.repo.Model(ctx, t.ModelID)
	if err != nil {
		return Warranty{}, err
	}
	return WarrantyOf(t, m.WarrantyMonths, s.clock.Now()), nil
}

// VehicleWarranty is the warranty of the terminal installed on a vehicle on
// a day; terminalID is zero when none is installed. It acts as the system:
// callers have already checked access to the vehicle.
func (s *Service) VehicleWarranty(ctx context.Context, vehicleID uuid.UUID, day time.Time) (terminalID uuid.UUID, w Warranty, err error) {
	// One read for the terminal, never its id first nor the SIM: approving
	// a repair runs this.
	t, ok, err := s.repo.InstalledTerminal(ctx, vehicleID)
	if err != nil || !ok {
		return uuid.Nil, Warranty{}, err
	}
	m, err := s.repo.Model(ctx, t.ModelID)
	if err != nil {
		return uuid.Nil, Warranty{}, err
	}
	return t.ID, WarrantyOf(t, m.WarrantyMonths, day), nil
}

// unitEvent appends one step of a unit's chain of custody.
func (s *Service) unitEvent(ctx context.Context, kind string, unitID uuid.UUID, typ string, actor uuid.UUID, at time.Time,
	orderID, vehicleID uuid.UUID, photos []uuid.UUID, data map[string]any) error {
	if data == nil {
		data = map[string]any{}
	}
	if orderID != uuid.Nil {
		data["work_order_id"] = orderID.String()
	}
	if vehicleID != uuid.Nil {
		data["vehicle_id"] = vehicleID.String()
	}
	ids := make([]string, len(photos))
	for i, p := range photos {
		ids[i] = p.String()
	}
	data["photo_ids"] = ids
	return s.events.Append(ctx, domain.NewEvent(kind, unitID, typ, actor, at, data))
}

// ReceiveBack returns a repaired terminal to stock (admin, manager, dispatcher).
func (s *Service) ReceiveBack(ctx context.Context, id uuid.UUID, note *string) (Terminal, error) {
	return s.moveTerminal(ctx, id, "received_back", []domain.Role{domain.RoleAdmin, domain.RoleManager, domain.RoleDispatcher},
		[]TerminalStatus{TerminalReturnedForRepair}, TerminalInStock, note)
}

// Scrap takes a terminal out of service for good (admin, manager).
func (s *Service) Scrap(ctx context.Context, id uuid.UUID, note *string) (Terminal, error) {
	return s.moveTerminal(ctx, id, "scrapped", []domain.Role{domain.RoleAdmin, domain.RoleManager},
		[]TerminalStatus{TerminalInStock, TerminalReturnedForRepair}, TerminalScrapped, note)
}

func (s *Service) moveTerminal(ctx context.Context, id uuid.UUID, step string, roles []domain.Role, from []TerminalStatus,
	to TerminalStatus, note *string) (Terminal, error) {
	var out Terminal
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		t, err := s.Terminal(ctx, id)
		if err != nil {
			return err
		}
		actor, err := requireRole(ctx, string(step)+" terminals", roles...)
		if err != nil {
			return err
		}
		if !slices.Contains(from, t.Status) {
			return domain.Conflict("the terminal is %s; only a terminal %v can be %s", t.Status, from, step)
		}
		var fe domain.FieldErrors
		n := domain.OptionalText(&fe, "note", note, 500)
		if err := fe.Err(); err != nil {
			return err
		}
		prev := t.Status
		t.Status, t.UpdatedAt = to, s.clock.Now()
		if to == TerminalInStock {
			t.Label = nil
		}
		won, err := s.repo.MoveTerminal(ctx, t, prev, uuid.Nil)
		if err != nil {
			return err
		}
		if !won {
			return domain.Conflict("the terminal changed meanwhile; fetch it again")
		}
		out = t
		return s.unitEvent(ctx, "terminal", t.ID, step, actor.UserID, t.UpdatedAt, uuid.Nil, uuid.Nil, nil, map[string]any{"note": n})
	})
	if err != nil {
		return Terminal{}, fmt.Errorf("%s terminal: %w", step, err)
	}
	return out, nil
}

// Deactivate retires a SIM card in stock (admin, manager).
func (s *Service) Deactivate(ctx context.Context, id uuid.UUID, note *string) (Sim, error) {
	var out Sim
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		sim, err := s.Sim(ctx, id)
		if err != nil {
			return err
		}
		actor, err := requireRole(ctx, "deactivate SIM cards", domain.RoleAdmin, domain.RoleManager)
		if err != nil {
			return err
		}
		if sim.Status != SimInStock {
			return domain.Conflict("the SIM card is %s; only a card in stock can be deactivated (a swap deactivates the card it takes out)", sim.Status)
		}
		var fe domain.FieldErrors
		n := domain.OptionalText(&fe, "note", note, 500)
		if err := fe.Err(); err != nil {
			return err
		}
		sim.Status, sim.UpdatedAt = SimDeactivated, s.clock.Now()
		won, err := s.repo.MoveSim(ctx, sim, SimInStock, uuid.Nil)
		if err != nil {
			return err
		}
		if !won {
			return domain.Conflict("the SIM card changed meanwhile; fetch it again")
		}
		out = sim
		return s.unitEvent(ctx, "sim", sim.ID, "deactivated", actor.UserID, sim.UpdatedAt, uuid.Nil, uuid.Nil, nil, map[string]any{"note": n})
	})
	if err != nil {
		return Sim{}, fmt.Errorf("deactivate SIM: %w", err)
	}
	return out, nil
}
