package store_test

import (
	"maps"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/billing"
	"github.com/fieldwork/fieldwork/domain/workorder"
	"github.com/fieldwork/fieldwork/infra/store"
)

// The bill-line repository's and the directory's contracts, on every footing.

func TestBilling(t *testing.T) {
	runContract(t, []contractCase{
		{"InsertLinesRoundTripInRecordingOrder", testBillingLines},
		{"UnknownOrderRejected", testBillingUnknownOrder},
	})
}

func TestLookups(t *testing.T) {
	runContract(t, []contractCase{
		{"VehiclesOfCustomer", testDirectoryVehicles},
		{"TechniciansWithTheirLatestPosition", testDirectoryTechnicians},
		{"OpenOrderCounts", testDirectoryOpenOrderCounts},
	})
}

func testBillingLines(t *testing.T, db *store.DB) {
	c := addCustomer(t, db, newCustomer("Bill Fleet"))
	u := addUser(t, db, newUser("tech", domain.RoleTechnician, uuid.Nil))
	o1 := addOrder(t, db, newOrder(c.ID, u.ID, "WO-1"))
	o2 := addOrder(t, db, newOrder(c.ID, u.ID, "WO-2"))
	part := billing.Line{ID: domain.NewID(), WorkOrderID: o1.ID, Kind: billing.Part, PartCode: ptr("ANT-01"), Description: "GPS antenna",
		Quantity: 2, UnitPrice: 4550, Amount: 9100, CreatedBy: u.ID, At: t0}
	labour := billing.Line{ID: domain.NewID(), WorkOrderID: o1.ID, Kind: billing.Labour, Description: "fitting", Quantity: 1,
		Minutes: ptr(45), CreatedBy: u.ID, At: t0.Add(time.Minute)}
	other := billing.Line{ID: domain.NewID(), WorkOrderID: o2.ID, Kind: billing.Part, Description: "fuse", Quantity: 1, UnitPrice: 100,
		Amount: 100, CreatedBy: u.ID, At: t0}
	for _, l := range []billing.Line{part, labour, other} {
		in := l
		in.At = l.At.In(cst)
		if err := db.Billing().Insert(t.Context(), in); err != nil {
			t.Fatalf("Insert: %v", err)
		}
	}
	got, err := db.Billing().Lines(t.Context(), o1.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkDeep(t, "Lines", got, []billing.Line{part, labour})
	if none, err := db.Billing().Lines(t.Context(), domain.NewID()); err != nil || len(none) != 0 {
		t.Errorf("Lines(no lines) = %v, %v; want none", none, err)
	}
}

func testBillingUnknownOrder(t *testing.T, db *store.DB) {
	l := billing.Line{ID: domain.NewID(), WorkOrderID: domain.NewID(), Kind: billing.Part, Description: "fuse", Quantity: 1, At: t0}
	if err := db.Billing().Insert(t.Context(), l); err == nil {
		t.Error("a line of an unknown order was stored")
	}
}

func testDirectoryVehicles(t *testing.T, db *store.DB) {
	c, other := addCustomer(t, db, newCustomer("Fleet")), addCustomer(t, db, newCustomer("Other"))
	a, b := addVehicle(t, db, newVehicle(c.ID, "粤B00001")), addVehicle(t, db, newVehicle(c.ID, "粤B00002"))
	x := addVehicle(t, db, newVehicle(other.ID, "粤B00003"))
	for _, tc := range []struct {
		name string
		ids  []uuid.UUID
		want bool
	}{
		{"None", nil, true},
		{"Own", []uuid.UUID{a.ID, b.ID}, true},
		{"AnotherCustomers", []uuid.UUID{a.ID, x.ID}, false},
		{"Unknown", []uuid.UUID{domain.NewID()}, false},
		{"RepeatedCountsTwice", []uuid.UUID{a.ID, a.ID}, false},
	} {
		if got, err := db.Vehicles().OfCustomer(t.Context(), c.ID, tc.ids); err != nil || got != tc.want {
			t.Errorf("%s: VehiclesOfCustomer = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}

func testDirectoryTechnicians(t *testing.T, db *store.DB) {
	seen := newUser("seen", domain.RoleTechnician, uuid.Nil)
	seen.Phone, seen.OnDuty, seen.Skills = ptr("13900000001"), true, []string{"gps", "can-bus"}
	addUser(t, db, seen)
	unseen := newUser("unseen", domain.RoleTechnician, uuid.Nil)
	unseen.Disabled = true
	addUser(t, db, unseen)
	staff := addUser(t, db, newUser("dispatcher", domain.RoleDispatcher, uuid.Nil))
	at := t0.Add(time.Hour)
	if err := db.WorkOrders().SaveLocation(t.Context(), seen.ID, workorder.Position{Lat: 22.5, Lng: 114.1, AccuracyM: ptr(8.0)}, at); err != nil {
		t.Fatal(err)
	}
	want := []workorder.Technician{
		{ID: seen.ID, DisplayName: seen.DisplayName, Phone: seen.Phone, Enabled: true, OnDuty: true, Skills: seen.Skills,
			Lat: ptr(22.5), Lng: ptr(114.1), LastSeenAt: &at},
		{ID: unseen.ID, DisplayName: unseen.DisplayName, Enabled: false, Skills: []string{}},
	}
	got, err := db.Users().Technicians(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	checkDeep(t, "Technicians", got, want)
	one, err := db.Users().Technician(t.Context(), seen.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkDeep(t, "Technician", one, want[0])
	_, err = db.Users().Technician(t.Context(), staff.ID)
	checkNotFound(t, "Technician(a dispatcher)", err)
}

func testDirectoryOpenOrderCounts(t *testing.T, db *store.DB) {
	c := addCustomer(t, db, newCustomer("Fleet"))
	a := addUser(t, db, newUser("a", domain.RoleTechnician, uuid.Nil))
	b := addUser(t, db, newUser("b", domain.RoleTechnician, uuid.Nil))
	for i, s := range []struct {
		tech   uuid.UUID
		status workorder.Status
	}{
		{a.ID, workorder.Assigned}, {a.ID, workorder.OnHold}, {a.ID, workorder.Completed},
		{b.ID, workorder.EnRoute}, {b.ID, workorder.Cancelled}, {uuid.Nil, workorder.Requested},
	} {
		o := newOrder(c.ID, a.ID, "WO-"+string(rune('A'+i)))
		o.TechnicianID, o.Status = s.tech, s.status
		addOrder(t, db, o)
	}
	got, err := db.WorkOrders().OpenOrderCounts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := map[uuid.UUID]int{a.ID: 2, b.ID: 1}; !maps.Equal(got, want) {
		t.Errorf("OpenOrderCounts = %v, want %v", got, want)
	}
}
