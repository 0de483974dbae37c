package store_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/custody"
	"github.com/fieldwork/fieldwork/infra/store/storetest"
)

// MoveTerminal and MoveSim are what keeps two technicians from both taking
// one unit: the save lands only while the unit is where the caller read it
// (status, and vehicle when one is named). A caller with a stale read, or a
// save that would give a vehicle a second unit, changes nothing and learns
// it lost.

func TestCustody_MoveLandsOnlyFromWhereTheUnitWas(t *testing.T) {
	for _, f := range storetest.Footings(t) {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			db := fresh(t, f)
			c := addCustomer(t, db, newCustomer("Custody Fleet"))
			v1 := addVehicle(t, db, newVehicle(c.ID, "粤B10001"))
			v2 := addVehicle(t, db, newVehicle(c.ID, "粤B10002"))
			repo := db.Custody()
			model := custody.TerminalModel{ID: domain.NewID(), Name: "GT06", Manufacturer: "Concox", WarrantyMonths: 12, CreatedAt: t0}
			if err := repo.InsertModel(t.Context(), model); err != nil {
				t.Fatal(err)
			}
			later := t0.Add(time.Hour)

			t.Run("terminal", func(t *testing.T) {
				add := func(serial, imei string) custody.Terminal {
					term := custody.Terminal{ID: domain.NewID(), Serial: serial, IMEI: imei, ModelID: model.ID, Status: custody.TerminalInStock,
						CreatedAt: t0, UpdatedAt: t0}
					if err := repo.InsertTerminal(t.Context(), term); err != nil {
						t.Fatal(err)
					}
					return term
				}
				read := func(id uuid.UUID) custody.Terminal {
					got, err := repo.Terminal(t.Context(), id)
					if err != nil {
						t.Fatal(err)
					}
					return got
				}
				installedOn := func(term custody.Terminal, v uuid.UUID) custody.Terminal {
					term.Status, term.VehicleID, term.CustomerID, term.InstalledAt, term.UpdatedAt = custody.TerminalInstalled, v, c.ID, &later, later
					return term
				}
				move := func(term custody.Terminal, from custody.TerminalStatus, fromVehicle uuid.UUID) bool {
					won, err := repo.MoveTerminal(t.Context(), term, from, fromVehicle)
					if err != nil {
						t.Fatal(err)
					}
					return won
				}
				a, b := add("SN-A", "860000000000001"), add("SN-B", "860000000000002")
				if !move(installedOn(a, v1.ID), custody.TerminalInStock, uuid.Nil) {
					t.Fatal("installing a terminal from stock lost")
				}
				onV1 := read(a.ID)

				// A caller that read the terminal in stock, now installed on v1, would take it to v2.
				if move(installedOn(a, v2.ID), custody.TerminalInStock, uuid.Nil) {
					t.Fatal("a save from a stale status landed")
				}
				checkSame(t, read(a.ID), onV1)
				// A caller that read it on v2 would take it back for repair.
				label := "粤B10002: dead"
				back := onV1
				back.Status, back.VehicleID, back.CustomerID, back.InstalledAt, back.Label = custody.TerminalReturnedForRepair, uuid.Nil, uuid.Nil, nil, &label
				if move(back, custody.TerminalInstalled, v2.ID) {
					t.Fatal("a save from a stale vehicle landed")
				}
				checkSame(t, read(a.ID), onV1)
				// A second terminal on v1 breaks one-terminal-per-vehicle: lost, not an error.
				inStock := read(b.ID)
				if move(installedOn(b, v1.ID), custody.TerminalInStock, uuid.Nil) {
					t.Fatal("a vehicle took a second terminal")
				}
				checkSame(t, read(b.ID), inStock)
				// From where it really is, it moves.
				if !move(back, custody.TerminalInstalled, v1.ID) {
					t.Fatal("a save from the current status and vehicle lost")
				}
				if got := read(a.ID); got.Status != custody.TerminalReturnedForRepair || got.VehicleID != uuid.Nil || got.Label == nil || *got.Label != label {
					t.Fatalf("after the move: %s", show(got))
				}
			})

			t.Run("sim", func(t *testing.T) {
				add := func(iccid string) custody.Sim {
					sim := custody.Sim{ID: domain.NewID(), ICCID: iccid, MSISDN: "14400000001", Carrier: "China Mobile", Status: custody.SimInStock,
						CreatedAt: t0, UpdatedAt: t0}
					if err := repo.InsertSim(t.Context(), sim); err != nil {
						t.Fatal(err)
					}
					return sim
				}
				read := func(id uuid.UUID) custody.Sim {
					got, err := repo.Sim(t.Context(), id)
					if err != nil {
						t.Fatal(err)
					}
					return got
				}
				installedOn := func(sim custody.Sim, v uuid.UUID) custody.Sim {
					sim.Status, sim.VehicleID, sim.CustomerID, sim.InstalledAt, sim.UpdatedAt = custody.SimInstalled, v, c.ID, &later, later
					return sim
				}
				move := func(sim custody.Sim, from custody.SimStatus, fromVehicle uuid.UUID) bool {
					won, err := repo.MoveSim(t.Context(), sim, from, fromVehicle)
					if err != nil {
						t.Fatal(err)
					}
					return won
				}
				a, b := add("89860000000000000011"), add("89860000000000000029")
				if !move(installedOn(a, v1.ID), custody.SimInStock, uuid.Nil) {
					t.Fatal("installing a SIM from stock lost")
				}
				onV1 := read(a.ID)

				if move(installedOn(a, v2.ID), custody.SimInStock, uuid.Nil) {
					t.Fatal("a save from a stale status landed")
				}
				checkSame(t, read(a.ID), onV1)
				off := onV1
				off.Status, off.VehicleID, off.CustomerID, off.InstalledAt = custody.SimDeactivated, uuid.Nil, uuid.Nil, nil
				if move(off, custody.SimInstalled, v2.ID) {
					t.Fatal("a save from a stale vehicle landed")
				}
				checkSame(t, read(a.ID), onV1)
				inStock := read(b.ID)
				if move(installedOn(b, v1.ID), custody.SimInStock, uuid.Nil) {
					t.Fatal("a vehicle took a second SIM card")
				}
				checkSame(t, read(b.ID), inStock)
				if !move(off, custody.SimInstalled, v1.ID) {
					t.Fatal("a save from the current status and vehicle lost")
				}
				if got := read(a.ID); got.Status != custody.SimDeactivated || got.VehicleID != uuid.Nil {
					t.Fatalf("after the move: %s", show(got))
				}
			})
			if n := count(t, db, "SELECT count(*) FROM terminals WHERE status = 'installed'"); n != 0 {
				t.Fatalf("%d terminals still installed", n)
			}
		})
	}
}
