package api_test

import (
	"testing"

	"github.com/google/uuid"
)

// fitted is a terminal and SIM installed on a vehicle.
type fitted struct {
	vehicle, terminal, sim uuid.UUID
}

// fitEvery installs a fresh terminal and SIM on every vehicle of the fleet,
// on one install order left on site.
func (e *env) fitEvery(t *testing.T, f *fleet) []fitted {
	t.Helper()
	o := e.onSiteOrder(t, f, fleetInstallBody(*f))
	photo := e.evidence(t, f.tech.Token, o.ID)
	var out []fitted
	for _, v := range f.vehicles {
		term, sim := e.stock(t, 12)
		e.do(t, req{method: "POST", path: "/v1/work-orders/" + o.ID.String() + "/installations", token: f.tech.Token,
			body: map[string]any{"vehicle_id": v, "terminal_id": term.ID, "sim_id": sim.ID, "photo_ids": []uuid.UUID{photo}}}).expect(t, 201)
		out = append(out, fitted{vehicle: v, terminal: term.ID, sim: sim.ID})
	}
	return out
}

// checkFitted fails unless the vehicle shows the units and each unit is on it.
func (e *env) checkFitted(t *testing.T, want fitted) {
	t.Helper()
	var v struct {
		TerminalID *uuid.UUID `json:"terminal_id"`
		SimID      *uuid.UUID `json:"sim_id"`
	}
	e.do(t, req{method: "GET", path: "/v1/vehicles/" + want.vehicle.String(), token: e.admin}).expect(t, 200).decode(t, &v)
	if v.TerminalID == nil || *v.TerminalID != want.terminal || v.SimID == nil || *v.SimID != want.sim {
		t.Fatalf("vehicle %s shows terminal %v and SIM %v, want %s and %s", want.vehicle, v.TerminalID, v.SimID, want.terminal, want.sim)
	}
	var term terminalOut
	e.do(t, req{method: "GET", path: "/v1/terminals/" + want.terminal.String(), token: e.admin}).expect(t, 200).decode(t, &term)
	if term.Status != "installed" || term.VehicleID == nil || *term.VehicleID != want.vehicle || term.Label != nil {
		t.Fatalf("terminal %+v, want installed on %s", term, want.vehicle)
	}
	var sim simOut
	e.do(t, req{method: "GET", path: "/v1/sims/" + want.sim.String(), token: e.admin}).expect(t, 200).decode(t, &sim)
	if sim.Status != "installed" || sim.VehicleID == nil || *sim.VehicleID != want.vehicle {
		t.Fatalf("SIM %+v, want installed on %s", sim, want.vehicle)
	}
}

// A swap takes its new unit from stock. A unit fitted to another vehicle,
// of the same customer or another, is refused, and nothing moves: neither
// the vehicle being repaired nor the one the unit is on.
func TestSwap_409_WhenTheNewUnitIsFittedToAnotherVehicle(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		mine := e.fitEvery(t, &f) // mine[0] is on the repaired vehicle, mine[1] on its sibling
		other := e.newFleet(t)
		theirs := e.fitEvery(t, &other)

		repair := e.onSiteOrder(t, &f, repairBody(f, "high")) // on f.vehicles[0]
		label := e.evidence(t, f.tech.Token, repair.ID)
		swap := func(kind string, old, nu uuid.UUID) response {
			return e.do(t, req{method: "POST", path: "/v1/work-orders/" + repair.ID.String() + "/swaps", token: f.tech.Token,
				body: map[string]any{"kind": kind, "old_id": old, "new_id": nu, "reason": "no GPS fix", "photo_ids": []uuid.UUID{label}}})
		}
		for _, elsewhere := range []struct {
			name string
			unit fitted
		}{{"the same customer's other vehicle", mine[1]}, {"another customer's vehicle", theirs[0]}} {
			t.Run(elsewhere.name, func(t *testing.T) {
				swap("terminal", mine[0].terminal, elsewhere.unit.terminal).expect(t, 409)
				swap("sim", mine[0].sim, elsewhere.unit.sim).expect(t, 409)
				for _, u := range append(append([]fitted{}, mine...), theirs...) {
					e.checkFitted(t, u)
				}
			})
		}
		var o struct {
			Swaps []struct{} `json:"swaps"`
		}
		e.do(t, req{method: "GET", path: "/v1/work-orders/" + repair.ID.String(), token: f.manager.Token}).expect(t, 200).decode(t, &o)
		if len(o.Swaps) != 0 {
			t.Fatalf("refused swaps were recorded: %+v", o.Swaps)
		}
	})
}
