package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/complaint"
	"github.com/fieldwork/fieldwork/infra/store"
)

// The complaint repository's contract, on every footing.

func TestComplaints(t *testing.T) {
	runContract(t, []contractCase{
		{"InsertByIDRoundTrip", testComplaintsRoundTrip},
		{"ByIDMissingIsNotFound", testComplaintsByIDMissing},
		{"UpdateRoundTripKeepsImmutableColumns", testComplaintsUpdate},
		{"UpdateWithStaleVersionChangesNothing", testComplaintsUpdateStale},
		{"ListFiltersAndPaging", testComplaintsList},
		{"ListMalformedCursorIsBadRequest", testComplaintsBadCursor},
		{"OverdueAndDueForEscalation", testComplaintsOverdue},
		{"OrderOfCustomer", testComplaintsOrderOfCustomer},
	})
}

type cpFixture struct {
	customer, owner, order uuid.UUID
}

func newCPFixture(t *testing.T, db *store.DB) cpFixture {
	t.Helper()
	c := addCustomer(t, db, newCustomer("Complaint Fleet"))
	owner := addUser(t, db, newUser("manager", domain.RoleManager, uuid.Nil))
	return cpFixture{customer: c.ID, owner: owner.ID, order: addOrder(t, db, newOrder(c.ID, owner.ID, "WO-1")).ID}
}

// complaint is an open complaint filed at t0.
func (fx cpFixture) complaint() complaint.Complaint {
	return complaint.Complaint{ID: domain.NewID(), CustomerID: fx.customer, Channel: "phone", Category: "service",
		Severity: complaint.Major, Description: "the technician was late", Status: complaint.Open, Version: 1, OwnerID: fx.owner,
		AcknowledgeBy: t0.Add(2 * time.Hour), ResolveBy: t0.Add(48 * time.Hour), CreatedAt: t0, UpdatedAt: t0}
}

func addComplaint(t *testing.T, db *store.DB, c complaint.Complaint) complaint.Complaint {
	t.Helper()
	if err := db.Complaints().Insert(t.Context(), c); err != nil {
		t.Fatalf("insert complaint: %v", err)
	}
	return c
}

func readComplaint(t *testing.T, db *store.DB, id uuid.UUID) complaint.Complaint {
	t.Helper()
	c, err := db.Complaints().ByID(t.Context(), id)
	if err != nil {
		t.Fatalf("ByID: %v", err)
	}
	return c
}

// closedComplaint sets every field of c.
func (fx cpFixture) closedComplaint(c complaint.Complaint) complaint.Complaint {
	c.WorkOrderID, c.Severity, c.Status, c.Version, c.Escalated = fx.order, complaint.Critical, complaint.Closed, c.Version+3, true
	c.Resolution, c.CustomerInformed, c.UpdatedAt = ptr("apologised and refunded the visit"), true, t0.Add(5*time.Hour)
	c.AcknowledgedAt, c.ResolvedAt, c.ClosedAt = ptr(t0.Add(time.Hour)), ptr(t0.Add(4*time.Hour)), ptr(t0.Add(5*time.Hour))
	return c
}

func testComplaintsRoundTrip(t *testing.T, db *store.DB) {
	fx := newCPFixture(t, db)
	want := fx.closedComplaint(fx.complaint())
	in := want
	in.CreatedAt, in.AcknowledgeBy = want.CreatedAt.In(cst), want.AcknowledgeBy.In(cst)
	addComplaint(t, db, in)
	checkDeep(t, "ByID", readComplaint(t, db, want.ID), want)
	bare := addComplaint(t, db, fx.complaint())
	checkDeep(t, "ByID(bare)", readComplaint(t, db, bare.ID), bare)
}

func testComplaintsByIDMissing(t *testing.T, db *store.DB) {
	_, err := db.Complaints().ByID(t.Context(), domain.NewID())
	checkNotFound(t, "ByID(missing)", err)
}

func testComplaintsUpdate(t *testing.T, db *store.DB) {
	fx := newCPFixture(t, db)
	c := addComplaint(t, db, fx.complaint())
	want := fx.closedComplaint(c)
	if err := db.Complaints().Update(t.Context(), want, c.Version); err != nil {
		t.Fatalf("Update: %v", err)
	}
	checkDeep(t, "after Update", readComplaint(t, db, c.ID), want)

	other := addCustomer(t, db, newCustomer("Other Fleet"))
	sneaky := want
	sneaky.Version++
	sneaky.CustomerID, sneaky.CreatedAt = other.ID, t0.Add(time.Hour)
	if err := db.Complaints().Update(t.Context(), sneaky, want.Version); err != nil {
		t.Fatalf("Update: %v", err)
	}
	want.Version = sneaky.Version
	checkDeep(t, "after an Update of the customer and filing time", readComplaint(t, db, c.ID), want)
}

// The version guard: of two edits from the same read, only the first lands.
func testComplaintsUpdateStale(t *testing.T, db *store.DB) {
	fx := newCPFixture(t, db)
	read := addComplaint(t, db, fx.complaint())
	first := read
	first.Version, first.Status, first.AcknowledgedAt = 2, complaint.Acknowledged, ptr(t0.Add(time.Hour))
	if err := db.Complaints().Update(t.Context(), first, read.Version); err != nil {
		t.Fatalf("first Update: %v", err)
	}
	second := read
	second.Version, second.Escalated = 2, true
	checkKind(t, "Update from the stale version", db.Complaints().Update(t.Context(), second, read.Version), domain.KindPreconditionFailed)
	checkDeep(t, "after the stale Update", readComplaint(t, db, read.ID), first)
	checkKind(t, "Update(missing)", db.Complaints().Update(t.Context(), fx.complaint(), 1), domain.KindPreconditionFailed)
}

func listComplaints(t *testing.T, db *store.DB, f complaint.Filter, limit int) []uuid.UUID {
	t.Helper()
	return slices.Concat(pages(t, limit, func(p domain.PageRequest) (domain.Page[complaint.Complaint], error) {
		return db.Complaints().List(t.Context(), f, p)
	}, func(c complaint.Complaint) uuid.UUID { return c.ID })...)
}

func testComplaintsList(t *testing.T, db *store.DB) {
	fx := newCPFixture(t, db)
	other := addCustomer(t, db, newCustomer("Other Fleet"))
	a := addComplaint(t, db, fx.complaint())
	b := fx.complaint()
	b.CustomerID, b.Severity = other.ID, complaint.Minor
	addComplaint(t, db, b)
	c := fx.complaint()
	c.Status = complaint.Resolved
	addComplaint(t, db, c)
	for _, tc := range []struct {
		name string
		f    complaint.Filter
		want []uuid.UUID
	}{
		{"All", complaint.Filter{}, []uuid.UUID{a.ID, b.ID, c.ID}},
		{"Status", complaint.Filter{Status: complaint.Open}, []uuid.UUID{a.ID, b.ID}},
		{"Severity", complaint.Filter{Severity: complaint.Major}, []uuid.UUID{a.ID, c.ID}},
		{"Customer", complaint.Filter{CustomerID: fx.customer}, []uuid.UUID{a.ID, c.ID}},
		{"Combined", complaint.Filter{CustomerID: fx.customer, Status: complaint.Open}, []uuid.UUID{a.ID}},
	} {
		for _, limit := range []int{1, 2, 10} {
			if got := listComplaints(t, db, tc.f, limit); !slices.Equal(got, tc.want) {
				t.Errorf("%s, limit %d: %v, want %v", tc.name, limit, got, tc.want)
			}
		}
	}
}

func testComplaintsBadCursor(t *testing.T, db *store.DB) {
	checkBadCursors(t, func(p domain.PageRequest) (domain.Page[complaint.Complaint], error) {
		return db.Complaints().List(t.Context(), complaint.Filter{}, p)
	})
}

// Overdue: open past either deadline, or acknowledged past resolve_by.
func testComplaintsOverdue(t *testing.T, db *store.DB) {
	fx := newCPFixture(t, db)
	now := t0.Add(24 * time.Hour)
	mk := func(status complaint.Status, ackBy, resolveBy time.Time, escalated bool) uuid.UUID {
		c := fx.complaint()
		c.Status, c.AcknowledgeBy, c.ResolveBy, c.Escalated = status, ackBy, resolveBy, escalated
		return addComplaint(t, db, c).ID
	}
	late, later := now.Add(-time.Microsecond), now.Add(time.Hour)
	openAckLate := mk(complaint.Open, late, later, false)
	openResolveLate := mk(complaint.Open, later, late, false)
	mk(complaint.Open, now, later, false) // exactly at the deadline: not yet
	ackedResolveLate := mk(complaint.Acknowledged, late, late, false)
	mk(complaint.Acknowledged, late, later, false) // acknowledged in time counts no more
	mk(complaint.Resolved, late, late, false)
	mk(complaint.Closed, late, late, false)
	escalated := mk(complaint.Open, late, late, true)

	overdue := listComplaints(t, db, complaint.Filter{Overdue: true, Now: now.In(cst)}, 10)
	if want := []uuid.UUID{openAckLate, openResolveLate, ackedResolveLate, escalated}; !slices.Equal(overdue, want) {
		t.Errorf("List(overdue) = %v, want %v", overdue, want)
	}
	due, err := db.Complaints().DueForEscalation(t.Context(), now, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []uuid.UUID
	for _, c := range due {
		ids = append(ids, c.ID)
	}
	if want := []uuid.UUID{openAckLate, openResolveLate, ackedResolveLate}; !slices.Equal(ids, want) {
		t.Errorf("DueForEscalation = %v, want %v (overdue, not escalated, in filing order)", ids, want)
	}
	if one, err := db.Complaints().DueForEscalation(t.Context(), now, 1); err != nil || len(one) != 1 || one[0].ID != openAckLate {
		t.Errorf("DueForEscalation(limit 1) = %v, %v", one, err)
	}
}

func testComplaintsOrderOfCustomer(t *testing.T, db *store.DB) {
	fx := newCPFixture(t, db)
	other := addCustomer(t, db, newCustomer("Other Fleet"))
	for _, tc := range []struct {
		name            string
		order, customer uuid.UUID
		want            bool
	}{
		{"Own", fx.order, fx.customer, true},
		{"AnotherCustomers", fx.order, other.ID, false},
		{"Unknown", domain.NewID(), fx.customer, false},
	} {
		if got, err := db.WorkOrders().OfCustomer(t.Context(), tc.order, tc.customer); err != nil || got != tc.want {
			t.Errorf("%s: OfCustomer = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}
