package custody

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// onSite loads the order for an on-site action by its technician: 404 when
// the actor can't see it, 403 unless the actor is its assigned technician,
// 409 unless it is on site; then the photo evidence must be ready photos of
// the order.
func (s *Service) onSite(ctx context.Context, orderID uuid.UUID, photos []uuid.UUID) (domain.Actor, Order, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return actor, Order{}, err
	}
	o, err := s.orders.Order(ctx, orderID)
	if err != nil {
		return actor, Order{}, err
	}
	if actor.Role != domain.RoleTechnician || o.TechnicianID != actor.UserID {
		return actor, Order{}, domain.Forbidden("only the order's assigned technician records installs and swaps")
	}
	if !o.OnSite {
		return actor, Order{}, domain.Conflict("installs and swaps are recorded while the order is on site")
	}
	if len(photos) == 0 {
		return actor, Order{}, domain.Invalid("photo_ids", "at least one photo is required")
	}
	ok, err := s.photos.ReadyPhotos(ctx, orderID, photos)
	if err != nil {
		return actor, Order{}, err
	}
	if !ok {
		return actor, Order{}, domain.Invalid("photo_ids", "must be completed (ready) photos of this work order")
	}
	return actor, o, nil
}

// Install fits a terminal and a SIM card, both in stock, to one of the
// order's vehicles that has none installed; the terminal's warranty starts
// that day if this is its first install.
func (s *Service) Install(ctx context.Context, orderID, vehicleID, terminalID, simID uuid.UUID, photos []uuid.UUID) (Action, error) {
	var out Action
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		actor, o, err := s.onSite(ctx, orderID, photos)
		if err != nil {
			return err
		}
		if !slices.Contains(o.VehicleIDs, vehicleID) {
			return domain.Invalid("vehicle_id", "is not a vehicle of this work order")
		}
		onT, onS, err := s.repo.InstalledOn(ctx, vehicleID)
		if err != nil {
			return err
		}
		if onT != uuid.Nil || onS != uuid.Nil {
			return domain.Conflict("the vehicle already has a terminal or SIM card installed; swap it instead")
		}
		now := s.clock.Now()
		t, err := s.terminal(ctx, terminalID, "terminal_id")
		if err != nil {
			return err
		}
		sim, err := s.sim(ctx, simID, "sim_id")
		if err != nil {
			return err
		}
		if t.Status != TerminalInStock {
			return domain.Conflict("terminal %s is %s, not in stock", t.Serial, t.Status)
		}
		if sim.Status != SimInStock {
			return domain.Conflict("SIM card %s is %s, not in stock", sim.ICCID, sim.Status)
		}
		if err := s.putTerminal(ctx, &t, TerminalInStock, uuid.Nil, o, vehicleID, now); err != nil {
			return err
		}
		if err := s.putSim(ctx, &sim, SimInStock, uuid.Nil, o, vehicleID, now); err != nil {
			return err
		}
		out = Action{ID: domain.NewID(), WorkOrderID: o.ID, Install: true, VehicleID: vehicleID, TerminalID: t.ID, SimID: sim.ID,
			PhotoIDs: photos, TechnicianID: actor.UserID, At: now}
		if err := s.repo.InsertAction(ctx, out); err != nil {
			return err
		}
		pair := map[string]any{"terminal_id": t.ID.String(), "sim_id": sim.ID.String()}
		if err := s.unitEvent(ctx, "terminal", t.ID, "installed", actor.UserID, now, o.ID, vehicleID, photos, maps.Clone(pair)); err != nil {
			return err
		}
		if err := s.unitEvent(ctx, "sim", sim.ID, "installed", actor.UserID, now, o.ID, vehicleID, photos, maps.Clone(pair)); err != nil {
			return err
		}
		return s.events.Append(ctx, domain.NewEvent("work_order", o.ID, "work_order.installation", actor.UserID, now, map[string]any{
			"vehicle_id": vehicleID.String(), "terminal_id": t.ID.String(), "sim_id": sim.ID.String()}))
	})
	if err != nil {
		return Action{}, fmt.Errorf("install: %w", err)
	}
	return out, nil
}

// Swap takes the old unit off the order's vehicle and puts the new one, in
// stock, in its place, in one transaction: an old terminal goes back for
// repair labelled with the plate and the reason, an old SIM card is
// deactivated. Both numbers are recorded on the order.
func (s *Service) Swap(ctx context.Context, orderID uuid.UUID, kind UnitKind, oldID, newID uuid.UUID, reason string, photos []uuid.UUID) (Action, error) {
	var out Action
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		actor, o, err := s.onSite(ctx, orderID, photos)
		if err != nil {
			return err
		}
		var fe domain.FieldErrors
		reason = domain.Text(&fe, "reason", reason, 1, 500)
		if oldID == newID {
			fe.Add("new_id", "must differ from old_id")
		}
		if err := fe.Err(); err != nil {
			return err
		}
		now := s.clock.Now()
		var vehicleID uuid.UUID
		switch kind {
		case KindTerminal:
			old, err := s.terminal(ctx, oldID, "old_id")
			if err != nil {
				return err
			}
			nu, err := s.terminal(ctx, newID, "new_id")
			if err != nil {
				return err
			}
			if old.Status != TerminalInstalled || !slices.Contains(o.VehicleIDs, old.VehicleID) {
				return domain.Conflict("terminal %s is not installed on a vehicle of this work order", old.Serial)
			}
			if nu.Status != TerminalInStock {
				return domain.Conflict("terminal %s is %s, not in stock", nu.Serial, nu.Status)
			}
			vehicleID = old.VehicleID
			plate, err := s.vehicles.Plate(ctx, vehicleID)
			if err != nil {
				return err
			}
			label := plate + ": " + reason
			old.Status, old.VehicleID, old.CustomerID, old.InstalledAt, old.Label, old.UpdatedAt = TerminalReturnedForRepair, uuid.Nil, uuid.Nil, nil, &label, now
			if won, err := s.repo.MoveTerminal(ctx, old, TerminalInstalled, vehicleID); err != nil || !won {
				return conflictOr(err, "terminal %s changed meanwhile", old.Serial)
			}
			if err := s.putTerminal(ctx, &nu, TerminalInStock, uuid.Nil, o, vehicleID, now); err != nil {
				return err
			}
		case KindSim:
			old, err := s.sim(ctx, oldID, "old_id")
			if err != nil {
				return err
			}
			nu, err := s.sim(ctx, newID, "new_id")
			if err != nil {
				return err
			}
			if old.Status != SimInstalled || !slices.Contains(o.VehicleIDs, old.VehicleID) {
				return domain.Conflict("SIM card %s is not installed on a vehicle of this work order", old.ICCID)
			}
			if nu.Status != SimInStock {
				return domain.Conflict("SIM card %s is %s, not in stock", nu.ICCID, nu.Status)
			}
			vehicleID = old.VehicleID
			old.Status, old.VehicleID, old.CustomerID, old.InstalledAt, old.UpdatedAt = SimDeactivated, uuid.Nil, uuid.Nil, nil, now
			if won, err := s.repo.MoveSim(ctx, old, SimInstalled, vehicleID); err != nil || !won {
				return conflictOr(err, "SIM card %s changed meanwhile", old.ICCID)
			}
			if err := s.putSim(ctx, &nu, SimInStock, uuid.Nil, o, vehicleID, now); err != nil {
				return err
			}
		default:
			return domain.Invalid("kind", "must be terminal or sim")
		}
		out = Action{ID: domain.NewID(), WorkOrderID: o.ID, Kind: kind, VehicleID: vehicleID, OldID: oldID, NewID: newID, Reason: reason,
			PhotoIDs: photos, TechnicianID: actor.UserID, At: now}
		if err := s.repo.InsertAction(ctx, out); err != nil {
			return err
		}
		pair := map[string]any{"old_id": oldID.String(), "new_id": newID.String(), "reason": reason}
		if err := s.unitEvent(ctx, string(kind), oldID, "swapped_out", actor.UserID, now, o.ID, vehicleID, photos, maps.Clone(pair)); err != nil {
			return err
		}
		if err := s.unitEvent(ctx, string(kind), newID, "swapped_in", actor.UserID, now, o.ID, vehicleID, photos, maps.Clone(pair)); err != nil {
			return err
		}
		pair["kind"], pair["vehicle_id"] = string(kind), vehicleID.String()
		return s.events.Append(ctx, domain.NewEvent("work_order", o.ID, "work_order.swap", actor.UserID, now, pair))
	})
	if err != nil {
		return Action{}, fmt.Errorf("swap: %w", err)
	}
	return out, nil
}

// putTerminal installs t (found in status from) on the vehicle.
func (s *Service) putTerminal(ctx context.Context, t *Terminal, from TerminalStatus, fromVehicle uuid.UUID, o Order, vehicleID uuid.UUID, now time.Time) error {
	t.Status, t.VehicleID, t.CustomerID, t.InstalledAt, t.Label, t.UpdatedAt = TerminalInstalled, vehicleID, o.CustomerID, &now, nil, now
	if t.FirstInstalledOn == nil {
		// The warranty starts now, for as long as the order's contract
		// gives (or the model does); a later install keeps it.
		day := dateOf(now)
		t.FirstInstalledOn, t.WarrantyMonths = &day, o.WarrantyMonths
	}
	won, err := s.repo.MoveTerminal(ctx, *t, from, fromVehicle)
	if err != nil || !won {
		return conflictOr(err, "terminal %s changed meanwhile", t.Serial)
	}
	return nil
}

// putSim installs sim (found in status from) on the vehicle.
func (s *Service) putSim(ctx context.Context, sim *Sim, from SimStatus, fromVehicle uuid.UUID, o Order, vehicleID uuid.UUID, now time.Time) error {
	sim.Status, sim.VehicleID, sim.CustomerID, sim.InstalledAt, sim.UpdatedAt = SimInstalled, vehicleID, o.CustomerID, &now, now
	won, err := s.repo.MoveSim(ctx, *sim, from, fromVehicle)
	if err != nil || !won {
		return conflictOr(err, "SIM card %s changed meanwhile", sim.ICCID)
	}
	return nil
}

// terminal finds a terminal named in the request; a missing one is bad input.
func (s *Service) terminal(ctx context.Context, id uuid.UUID, field string) (Terminal, error) {
	t, err := s.repo.Terminal(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return t, domain.Invalid(field, "no such terminal")
	}
	return t, err
}

func (s *Service) sim(ctx context.Context, id uuid.UUID, field string) (Sim, error) {
	sim, err := s.repo.Sim(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return sim, domain.Invalid(field, "no such SIM card")
	}
	return sim, err
}

// conflictOr is err, or a conflict when the unit lost a race.
func conflictOr(err error, format string, args ...any) error {
	if err != nil {
		return err
	}
	return domain.Conflict(format, args...)
}
