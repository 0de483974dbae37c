package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/contract"
	"github.com/fieldwork/fieldwork/infra/store"
)

// The contract repository's contract, on every footing.

func TestContracts(t *testing.T) {
	runContract(t, []contractCase{
		{"InsertByIDRoundTrip", testContractsRoundTrip},
		{"ByIDMissingIsNotFound", testContractsByIDMissing},
		{"NumberUnique", testContractsNumberUnique},
		{"UpdateRoundTripKeepsImmutableColumns", testContractsUpdate},
		{"UpdateFromAStaleReadChangesNothing", testContractsUpdateStale},
		{"ListFiltersAndPaging", testContractsList},
		{"ListMalformedCursorIsBadRequest", testContractsBadCursor},
		{"OverlappingCountsBothEndDays", testContractsOverlapping},
		{"LockCustomerMakesWritersTakeTurns", testContractsLockCustomer},
	})
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// newContract covers all the customer's vehicles through 2025.
func newContract(customerID, createdBy uuid.UUID, number string) contract.Contract {
	return contract.Contract{ID: domain.NewID(), Number: number, CustomerID: customerID, StartsOn: day(2025, 1, 1), EndsOn: day(2025, 12, 31),
		SLA: map[string]contract.Term{}, Version: 1, CreatedBy: createdBy, CreatedAt: t0, UpdatedAt: t0}
}

func addContract(t *testing.T, db *store.DB, c contract.Contract) contract.Contract {
	t.Helper()
	if err := db.Contracts().Insert(t.Context(), c); err != nil {
		t.Fatalf("insert contract %s: %v", c.Number, err)
	}
	return c
}

func readContract(t *testing.T, db *store.DB, id uuid.UUID) contract.Contract {
	t.Helper()
	c, err := db.Contracts().ByID(t.Context(), id)
	if err != nil {
		t.Fatalf("ByID: %v", err)
	}
	return c
}

// ctFixture is a customer with two vehicles, in byte order, and a manager.
type ctFixture struct {
	customer, manager uuid.UUID
	vehicles          []uuid.UUID
}

func newCTFixture(t *testing.T, db *store.DB, name string) ctFixture {
	t.Helper()
	c := addCustomer(t, db, newCustomer(name))
	fx := ctFixture{customer: c.ID, manager: addUser(t, db, newUser("manager-"+name, domain.RoleManager, uuid.Nil)).ID}
	fx.vehicles = []uuid.UUID{addVehicle(t, db, newVehicle(c.ID, "粤B00001")).ID, addVehicle(t, db, newVehicle(c.ID, "粤B00002")).ID}
	return fx
}

func testContractsRoundTrip(t *testing.T, db *store.DB) {
	fx := newCTFixture(t, db, "Contract Fleet")
	want := newContract(fx.customer, fx.manager, "HT-2025-001")
	want.VehicleIDs = slices.Clone(fx.vehicles)
	want.SLA = map[string]contract.Term{"urgent": {Respond: 2 * time.Hour, Resolve: 6 * time.Hour}, "low": {Respond: 49 * time.Hour, Resolve: 97 * time.Hour}}
	want.WarrantyMonths, want.Version, want.UpdatedAt = ptr(36), 4, t0.Add(time.Hour)
	in := want
	in.CreatedAt, in.UpdatedAt = want.CreatedAt.In(cst), want.UpdatedAt.In(cst)
	addContract(t, db, in)
	checkDeep(t, "ByID", readContract(t, db, want.ID), want)

	all := addContract(t, db, newContract(fx.customer, fx.manager, "HT-2026-001"))
	got := readContract(t, db, all.ID)
	checkDeep(t, "ByID(all vehicles)", got, all)
	if !got.AllVehicles() {
		t.Errorf("a contract over all vehicles came back naming %v", got.VehicleIDs)
	}
}

func testContractsByIDMissing(t *testing.T, db *store.DB) {
	_, err := db.Contracts().ByID(t.Context(), domain.NewID())
	checkKind(t, "ByID(missing)", err, domain.KindNotFound)
}

func testContractsNumberUnique(t *testing.T, db *store.DB) {
	fx := newCTFixture(t, db, "Unique Fleet")
	addContract(t, db, newContract(fx.customer, fx.manager, "HT-1"))
	err := db.Contracts().Insert(t.Context(), newContract(fx.customer, fx.manager, "HT-1"))
	checkKind(t, "Insert(same number)", err, domain.KindConflict)
}

func testContractsUpdate(t *testing.T, db *store.DB) {
	fx := newCTFixture(t, db, "Update Fleet")
	c := addContract(t, db, newContract(fx.customer, fx.manager, "HT-UPD"))
	other := newCTFixture(t, db, "Other Fleet")
	// From all vehicles to one, then back to all.
	changed := c
	changed.Number, changed.CustomerID, changed.CreatedBy, changed.CreatedAt = "HT-CHANGED", other.customer, other.manager, t0.Add(time.Hour)
	changed.VehicleIDs, changed.StartsOn, changed.EndsOn = []uuid.UUID{fx.vehicles[1]}, day(2025, 2, 1), day(2026, 1, 31)
	changed.SLA = map[string]contract.Term{"high": {Respond: time.Hour, Resolve: 2 * time.Hour}}
	changed.WarrantyMonths, changed.Version, changed.UpdatedAt = ptr(0), 2, t0.Add(2*time.Hour)
	if err := db.Contracts().Update(t.Context(), changed, 1); err != nil {
		t.Fatal(err)
	}
	want := changed
	want.Number, want.CustomerID, want.CreatedBy, want.CreatedAt = c.Number, c.CustomerID, c.CreatedBy, c.CreatedAt
	checkDeep(t, "after Update", readContract(t, db, c.ID), want)

	back := want
	back.VehicleIDs, back.WarrantyMonths, back.Version = nil, nil, 3
	if err := db.Contracts().Update(t.Context(), back, 2); err != nil {
		t.Fatal(err)
	}
	got := readContract(t, db, c.ID)
	checkDeep(t, "after Update(all vehicles)", got, back)
	if !got.AllVehicles() {
		t.Errorf("a contract changed to all vehicles came back naming %v", got.VehicleIDs)
	}
}

func testContractsUpdateStale(t *testing.T, db *store.DB) {
	fx := newCTFixture(t, db, "Stale Fleet")
	c := addContract(t, db, newContract(fx.customer, fx.manager, "HT-STALE"))
	first, stale := c, c
	first.Version, first.VehicleIDs = 2, []uuid.UUID{fx.vehicles[0]}
	if err := db.Contracts().Update(t.Context(), first, 1); err != nil {
		t.Fatal(err)
	}
	stale.Version, stale.EndsOn, stale.VehicleIDs = 2, day(2030, 1, 1), []uuid.UUID{fx.vehicles[1]}
	checkKind(t, "Update(stale)", db.Contracts().Update(t.Context(), stale, 1), domain.KindPreconditionFailed)
	checkDeep(t, "after a stale Update", readContract(t, db, c.ID), first)
}

func testContractsList(t *testing.T, db *store.DB) {
	a, b := newCTFixture(t, db, "List A"), newCTFixture(t, db, "List B")
	var aIDs []uuid.UUID
	for i, n := range []string{"A-1", "A-2", "A-3", "A-4", "A-5"} {
		c := newContract(a.customer, a.manager, n)
		c.StartsOn, c.EndsOn = day(2025, time.Month(i+1), 1), day(2025, time.Month(i+1), 28)
		aIDs = append(aIDs, addContract(t, db, c).ID)
	}
	bc := newContract(b.customer, b.manager, "B-1")
	bc.StartsOn, bc.EndsOn = day(2025, 3, 28), day(2025, 3, 28)
	bID := addContract(t, db, bc).ID
	list := func(f contract.Filter, limit int) []uuid.UUID {
		t.Helper()
		var ids []uuid.UUID
		p := domain.PageRequest{Limit: limit}
		for range 10 {
			page, err := db.Contracts().List(t.Context(), f, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page.Items {
				ids = append(ids, c.ID)
			}
			if page.Next == "" {
				return ids
			}
			p.After = page.Next
		}
		t.Fatal("paging did not end")
		return nil
	}
	checkDeep(t, "all, by 2", list(contract.Filter{}, 2), append(slices.Clone(aIDs), bID))
	checkDeep(t, "customer A, by 2", list(contract.Filter{CustomerID: a.customer}, 2), aIDs)
	// Both end days are in force.
	checkDeep(t, "active on 28 March", list(contract.Filter{ActiveOn: ptr(day(2025, 3, 28))}, 1), []uuid.UUID{aIDs[2], bID})
	checkDeep(t, "active on 1 March", list(contract.Filter{ActiveOn: ptr(day(2025, 3, 1))}, 5), []uuid.UUID{aIDs[2]})
	checkDeep(t, "active on 29 March", list(contract.Filter{ActiveOn: ptr(day(2025, 3, 29))}, 5), []uuid.UUID(nil))
	checkDeep(t, "B active on 28 March", list(contract.Filter{CustomerID: b.customer, ActiveOn: ptr(day(2025, 3, 28))}, 5), []uuid.UUID{bID})
}

func testContractsBadCursor(t *testing.T, db *store.DB) {
	for _, after := range []string{"!!", malformedCursors["NotAUUID"], malformedCursors["EmptyArray"]} {
		_, err := db.Contracts().List(t.Context(), contract.Filter{}, domain.PageRequest{Limit: 3, After: after})
		checkKind(t, "List("+after+")", err, domain.KindBadRequest)
	}
}

func testContractsOverlapping(t *testing.T, db *store.DB) {
	fx, other := newCTFixture(t, db, "Overlap Fleet"), newCTFixture(t, db, "Overlap Other")
	c := newContract(fx.customer, fx.manager, "HT-OV")
	c.StartsOn, c.EndsOn, c.VehicleIDs = day(2025, 3, 1), day(2025, 3, 31), []uuid.UUID{fx.vehicles[0]}
	addContract(t, db, c)
	addContract(t, db, newContract(other.customer, other.manager, "HT-OTHER"))
	for _, tc := range []struct {
		from, to time.Time
		want     int
	}{
		{day(2025, 2, 1), day(2025, 2, 28), 0}, {day(2025, 2, 1), day(2025, 3, 1), 1}, {day(2025, 3, 31), day(2025, 3, 31), 1},
		{day(2025, 4, 1), day(2025, 5, 1), 0}, {day(2025, 1, 1), day(2025, 12, 31), 1},
	} {
		got, err := db.Contracts().Overlapping(t.Context(), fx.customer, tc.from, tc.to)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.want {
			t.Errorf("Overlapping(%s..%s) = %d contracts, want %d", tc.from.Format(time.DateOnly), tc.to.Format(time.DateOnly), len(got), tc.want)
		}
		if len(got) == 1 {
			checkDeep(t, "Overlapping", got[0], c)
		}
	}
}

// Two transactions locking one customer's contracts: the second gets the
// lock only after the first has committed.
func testContractsLockCustomer(t *testing.T, db *store.DB) {
	fx := newCTFixture(t, db, "Lock Fleet")
	locked, release := make(chan struct{}), make(chan struct{})
	var committed, second time.Time
	done := make(chan error, 1)
	go func() {
		done <- db.InTx(t.Context(), func(ctx context.Context) error {
			if err := db.Contracts().LockCustomer(ctx, fx.customer); err != nil {
				return err
			}
			close(locked)
			<-release
			committed = time.Now()
			return nil
		})
	}()
	<-locked
	go func() { time.Sleep(300 * time.Millisecond); close(release) }()
	err := db.InTx(t.Context(), func(ctx context.Context) error {
		if err := db.Contracts().LockCustomer(ctx, fx.customer); err != nil {
			return err
		}
		second = time.Now()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if second.Before(committed) {
		t.Errorf("the second writer took the lock at %v, before the first committed at %v", second, committed)
	}
}
