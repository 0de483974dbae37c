package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/workorder"
	"github.com/fieldwork/fieldwork/infra/store"
)

// The work-order repository's contract. Reads scan rows by hand
// (workOrderColumns and scanWorkOrder) while writes go through gorm's row
// struct, so the first cases hold the three to each other.

func TestWorkOrders(t *testing.T) {
	runContract(t, []contractCase{
		{"RowColumnsAreTheScannedColumnsAndTheTable", testWorkOrderColumns},
		{"FixturesFillAndTellApartEveryColumn", testWorkOrderFixturesFillEveryColumn},
		{"GormAndHandScanReadTheSameRow", testWorkOrderGormAndHandScanAgree},
		{"InsertByIDRoundTrip", testWorkOrdersRoundTrip},
		{"ListChangesOpenAssignedRoundTrip", testWorkOrdersListRoundTrip},
		{"UpdateRoundTripKeepsImmutableColumns", testWorkOrdersUpdate},
		{"UpdateWithStaleVersionChangesNothing", testWorkOrdersUpdateStale},
		{"ByIDMissingIsNotFound", testWorkOrdersByIDMissing},
		{"NumberUnique", testWorkOrdersNumberUnique},
		{"ListFilters", testWorkOrdersFilters},
		{"ListPagesNewestFirst", testWorkOrdersPaging},
		{"ListPagesByRespondBy", testWorkOrdersPagingRespondBy},
		{"ListMalformedCursorIsBadRequest", testWorkOrdersBadCursor},
		{"CountersCountAndRollBack", testWorkOrdersCounters},
		{"Assignments", testWorkOrdersAssignments},
		{"ChangesAndOpenAssigned", testWorkOrdersSync},
		{"SaveLocationOlderReportLoses", testWorkOrdersSaveLocation},
	})
}

// woFixture is what a fully populated order refers to.
type woFixture struct {
	customer, tech, creator, rater, contract uuid.UUID
	vehicles                                 []uuid.UUID
}

func newWOFixture(t *testing.T, db *store.DB) woFixture {
	t.Helper()
	c := addCustomer(t, db, newCustomer("Order Fleet"))
	fx := woFixture{customer: c.ID,
		tech:    addUser(t, db, newUser("tech", domain.RoleTechnician, uuid.Nil)).ID,
		creator: addUser(t, db, newUser("dispatcher", domain.RoleDispatcher, uuid.Nil)).ID,
		rater:   addUser(t, db, newUser("owner", domain.RoleCustomer, c.ID)).ID}
	// Stored in the opposite order of their ids, so position, not id, orders them.
	a, b := addVehicle(t, db, newVehicle(c.ID, "粤B00001")), addVehicle(t, db, newVehicle(c.ID, "粤B00002"))
	fx.vehicles = []uuid.UUID{b.ID, a.ID}
	fx.contract = addContract(t, db, newContract(c.ID, fx.creator, "HT-ORDER-FLEET")).ID
	return fx
}

// fullOrder sets every field, each to a value no other field of its type
// holds. The booleans can't all differ and all be set in one order, so the
// variant flips them: across both variants, each is set and each pair differs.
func (fx woFixture) fullOrder(number string, variant bool) workorder.Order {
	at := func(d time.Duration) *time.Time { v := t0.Add(d); return &v }
	purchase := time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC)
	ends := time.Date(2026, 5, 5, 0, 0, 0, 0, time.UTC)
	return workorder.Order{ID: domain.NewID(), Number: number, Type: workorder.Repair, Status: workorder.OnHold, Version: 7,
		CustomerID: fx.customer, VehicleIDs: slices.Clone(fx.vehicles),
		Site:        workorder.Site{Address: "深圳市福田区深南大道1号", Lat: ptr(22.54), Lng: ptr(114.05)},
		Description: "GPS 无信号", FaultSymptoms: ptr("no fix since Monday"), Priority: workorder.High,
		ContactName: ptr("王师傅"), ContactPhone: ptr("13900139000"), ProductModel: ptr("GT06N"), PurchaseDate: &purchase,
		RequiredSkills: []string{"gps", "can-bus"}, TechnicianID: fx.tech,
		Contractor: &workorder.Contractor{Name: "Outside Co", Phone: "13700137000", Reason: "nobody free nearby"},
		CheckIn: &workorder.CheckIn{Lat: 22.55, Lng: 114.06, AccuracyM: ptr(12.5), DistanceM: ptr(850.25), Far: variant,
			At: *at(3 * time.Hour)},
		Resolution: ptr("replaced the antenna"), HoldReason: ptr("waiting for parts"), HeldFrom: workorder.OnSite,
		CreatedBy: fx.creator, CreatedAt: t0, UpdatedAt: *at(5 * time.Hour), ChangeSeq: 99,
		Feedback:   &workorder.Feedback{Rating: 4, Comment: ptr("quick and tidy"), By: fx.rater, At: *at(30 * time.Hour)},
		Warranty:   &workorder.WarrantySnapshot{TerminalID: domain.NewID(), InWarranty: !variant, EndsOn: &ends},
		ContractID: fx.contract, Terms: &workorder.SLATerms{
			Respond: map[workorder.Priority]time.Duration{workorder.Urgent: 2 * time.Hour, workorder.High: 3 * time.Hour,
				workorder.Normal: 90 * time.Minute, workorder.Low: 17 * time.Second},
			Resolve: map[workorder.Priority]time.Duration{workorder.Urgent: 5 * time.Hour, workorder.High: 11 * time.Hour,
				workorder.Normal: 36 * time.Hour, workorder.Low: 1500 * time.Millisecond}},
		Times: workorder.Times{RespondBy: *at(4 * time.Hour), ResolveBy: *at(24 * time.Hour),
			ApprovedAt: at(time.Minute), DepartedAt: at(2 * time.Hour), ArrivedAt: at(150 * time.Minute),
			CompletedAt: at(6 * time.Hour), ClosedAt: at(7 * time.Hour), CancelledAt: at(8 * time.Hour),
			HoldStartedAt: at(9 * time.Hour), Paused: 95*time.Minute + 250*time.Millisecond},
	}
}

func testWorkOrderColumns(t *testing.T, db *store.DB) {
	fields, err := store.WorkOrderRowColumns(db)
	if err != nil {
		t.Fatal(err)
	}
	scanned := strings.Split(store.WorkOrderColumns, ", ")
	if !slices.Equal(fields, scanned) {
		t.Errorf("workOrderColumns is not the row struct's columns in field order (scanWorkOrder scans the fields in that order):\n  columns %v\n  fields  %v",
			scanned, fields)
	}
	table := schemaOf(t, db)["work_orders"]
	sorted := slices.Sorted(slices.Values(scanned))
	if !slices.Equal(sorted, table) {
		t.Errorf("workOrderColumns is not the work_orders table's columns:\n  columns %v\n  table   %v", sorted, table)
	}
}

// baseOf is v, or what v points at (invalid for nil).
func baseOf(v reflect.Value) reflect.Value {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return reflect.Value{}
		}
		return v.Elem()
	}
	return v
}

func baseType(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		return t.Elem()
	}
	return t
}

func sameBase(a, b reflect.Value) bool {
	a, b = baseOf(a), baseOf(b)
	if !a.IsValid() || !b.IsValid() {
		return a.IsValid() == b.IsValid()
	}
	if ta, ok := a.Interface().(time.Time); ok {
		return ta.Equal(b.Interface().(time.Time))
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

// The round trip below catches a column scanned into the wrong field only
// if the two fields hold different values. This holds the fixtures to that.
func testWorkOrderFixturesFillEveryColumn(t *testing.T, _ *store.DB) {
	fx := woFixture{customer: domain.NewID(), tech: domain.NewID(), creator: domain.NewID(), rater: domain.NewID(), contract: domain.NewID()}
	rows := []reflect.Value{reflect.ValueOf(store.WorkOrderRowOf(fx.fullOrder("A", false))),
		reflect.ValueOf(store.WorkOrderRowOf(fx.fullOrder("B", true)))}
	typ := rows[0].Type()
	for i := range typ.NumField() {
		fi := typ.Field(i)
		set := false
		for _, r := range rows {
			set = set || !r.Field(i).IsZero()
		}
		if !set {
			t.Errorf("no fixture sets %s: give it a value in fullOrder", fi.Name)
		}
		for j := i + 1; j < typ.NumField(); j++ {
			fj := typ.Field(j)
			if baseType(fi.Type) != baseType(fj.Type) {
				continue
			}
			differ := false
			for _, r := range rows {
				differ = differ || !sameBase(r.Field(i), r.Field(j))
			}
			if !differ {
				t.Errorf("%s and %s hold the same value in every fixture, so a scan that swaps them would pass", fi.Name, fj.Name)
			}
		}
	}
}

func testWorkOrderGormAndHandScanAgree(t *testing.T, db *store.DB) {
	fx := newWOFixture(t, db)
	for i, variant := range []bool{false, true} {
		o := addOrder(t, db, fx.fullOrder(fmt.Sprintf("WO-FULL-%d", i), variant))
		viaGorm, byHand, err := store.WorkOrderRowBothWays(t.Context(), db, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Rows hold times as the driver gives them; the domain converts to UTC.
		for _, d := range diffDeep("hand-scanned row", reflect.ValueOf(byHand), reflect.ValueOf(viaGorm), false) {
			t.Error(d)
		}
		for _, d := range diffDeep("stored row", reflect.ValueOf(viaGorm), reflect.ValueOf(store.WorkOrderRowOf(o)), false) {
			t.Error(d)
		}
	}
}

func testWorkOrdersRoundTrip(t *testing.T, db *store.DB) {
	fx := newWOFixture(t, db)
	for i, variant := range []bool{false, true} {
		want := fx.fullOrder(fmt.Sprintf("WO-FULL-%d", i), variant)
		in := want
		in.CreatedAt, in.UpdatedAt = want.CreatedAt.In(cst), want.UpdatedAt.In(cst) // any zone comes back in UTC
		addOrder(t, db, in)
		got, err := db.WorkOrders().ByID(t.Context(), want.ID)
		if err != nil {
			t.Fatal(err)
		}
		checkDeep(t, "ByID", got, want)
	}
	// The fewest fields: nil stays nil, and no vehicles is an empty list.
	bare := addOrder(t, db, newOrder(fx.customer, fx.creator, "WO-BARE"))
	got, err := db.WorkOrders().ByID(t.Context(), bare.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkDeep(t, "ByID(bare)", got, bare)
	if got.VehicleIDs == nil || got.RequiredSkills == nil {
		t.Errorf("bare order: VehicleIDs %#v, RequiredSkills %#v; want empty, not nil", got.VehicleIDs, got.RequiredSkills)
	}
}

// List, Changes and OpenAssigned scan gorm-built queries by hand too.
func testWorkOrdersListRoundTrip(t *testing.T, db *store.DB) {
	fx := newWOFixture(t, db)
	want := fx.fullOrder("WO-FULL", true)
	want.Status = workorder.OnSite
	addOrder(t, db, want)
	if err := db.WorkOrders().AddAssignment(t.Context(), want.ID, fx.tech, t0); err != nil {
		t.Fatal(err)
	}
	page, err := db.WorkOrders().List(t.Context(), workorder.Filter{}, domain.PageRequest{Limit: 10})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("List = %v, %v; want the one order", page.Items, err)
	}
	checkDeep(t, "List", page.Items[0], want)
	byRespond, err := db.WorkOrders().List(t.Context(), workorder.Filter{Sort: "respond_by"}, domain.PageRequest{Limit: 10})
	if err != nil || len(byRespond.Items) != 1 {
		t.Fatalf("List(respond_by) = %v, %v; want the one order", byRespond.Items, err)
	}
	checkDeep(t, "List(respond_by)", byRespond.Items[0], want)
	changes, err := db.WorkOrders().Changes(t.Context(), fx.tech, 0, 10)
	if err != nil || len(changes) != 1 {
		t.Fatalf("Changes = %v, %v; want the one order", changes, err)
	}
	checkDeep(t, "Changes", changes[0], want)
	open, err := db.WorkOrders().OpenAssigned(t.Context(), fx.tech, 10)
	if err != nil || len(open) != 1 {
		t.Fatalf("OpenAssigned = %v, %v; want the one order", open, err)
	}
	checkDeep(t, "OpenAssigned", open[0], want)
}

func testWorkOrdersUpdate(t *testing.T, db *store.DB) {
	fx := newWOFixture(t, db)
	bare := addOrder(t, db, newOrder(fx.customer, fx.creator, "WO-1"))
	want := fx.fullOrder("WO-1", false)
	want.ID, want.CreatedAt, want.Version = bare.ID, bare.CreatedAt, bare.Version+1
	want.VehicleIDs = bare.VehicleIDs // Update writes the order's row, not its vehicles
	if err := db.WorkOrders().Update(t.Context(), want, bare.Version); err != nil {
		t.Fatalf("Update: %v", err)
	}
	got, err := db.WorkOrders().ByID(t.Context(), bare.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkDeep(t, "after Update", got, want)

	// Who created the order, for whom, what and when never change.
	other := addCustomer(t, db, newCustomer("Other Fleet"))
	sneaky := got
	sneaky.Version++
	sneaky.Number, sneaky.Type, sneaky.CustomerID, sneaky.CreatedBy, sneaky.CreatedAt = "WO-X", workorder.Install, other.ID, fx.tech, t0.Add(time.Hour)
	if err := db.WorkOrders().Update(t.Context(), sneaky, got.Version); err != nil {
		t.Fatalf("Update: %v", err)
	}
	after, err := db.WorkOrders().ByID(t.Context(), bare.ID)
	if err != nil {
		t.Fatal(err)
	}
	got.Version = sneaky.Version
	checkDeep(t, "after an Update of the immutable columns", after, got)
}

// The version guard: an update made from a stale read changes nothing, so
// of two concurrent edits only the first lands.
func testWorkOrdersUpdateStale(t *testing.T, db *store.DB) {
	fx := newWOFixture(t, db)
	o := addOrder(t, db, newOrder(fx.customer, fx.creator, "WO-1"))
	first := o
	first.Version, first.Description = 2, "first edit"
	if err := db.WorkOrders().Update(t.Context(), first, 1); err != nil {
		t.Fatalf("Update from version 1: %v", err)
	}
	stale := o
	stale.Version, stale.Description, stale.Status = 2, "stale edit", workorder.Cancelled
	checkKind(t, "Update from the stale version 1", db.WorkOrders().Update(t.Context(), stale, 1), domain.KindPreconditionFailed)
	ahead := o
	ahead.Version, ahead.Description = 4, "edit from the future"
	checkKind(t, "Update from version 3 (never stored)", db.WorkOrders().Update(t.Context(), ahead, 3), domain.KindPreconditionFailed)
	got, err := db.WorkOrders().ByID(t.Context(), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkDeep(t, "after the stale updates", got, first)

	missing := newOrder(fx.customer, fx.creator, "WO-2")
	checkKind(t, "Update(missing)", db.WorkOrders().Update(t.Context(), missing, 1), domain.KindPreconditionFailed)
}

func testWorkOrdersByIDMissing(t *testing.T, db *store.DB) {
	_, err := db.WorkOrders().ByID(t.Context(), domain.NewID())
	checkNotFound(t, "ByID(missing)", err)
}

func testWorkOrdersNumberUnique(t *testing.T, db *store.DB) {
	fx := newWOFixture(t, db)
	addOrder(t, db, newOrder(fx.customer, fx.creator, "WO-1"))
	if err := db.WorkOrders().Insert(t.Context(), newOrder(fx.customer, fx.creator, "WO-1")); err == nil {
		t.Error("a second order numbered WO-1 was stored")
	}
	unknown := newOrder(domain.NewID(), fx.creator, "WO-2")
	if err := db.WorkOrders().Insert(t.Context(), unknown); err == nil {
		t.Error("an order of an unknown customer was stored")
	}
}

func listWO(t *testing.T, db *store.DB, f workorder.Filter) []string {
	t.Helper()
	page, err := db.WorkOrders().List(t.Context(), f, domain.PageRequest{Limit: 100})
	if err != nil {
		t.Fatalf("List(%+v): %v", f, err)
	}
	var out []string
	for _, o := range page.Items {
		out = append(out, o.Number)
	}
	slices.Sort(out)
	return out
}

func testWorkOrdersFilters(t *testing.T, db *store.DB) {
	fx := newWOFixture(t, db)
	other := addCustomer(t, db, newCustomer("Other Fleet"))
	before := addUser(t, db, newUser("before", domain.RoleTechnician, uuid.Nil))
	mk := func(number string, edit func(o *workorder.Order)) workorder.Order {
		o := newOrder(fx.customer, fx.creator, number)
		edit(&o)
		return addOrder(t, db, o)
	}
	mk("A", func(o *workorder.Order) { o.Status, o.TechnicianID = workorder.Assigned, fx.tech })
	b := mk("B", func(o *workorder.Order) {
		o.Status, o.Type, o.Priority, o.CustomerID = workorder.Completed, workorder.Install, workorder.Urgent, other.ID
		o.CreatedAt = t0.Add(2 * time.Hour)
	})
	mk("C", func(o *workorder.Order) { o.Priority, o.CreatedAt = workorder.Low, t0.Add(time.Hour) })
	if err := db.WorkOrders().AddAssignment(t.Context(), b.ID, before.ID, t0); err != nil {
		t.Fatal(err)
	}
	from, to := t0.Add(time.Hour), t0.Add(2*time.Hour)
	for _, tc := range []struct {
		name string
		f    workorder.Filter
		want []string
	}{
		{"None", workorder.Filter{}, []string{"A", "B", "C"}},
		{"Statuses", workorder.Filter{Statuses: []workorder.Status{workorder.Assigned, workorder.Completed}}, []string{"A", "B"}},
		{"Type", workorder.Filter{Type: workorder.Install}, []string{"B"}},
		{"Customer", workorder.Filter{CustomerID: fx.customer}, []string{"A", "C"}},
		{"Technician", workorder.Filter{TechnicianID: fx.tech}, []string{"A"}},
		{"Priority", workorder.Filter{Priority: workorder.Low}, []string{"C"}},
		{"CreatedFromInclusiveToExclusive", workorder.Filter{CreatedFrom: &from, CreatedTo: &to}, []string{"C"}},
		{"VisibleToNow", workorder.Filter{VisibleTo: fx.tech}, []string{"A"}},
		{"VisibleToBefore", workorder.Filter{VisibleTo: before.ID}, []string{"B"}},
		{"Combined", workorder.Filter{CustomerID: fx.customer, Priority: workorder.Normal}, []string{"A"}},
	} {
		if got := listWO(t, db, tc.f); !slices.Equal(got, tc.want) {
			t.Errorf("%s: listed %v, want %v", tc.name, got, tc.want)
		}
	}
}

func testWorkOrdersPaging(t *testing.T, db *store.DB) {
	fx := newWOFixture(t, db)
	var want []uuid.UUID
	for i := range 7 {
		want = append(want, addOrder(t, db, newOrder(fx.customer, fx.creator, fmt.Sprintf("WO-%d", i))).ID)
	}
	slices.Reverse(want) // newest first
	for _, limit := range []int{1, 3, 7, 100} {
		got := slices.Concat(pages(t, limit, func(p domain.PageRequest) (domain.Page[workorder.Order], error) {
			return db.WorkOrders().List(t.Context(), workorder.Filter{}, p)
		}, func(o workorder.Order) uuid.UUID { return o.ID })...)
		if !slices.Equal(got, want) {
			t.Errorf("limit %d: ids %v, want %v (newest first, no duplicates or gaps)", limit, got, want)
		}
	}
}

func testWorkOrdersPagingRespondBy(t *testing.T, db *store.DB) {
	fx := newWOFixture(t, db)
	type key struct {
		at time.Time
		id uuid.UUID
	}
	var keys []key
	for i := range 7 {
		o := newOrder(fx.customer, fx.creator, fmt.Sprintf("WO-%d", i))
		// Ties on respond_by, broken by id; microseconds apart otherwise.
		o.Times.RespondBy = t0.Add(time.Duration(7-i/2) * time.Microsecond)
		addOrder(t, db, o)
		keys = append(keys, key{o.Times.RespondBy, o.ID})
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return strings.Compare(a.id.String(), b.id.String())
	})
	var want []uuid.UUID
	for _, k := range keys {
		want = append(want, k.id)
	}
	for _, limit := range []int{1, 2, 3, 100} {
		got := slices.Concat(pages(t, limit, func(p domain.PageRequest) (domain.Page[workorder.Order], error) {
			return db.WorkOrders().List(t.Context(), workorder.Filter{Sort: "respond_by"}, p)
		}, func(o workorder.Order) uuid.UUID { return o.ID })...)
		if !slices.Equal(got, want) {
			t.Errorf("limit %d: ids %v, want %v (respond_by, then id)", limit, got, want)
		}
	}
}

func testWorkOrdersBadCursor(t *testing.T, db *store.DB) {
	checkBadCursors(t, func(p domain.PageRequest) (domain.Page[workorder.Order], error) {
		return db.WorkOrders().List(t.Context(), workorder.Filter{}, p)
	})
	_, err := db.WorkOrders().List(t.Context(), workorder.Filter{Sort: "respond_by"}, domain.PageRequest{Limit: 3, After: "!!"})
	if !errors.Is(err, domain.ErrBadRequest) {
		t.Errorf("List(respond_by, bad cursor) = %v, want ErrBadRequest", err)
	}
}

func testWorkOrdersCounters(t *testing.T, db *store.DB) {
	wo := db.WorkOrders()
	if n, err := wo.MaxChangeSeq(t.Context()); err != nil || n != 0 {
		t.Errorf("MaxChangeSeq before any = %d, %v; want 0", n, err)
	}
	for _, want := range []int64{1, 2, 3} {
		if n, err := wo.NextNumber(t.Context(), 2025); err != nil || n != want {
			t.Errorf("NextNumber(2025) = %d, %v; want %d", n, err, want)
		}
	}
	if n, err := wo.NextNumber(t.Context(), 2026); err != nil || n != 1 {
		t.Errorf("NextNumber(2026) = %d, %v; want 1: each year counts anew", n, err)
	}
	for _, want := range []int64{1, 2} {
		if n, err := wo.NextChangeSeq(t.Context()); err != nil || n != want {
			t.Errorf("NextChangeSeq = %d, %v; want %d", n, err, want)
		}
	}
	errRollback := errors.New("roll back")
	err := db.InTx(t.Context(), func(ctx context.Context) error {
		if n, err := wo.NextChangeSeq(ctx); err != nil || n != 3 {
			t.Errorf("NextChangeSeq in a transaction = %d, %v; want 3", n, err)
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("InTx = %v", err)
	}
	if n, err := wo.MaxChangeSeq(t.Context()); err != nil || n != 2 {
		t.Errorf("MaxChangeSeq after a rolled-back increment = %d, %v; want 2", n, err)
	}
}

func testWorkOrdersAssignments(t *testing.T, db *store.DB) {
	fx := newWOFixture(t, db)
	o := addOrder(t, db, newOrder(fx.customer, fx.creator, "WO-1"))
	if ok, err := db.WorkOrders().EverAssigned(t.Context(), o.ID, fx.tech); err != nil || ok {
		t.Errorf("EverAssigned before = %v, %v; want false", ok, err)
	}
	for range 2 { // a second assignment of the same technician is no error
		if err := db.WorkOrders().AddAssignment(t.Context(), o.ID, fx.tech, t0); err != nil {
			t.Fatalf("AddAssignment: %v", err)
		}
	}
	if ok, err := db.WorkOrders().EverAssigned(t.Context(), o.ID, fx.tech); err != nil || !ok {
		t.Errorf("EverAssigned after = %v, %v; want true", ok, err)
	}
	if ok, err := db.WorkOrders().EverAssigned(t.Context(), o.ID, fx.creator); err != nil || ok {
		t.Errorf("EverAssigned(someone else) = %v, %v; want false", ok, err)
	}
}

func testWorkOrdersSync(t *testing.T, db *store.DB) {
	fx := newWOFixture(t, db)
	other := addUser(t, db, newUser("other", domain.RoleTechnician, uuid.Nil))
	mk := func(number string, seq int64, status workorder.Status, tech uuid.UUID) workorder.Order {
		o := newOrder(fx.customer, fx.creator, number)
		o.ChangeSeq, o.Status, o.TechnicianID = seq, status, tech
		addOrder(t, db, o)
		if err := db.WorkOrders().AddAssignment(t.Context(), o.ID, fx.tech, t0); err != nil {
			t.Fatal(err)
		}
		return o
	}
	mk("S5", 5, workorder.Assigned, fx.tech)
	mk("S3", 3, workorder.Completed, fx.tech)
	mk("S9", 9, workorder.Assigned, other.ID) // reassigned away: a change, not open
	mk("S7", 7, workorder.OnSite, fx.tech)
	unassigned := newOrder(fx.customer, fx.creator, "S1")
	addOrder(t, db, unassigned)

	numbers := func(os []workorder.Order) []string {
		var out []string
		for _, o := range os {
			out = append(out, o.Number)
		}
		return out
	}
	for _, tc := range []struct {
		after int64
		limit int
		want  []string
	}{
		{0, 10, []string{"S3", "S5", "S7", "S9"}},
		{3, 10, []string{"S5", "S7", "S9"}},
		{3, 2, []string{"S5", "S7"}},
		{9, 10, nil},
	} {
		got, err := db.WorkOrders().Changes(t.Context(), fx.tech, tc.after, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(numbers(got), tc.want) {
			t.Errorf("Changes(after %d, limit %d) = %v, want %v", tc.after, tc.limit, numbers(got), tc.want)
		}
	}
	open, err := db.WorkOrders().OpenAssigned(t.Context(), fx.tech, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got := numbers(open); !slices.Equal(got, []string{"S5", "S7"}) {
		t.Errorf("OpenAssigned = %v, want [S5 S7]", got)
	}
	if one, err := db.WorkOrders().OpenAssigned(t.Context(), fx.tech, 1); err != nil || !slices.Equal(numbers(one), []string{"S5"}) {
		t.Errorf("OpenAssigned(limit 1) = %v, %v; want [S5]", numbers(one), err)
	}
}

// SaveLocation is a conditional upsert: a report older than the stored one
// changes nothing, so reports arriving out of order keep the latest.
func testWorkOrdersSaveLocation(t *testing.T, db *store.DB) {
	tech := addUser(t, db, newUser("tech", domain.RoleTechnician, uuid.Nil))
	save := func(lat float64, at time.Time) {
		t.Helper()
		if err := db.WorkOrders().SaveLocation(t.Context(), tech.ID, workorder.Position{Lat: lat, Lng: 114, AccuracyM: ptr(lat)}, at); err != nil {
			t.Fatalf("SaveLocation: %v", err)
		}
	}
	check := func(what string, lat float64, at time.Time) {
		t.Helper()
		got, err := db.Users().Technician(t.Context(), tech.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Lat == nil || *got.Lat != lat {
			t.Errorf("%s: lat %v, want %v", what, showValue(reflect.ValueOf(got.Lat)), lat)
		}
		checkUTCPtr(t, what+": LastSeenAt", got.LastSeenAt, &at)
	}
	save(22.5, t0.In(cst))
	check("first report", 22.5, t0)
	save(22.6, t0.Add(time.Minute))
	check("newer report", 22.6, t0.Add(time.Minute))
	save(22.7, t0.Add(30*time.Second))
	check("older report", 22.6, t0.Add(time.Minute))
	save(22.8, t0.Add(time.Minute))
	check("report as old as the stored one", 22.6, t0.Add(time.Minute))
}
