package store_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/custody"
	"github.com/fieldwork/fieldwork/infra/store"
)

// The custody repository's contract, on every footing.

func TestCustody(t *testing.T) {
	runContract(t, []contractCase{
		{"ModelInsertByIDRoundTripAndConflict", testCustodyModels},
		{"ModelListPagesInIDOrder", testCustodyModelsPaging},
		{"TerminalInsertByIDRoundTrip", testCustodyTerminalRoundTrip},
		{"TerminalSerialAndIMEIUnique", testCustodyTerminalUnique},
		{"TerminalListFiltersAndPaging", testCustodyTerminalList},
		{"SimInsertByIDRoundTrip", testCustodySimRoundTrip},
		{"SimListFiltersAndICCIDUnique", testCustodySimList},
		{"MoveTerminalOnlyFromWhereItWasRead", testCustodyMoveTerminal},
		{"MoveSimOnlyFromWhereItWasRead", testCustodyMoveSim},
		{"InstalledOn", testCustodyInstalledOn},
		{"ActionsRoundTrip", testCustodyActions},
	})
}

type cuFixture struct {
	customer, tech, model uuid.UUID
	vehicles              [2]uuid.UUID
	orders                [2]uuid.UUID
}

func newCUFixture(t *testing.T, db *store.DB) cuFixture {
	t.Helper()
	c := addCustomer(t, db, newCustomer("Custody Fleet"))
	tech := addUser(t, db, newUser("tech", domain.RoleTechnician, uuid.Nil))
	m := custody.TerminalModel{ID: domain.NewID(), Name: "GT06N", Manufacturer: "Concox", WarrantyMonths: 12, CreatedAt: t0}
	if err := db.Custody().InsertModel(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	fx := cuFixture{customer: c.ID, tech: tech.ID, model: m.ID}
	for i := range 2 {
		fx.vehicles[i] = addVehicle(t, db, newVehicle(c.ID, fmt.Sprintf("粤B0000%d", i))).ID
		fx.orders[i] = addOrder(t, db, newOrder(c.ID, tech.ID, fmt.Sprintf("WO-%d", i))).ID
	}
	return fx
}

func (fx cuFixture) terminal(serial, imei string) custody.Terminal {
	return custody.Terminal{ID: domain.NewID(), Serial: serial, IMEI: imei, ModelID: fx.model, Status: custody.TerminalInStock,
		CreatedAt: t0, UpdatedAt: t0}
}

// installed is t installed on the vehicle at at.
func (fx cuFixture) installed(t custody.Terminal, vehicle int, at time.Time) custody.Terminal {
	day := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
	t.Status, t.CustomerID, t.VehicleID, t.InstalledAt, t.UpdatedAt = custody.TerminalInstalled, fx.customer, fx.vehicles[vehicle], &at, at
	if t.FirstInstalledOn == nil {
		t.FirstInstalledOn = &day
	}
	return t
}

func (fx cuFixture) sim(iccid, msisdn string) custody.Sim {
	return custody.Sim{ID: domain.NewID(), ICCID: iccid, MSISDN: msisdn, Carrier: "China Mobile", Status: custody.SimInStock,
		CreatedAt: t0, UpdatedAt: t0}
}

func addTerminal(t *testing.T, db *store.DB, term custody.Terminal) custody.Terminal {
	t.Helper()
	if err := db.Custody().InsertTerminal(t.Context(), term); err != nil {
		t.Fatalf("insert terminal: %v", err)
	}
	return term
}

func addSim(t *testing.T, db *store.DB, s custody.Sim) custody.Sim {
	t.Helper()
	if err := db.Custody().InsertSim(t.Context(), s); err != nil {
		t.Fatalf("insert SIM: %v", err)
	}
	return s
}

func readTerminal(t *testing.T, db *store.DB, id uuid.UUID) custody.Terminal {
	t.Helper()
	got, err := db.Custody().Terminal(t.Context(), id)
	if err != nil {
		t.Fatalf("Terminal: %v", err)
	}
	return got
}

func readSim(t *testing.T, db *store.DB, id uuid.UUID) custody.Sim {
	t.Helper()
	got, err := db.Custody().Sim(t.Context(), id)
	if err != nil {
		t.Fatalf("Sim: %v", err)
	}
	return got
}

func testCustodyModels(t *testing.T, db *store.DB) {
	want := custody.TerminalModel{ID: domain.NewID(), Name: "VT600", Manufacturer: "Meitrack", WarrantyMonths: 24, CreatedAt: t0.In(cst)}
	if err := db.Custody().InsertModel(t.Context(), want); err != nil {
		t.Fatal(err)
	}
	got, err := db.Custody().Model(t.Context(), want.ID)
	if err != nil {
		t.Fatal(err)
	}
	want.CreatedAt = t0
	checkDeep(t, "Model", got, want)
	_, err = db.Custody().Model(t.Context(), domain.NewID())
	checkNotFound(t, "Model(missing)", err)

	dup := custody.TerminalModel{ID: domain.NewID(), Name: "VT600", Manufacturer: "Meitrack", CreatedAt: t0}
	checkKind(t, "InsertModel of a name the manufacturer has", db.Custody().InsertModel(t.Context(), dup), domain.KindConflict)
	dup.Manufacturer = "Another"
	if err := db.Custody().InsertModel(t.Context(), dup); err != nil {
		t.Errorf("InsertModel of the name at another manufacturer: %v", err)
	}

}

func testCustodyModelsPaging(t *testing.T, db *store.DB) {
	checkPaging(t, func(i int) uuid.UUID {
		m := custody.TerminalModel{ID: domain.NewID(), Name: fmt.Sprintf("M%d", i), Manufacturer: "Paging", CreatedAt: t0}
		if err := db.Custody().InsertModel(t.Context(), m); err != nil {
			t.Fatal(err)
		}
		return m.ID
	}, func(p domain.PageRequest) (domain.Page[custody.TerminalModel], error) {
		return db.Custody().ListModels(t.Context(), p)
	}, func(m custody.TerminalModel) uuid.UUID { return m.ID })
	checkBadCursors(t, func(p domain.PageRequest) (domain.Page[custody.TerminalModel], error) {
		return db.Custody().ListModels(t.Context(), p)
	})
}

func testCustodyTerminalRoundTrip(t *testing.T, db *store.DB) {
	fx := newCUFixture(t, db)
	want := fx.installed(fx.terminal("SN-0001", "860000000000001"), 0, t0.Add(time.Hour))
	want.Firmware, want.Label, want.WarrantyMonths = ptr("1.2.3"), ptr("粤B00000: no GPS fix"), ptr(36)
	in := want
	in.CreatedAt = want.CreatedAt.In(cst)
	addTerminal(t, db, in)
	checkDeep(t, "Terminal", readTerminal(t, db, want.ID), want)

	bare := addTerminal(t, db, fx.terminal("SN-0002", "860000000000002"))
	checkDeep(t, "Terminal(bare)", readTerminal(t, db, bare.ID), bare)
	_, err := db.Custody().Terminal(t.Context(), domain.NewID())
	checkNotFound(t, "Terminal(missing)", err)
}

func testCustodyTerminalUnique(t *testing.T, db *store.DB) {
	fx := newCUFixture(t, db)
	addTerminal(t, db, fx.terminal("SN-0001", "860000000000001"))
	checkKind(t, "InsertTerminal of a taken serial",
		db.Custody().InsertTerminal(t.Context(), fx.terminal("SN-0001", "860000000000002")), domain.KindConflict)
	checkKind(t, "InsertTerminal of a taken IMEI",
		db.Custody().InsertTerminal(t.Context(), fx.terminal("SN-0002", "860000000000001")), domain.KindConflict)
	// An installed unit needs a vehicle (a CHECK constraint).
	broken := fx.terminal("SN-0003", "860000000000003")
	broken.Status = custody.TerminalInstalled
	if err := db.Custody().InsertTerminal(t.Context(), broken); err == nil {
		t.Error("an installed terminal without a vehicle was stored")
	}
}

func listTerminals(t *testing.T, db *store.DB, f custody.UnitFilter, limit int) []uuid.UUID {
	t.Helper()
	return slices.Concat(pages(t, limit, func(p domain.PageRequest) (domain.Page[custody.Terminal], error) {
		return db.Custody().ListTerminals(t.Context(), f, p)
	}, func(x custody.Terminal) uuid.UUID { return x.ID })...)
}

func testCustodyTerminalList(t *testing.T, db *store.DB) {
	fx := newCUFixture(t, db)
	a := addTerminal(t, db, fx.terminal("ABC-100", "860000000000001"))
	b := addTerminal(t, db, fx.installed(fx.terminal("abd-200", "860000000000002"), 0, t0))
	c := addTerminal(t, db, fx.installed(fx.terminal("XYZ_300", "861111111111111"), 1, t0))
	for _, tc := range []struct {
		name string
		f    custody.UnitFilter
		want []uuid.UUID
	}{
		{"All", custody.UnitFilter{}, []uuid.UUID{a.ID, b.ID, c.ID}},
		{"Status", custody.UnitFilter{Status: string(custody.TerminalInstalled)}, []uuid.UUID{b.ID, c.ID}},
		{"Customer", custody.UnitFilter{CustomerID: fx.customer}, []uuid.UUID{b.ID, c.ID}},
		{"Vehicle", custody.UnitFilter{VehicleID: fx.vehicles[1]}, []uuid.UUID{c.ID}},
		{"SerialAnyCase", custody.UnitFilter{Query: "Ab"}, []uuid.UUID{a.ID, b.ID}},
		{"IMEI", custody.UnitFilter{Query: "8611"}, []uuid.UUID{c.ID}},
		{"UnderscoreLiteral", custody.UnitFilter{Query: "z_3"}, []uuid.UUID{c.ID}},
		{"NoMatch", custody.UnitFilter{Query: "c_1"}, nil},
	} {
		for _, limit := range []int{1, 2, 10} {
			if got := listTerminals(t, db, tc.f, limit); !slices.Equal(got, tc.want) {
				t.Errorf("%s, limit %d: %v, want %v", tc.name, limit, got, tc.want)
			}
		}
	}
	checkBadCursors(t, func(p domain.PageRequest) (domain.Page[custody.Terminal], error) {
		return db.Custody().ListTerminals(t.Context(), custody.UnitFilter{}, p)
	})
}

func testCustodySimRoundTrip(t *testing.T, db *store.DB) {
	fx := newCUFixture(t, db)
	at := t0.Add(time.Hour)
	want := fx.sim("89860000000000000001", "1440000000001")
	want.Status, want.CustomerID, want.VehicleID, want.InstalledAt, want.UpdatedAt = custody.SimInstalled, fx.customer, fx.vehicles[0], &at, at
	in := want
	in.CreatedAt = want.CreatedAt.In(cst)
	addSim(t, db, in)
	checkDeep(t, "Sim", readSim(t, db, want.ID), want)
	bare := addSim(t, db, fx.sim("89860000000000000002", "1440000000002"))
	checkDeep(t, "Sim(bare)", readSim(t, db, bare.ID), bare)
	_, err := db.Custody().Sim(t.Context(), domain.NewID())
	checkNotFound(t, "Sim(missing)", err)
}

func testCustodySimList(t *testing.T, db *store.DB) {
	fx := newCUFixture(t, db)
	a := addSim(t, db, fx.sim("89860000000000000001", "1440000000001"))
	b := fx.sim("89860000000000000002", "1449999999999")
	b.Status, b.CustomerID, b.VehicleID = custody.SimInstalled, fx.customer, fx.vehicles[0]
	addSim(t, db, b)
	checkKind(t, "InsertSim of a taken ICCID", db.Custody().InsertSim(t.Context(), fx.sim(a.ICCID, "1440000000003")), domain.KindConflict)
	for _, tc := range []struct {
		name string
		f    custody.UnitFilter
		want []uuid.UUID
	}{
		{"All", custody.UnitFilter{}, []uuid.UUID{a.ID, b.ID}},
		{"Status", custody.UnitFilter{Status: string(custody.SimInStock)}, []uuid.UUID{a.ID}},
		{"Vehicle", custody.UnitFilter{VehicleID: fx.vehicles[0]}, []uuid.UUID{b.ID}},
		{"ICCID", custody.UnitFilter{Query: "0001"}, []uuid.UUID{a.ID}},
		{"MSISDN", custody.UnitFilter{Query: "99999"}, []uuid.UUID{b.ID}},
	} {
		for _, limit := range []int{1, 10} {
			page := slices.Concat(pages(t, limit, func(p domain.PageRequest) (domain.Page[custody.Sim], error) {
				return db.Custody().ListSims(t.Context(), tc.f, p)
			}, func(x custody.Sim) uuid.UUID { return x.ID })...)
			if !slices.Equal(page, tc.want) {
				t.Errorf("%s, limit %d: %v, want %v", tc.name, limit, page, tc.want)
			}
		}
	}
}

// The move guards: a unit moves only from the status (and vehicle) the
// caller read, so of two technicians moving one unit only the first wins,
// and a vehicle never gets a second unit of a kind.
func testCustodyMoveTerminal(t *testing.T, db *store.DB) {
	fx := newCUFixture(t, db)
	read := addTerminal(t, db, fx.terminal("SN-0001", "860000000000001"))
	move := func(what string, to custody.Terminal, from custody.TerminalStatus, fromVehicle uuid.UUID, want bool) {
		t.Helper()
		if ok, err := db.Custody().MoveTerminal(t.Context(), to, from, fromVehicle); err != nil || ok != want {
			t.Errorf("%s: MoveTerminal = %v, %v; want %v", what, ok, err, want)
		}
	}

	first := fx.installed(read, 0, t0.Add(time.Hour))
	move("install", first, custody.TerminalInStock, uuid.Nil, true)
	move("a second install from the same read", fx.installed(read, 1, t0.Add(2*time.Hour)), custody.TerminalInStock, uuid.Nil, false)
	checkDeep(t, "after the stale install", readTerminal(t, db, read.ID), first)

	back := first
	back.Status, back.CustomerID, back.VehicleID, back.InstalledAt, back.Label = custody.TerminalReturnedForRepair, uuid.Nil, uuid.Nil, nil, ptr("broken")
	move("a swap from the wrong vehicle", back, custody.TerminalInstalled, fx.vehicles[1], false)
	checkDeep(t, "after the swap from the wrong vehicle", readTerminal(t, db, read.ID), first)

	// A second terminal onto an occupied vehicle: not moved, and no error.
	other := addTerminal(t, db, fx.terminal("SN-0002", "860000000000002"))
	move("an install onto an occupied vehicle", fx.installed(other, 0, t0), custody.TerminalInStock, uuid.Nil, false)
	checkDeep(t, "the other terminal", readTerminal(t, db, other.ID), other)

	// The unit's identity never changes with a move.
	back.Serial, back.IMEI, back.CreatedAt = "SN-X", "869999999999999", t0.Add(time.Hour)
	move("a swap from the right vehicle", back, custody.TerminalInstalled, fx.vehicles[0], true)
	back.Serial, back.IMEI, back.CreatedAt = read.Serial, read.IMEI, read.CreatedAt
	checkDeep(t, "after the swap", readTerminal(t, db, read.ID), back)

	move("a move of a missing terminal", fx.terminal("SN-0003", "860000000000003"), custody.TerminalInStock, uuid.Nil, false)
}

func testCustodyMoveSim(t *testing.T, db *store.DB) {
	fx := newCUFixture(t, db)
	read := addSim(t, db, fx.sim("89860000000000000001", "1440000000001"))
	move := func(what string, to custody.Sim, from custody.SimStatus, fromVehicle uuid.UUID, want bool) {
		t.Helper()
		if ok, err := db.Custody().MoveSim(t.Context(), to, from, fromVehicle); err != nil || ok != want {
			t.Errorf("%s: MoveSim = %v, %v; want %v", what, ok, err, want)
		}
	}
	on := func(s custody.Sim, vehicle int) custody.Sim {
		at := t0.Add(time.Hour)
		s.Status, s.CustomerID, s.VehicleID, s.InstalledAt, s.UpdatedAt = custody.SimInstalled, fx.customer, fx.vehicles[vehicle], &at, at
		return s
	}
	first := on(read, 0)
	move("install", first, custody.SimInStock, uuid.Nil, true)
	move("a second install from the same read", on(read, 1), custody.SimInStock, uuid.Nil, false)
	checkDeep(t, "after the stale install", readSim(t, db, read.ID), first)

	off := first
	off.Status, off.VehicleID, off.CustomerID, off.InstalledAt = custody.SimDeactivated, uuid.Nil, uuid.Nil, nil
	move("a swap from the wrong vehicle", off, custody.SimInstalled, fx.vehicles[1], false)
	checkDeep(t, "after the swap from the wrong vehicle", readSim(t, db, read.ID), first)

	other := addSim(t, db, fx.sim("89860000000000000002", "1440000000002"))
	move("an install onto an occupied vehicle", on(other, 0), custody.SimInStock, uuid.Nil, false)
	checkDeep(t, "the other SIM", readSim(t, db, other.ID), other)

	off.ICCID, off.CreatedAt = "89869999999999999999", t0.Add(time.Hour)
	move("a swap from the right vehicle", off, custody.SimInstalled, fx.vehicles[0], true)
	off.ICCID, off.CreatedAt = read.ICCID, read.CreatedAt
	checkDeep(t, "after the swap", readSim(t, db, read.ID), off)
}

func testCustodyInstalledOn(t *testing.T, db *store.DB) {
	fx := newCUFixture(t, db)
	term := addTerminal(t, db, fx.installed(fx.terminal("SN-0001", "860000000000001"), 0, t0))
	addTerminal(t, db, fx.terminal("SN-0002", "860000000000002"))
	s := fx.sim("89860000000000000001", "1440000000001")
	s.Status, s.VehicleID, s.CustomerID = custody.SimInstalled, fx.vehicles[0], fx.customer
	addSim(t, db, s)
	if tid, sid, err := db.Custody().InstalledOn(t.Context(), fx.vehicles[0]); err != nil || tid != term.ID || sid != s.ID {
		t.Errorf("InstalledOn(vehicle 0) = %s, %s, %v; want %s, %s", tid, sid, err, term.ID, s.ID)
	}
	if tid, sid, err := db.Custody().InstalledOn(t.Context(), fx.vehicles[1]); err != nil || tid != uuid.Nil || sid != uuid.Nil {
		t.Errorf("InstalledOn(empty vehicle) = %s, %s, %v; want nil ids", tid, sid, err)
	}
}

func testCustodyActions(t *testing.T, db *store.DB) {
	fx := newCUFixture(t, db)
	photos := []uuid.UUID{domain.NewID(), domain.NewID()}
	install := custody.Action{ID: domain.NewID(), WorkOrderID: fx.orders[0], Install: true, VehicleID: fx.vehicles[0],
		TerminalID: domain.NewID(), SimID: domain.NewID(), PhotoIDs: photos, TechnicianID: fx.tech, At: t0}
	swapT := custody.Action{ID: domain.NewID(), WorkOrderID: fx.orders[0], Kind: custody.KindTerminal, VehicleID: fx.vehicles[0],
		OldID: install.TerminalID, NewID: domain.NewID(), Reason: "no GPS fix", PhotoIDs: photos[:1], TechnicianID: fx.tech, At: t0.Add(time.Hour)}
	swapS := custody.Action{ID: domain.NewID(), WorkOrderID: fx.orders[1], Kind: custody.KindSim, VehicleID: fx.vehicles[1],
		OldID: domain.NewID(), NewID: domain.NewID(), Reason: "no signal", PhotoIDs: []uuid.UUID{}, TechnicianID: fx.tech, At: t0.Add(2 * time.Hour)}
	for _, a := range []custody.Action{install, swapT, swapS} {
		in := a
		in.At = a.At.In(cst)
		if err := db.Custody().InsertAction(t.Context(), in); err != nil {
			t.Fatalf("InsertAction: %v", err)
		}
	}
	got, err := db.Custody().Actions(t.Context(), []uuid.UUID{fx.orders[0], fx.orders[1], domain.NewID()})
	if err != nil {
		t.Fatal(err)
	}
	checkDeep(t, "Actions", got, map[uuid.UUID][]custody.Action{fx.orders[0]: {install, swapT}, fx.orders[1]: {swapS}})
	if none, err := db.Custody().Actions(t.Context(), nil); err != nil || len(none) != 0 {
		t.Errorf("Actions(no orders) = %v, %v; want none", none, err)
	}
}
