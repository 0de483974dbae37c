package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/inquiry"
	"github.com/fieldwork/fieldwork/infra/store"
)

// The inquiry ledger's contract, on every footing.

func TestInquiries(t *testing.T) {
	runContract(t, []contractCase{
		{"InsertByIDRoundTrip", testInquiriesRoundTrip},
		{"ByIDMissingIsNotFound", testInquiriesByIDMissing},
		{"UpdateRoundTrip", testInquiriesUpdate},
		{"UpdateMissingIsAConflict", testInquiriesUpdateMissing},
		{"ListFiltersAndPaging", testInquiriesList},
		{"ListMalformedCursorIsBadRequest", testInquiriesBadCursor},
		{"IsDeskStaff", testInquiriesDeskStaff},
	})
}

type inqFixture struct {
	customer, desk, order uuid.UUID
}

func newInqFixture(t *testing.T, db *store.DB) inqFixture {
	t.Helper()
	c := addCustomer(t, db, newCustomer("Inquiry Fleet"))
	desk := addUser(t, db, newUser("desk", domain.RoleDispatcher, uuid.Nil))
	return inqFixture{customer: c.ID, desk: desk.ID, order: addOrder(t, db, newOrder(c.ID, desk.ID, "WO-1")).ID}
}

// inquiry is an open phone inquiry of a caller who is not a customer.
func (fx inqFixture) inquiry() inquiry.Inquiry {
	return inquiry.Inquiry{ID: domain.NewID(), CallerName: "李先生", CallerPhone: "13800138000", Channel: inquiry.Phone,
		Question: "how much is an install?", Status: inquiry.Open, OwnerID: fx.desk, TakenBy: fx.desk, CreatedAt: t0, UpdatedAt: t0}
}

func addInquiry(t *testing.T, db *store.DB, q inquiry.Inquiry) inquiry.Inquiry {
	t.Helper()
	if err := db.Inquiries().Insert(t.Context(), q); err != nil {
		t.Fatalf("insert inquiry: %v", err)
	}
	return q
}

func readInquiry(t *testing.T, db *store.DB, id uuid.UUID) inquiry.Inquiry {
	t.Helper()
	q, err := db.Inquiries().ByID(t.Context(), id)
	if err != nil {
		t.Fatalf("ByID: %v", err)
	}
	return q
}

// answered sets every field of q.
func (fx inqFixture) answered(q inquiry.Inquiry) inquiry.Inquiry {
	q.CustomerID, q.Channel, q.Answer, q.ReplyDueAt, q.Status = fx.customer, inquiry.Portal, ptr("800 yuan"), ptr(t0.Add(time.Hour)), inquiry.Answered
	q.WorkOrderID, q.UpdatedAt, q.AnsweredAt = fx.order, t0.Add(30*time.Minute), ptr(t0.Add(30*time.Minute))
	return q
}

func testInquiriesRoundTrip(t *testing.T, db *store.DB) {
	fx := newInqFixture(t, db)
	want := fx.answered(fx.inquiry())
	in := want
	in.CreatedAt = want.CreatedAt.In(cst)
	addInquiry(t, db, in)
	checkDeep(t, "ByID", readInquiry(t, db, want.ID), want)
	bare := addInquiry(t, db, fx.inquiry())
	checkDeep(t, "ByID(bare)", readInquiry(t, db, bare.ID), bare)
}

func testInquiriesByIDMissing(t *testing.T, db *store.DB) {
	_, err := db.Inquiries().ByID(t.Context(), domain.NewID())
	checkNotFound(t, "ByID(missing)", err)
}

func testInquiriesUpdate(t *testing.T, db *store.DB) {
	fx := newInqFixture(t, db)
	q := addInquiry(t, db, fx.inquiry())
	want := fx.answered(q)
	want.Version = q.Version + 1
	if err := db.Inquiries().Update(t.Context(), want, q.Version); err != nil {
		t.Fatalf("Update: %v", err)
	}
	checkDeep(t, "after Update", readInquiry(t, db, q.ID), want)
	back := q // every field is saved, nil ones too
	back.UpdatedAt, back.Version = t0.Add(time.Hour), want.Version+1
	if err := db.Inquiries().Update(t.Context(), back, want.Version); err != nil {
		t.Fatalf("Update: %v", err)
	}
	checkDeep(t, "after an Update clearing fields", readInquiry(t, db, q.ID), back)
}

func testInquiriesUpdateMissing(t *testing.T, db *store.DB) {
	fx := newInqFixture(t, db)
	missing := fx.inquiry()
	checkKind(t, "Update(missing)", db.Inquiries().Update(t.Context(), missing, missing.Version), domain.KindConflict)
	if _, err := db.Inquiries().ByID(t.Context(), missing.ID); err == nil {
		t.Error("Update of a missing inquiry created it")
	}
}

func listInquiries(t *testing.T, db *store.DB, f inquiry.Filter, limit int) []uuid.UUID {
	t.Helper()
	return slices.Concat(pages(t, limit, func(p domain.PageRequest) (domain.Page[inquiry.Inquiry], error) {
		return db.Inquiries().List(t.Context(), f, p)
	}, func(q inquiry.Inquiry) uuid.UUID { return q.ID })...)
}

func testInquiriesList(t *testing.T, db *store.DB) {
	fx := newInqFixture(t, db)
	other := addUser(t, db, newUser("other", domain.RoleManager, uuid.Nil))
	now := t0.Add(time.Hour)
	a := fx.inquiry()
	a.ReplyDueAt = ptr(now.Add(-time.Microsecond)) // overdue
	addInquiry(t, db, a)
	b := fx.answered(fx.inquiry())
	b.ReplyDueAt = ptr(now.Add(-time.Hour)) // answered: never overdue
	addInquiry(t, db, b)
	c := fx.inquiry()
	c.OwnerID, c.CustomerID, c.ReplyDueAt = other.ID, fx.customer, &now // due exactly now: not yet overdue
	addInquiry(t, db, c)
	d := addInquiry(t, db, fx.inquiry()) // no reply due
	for _, tc := range []struct {
		name string
		f    inquiry.Filter
		want []uuid.UUID
	}{
		{"All", inquiry.Filter{}, []uuid.UUID{a.ID, b.ID, c.ID, d.ID}},
		{"Status", inquiry.Filter{Status: inquiry.Open}, []uuid.UUID{a.ID, c.ID, d.ID}},
		{"Owner", inquiry.Filter{OwnerID: other.ID}, []uuid.UUID{c.ID}},
		{"Customer", inquiry.Filter{CustomerID: fx.customer}, []uuid.UUID{b.ID, c.ID}},
		{"Overdue", inquiry.Filter{Overdue: true, Now: now.In(cst)}, []uuid.UUID{a.ID}},
	} {
		for _, limit := range []int{1, 3, 10} {
			if got := listInquiries(t, db, tc.f, limit); !slices.Equal(got, tc.want) {
				t.Errorf("%s, limit %d: %v, want %v", tc.name, limit, got, tc.want)
			}
		}
	}
}

func testInquiriesBadCursor(t *testing.T, db *store.DB) {
	checkBadCursors(t, func(p domain.PageRequest) (domain.Page[inquiry.Inquiry], error) {
		return db.Inquiries().List(t.Context(), inquiry.Filter{}, p)
	})
}

func testInquiriesDeskStaff(t *testing.T, db *store.DB) {
	c := addCustomer(t, db, newCustomer("Fleet"))
	disabled := newUser("gone", domain.RoleManager, uuid.Nil)
	disabled.Disabled = true
	for _, tc := range []struct {
		name string
		id   uuid.UUID
		want bool
	}{
		{"Admin", addUser(t, db, newUser("admin", domain.RoleAdmin, uuid.Nil)).ID, true},
		{"Manager", addUser(t, db, newUser("manager", domain.RoleManager, uuid.Nil)).ID, true},
		{"Dispatcher", addUser(t, db, newUser("dispatcher", domain.RoleDispatcher, uuid.Nil)).ID, true},
		{"Technician", addUser(t, db, newUser("tech", domain.RoleTechnician, uuid.Nil)).ID, false},
		{"Finance", addUser(t, db, newUser("finance", domain.RoleFinance, uuid.Nil)).ID, false},
		{"Customer", addUser(t, db, newUser("owner", domain.RoleCustomer, c.ID)).ID, false},
		{"DisabledManager", addUser(t, db, disabled).ID, false},
		{"Unknown", domain.NewID(), false},
	} {
		if got, err := db.Users().EnabledInRole(t.Context(), tc.id, domain.RoleAdmin, domain.RoleManager, domain.RoleDispatcher); err != nil || got != tc.want {
			t.Errorf("%s: EnabledInRole(desk roles) = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}
