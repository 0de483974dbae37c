package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/callback"
	"github.com/fieldwork/fieldwork/infra/store"
)

// The callback repository's contract, on every footing.

func TestCallbacks(t *testing.T) {
	runContract(t, []contractCase{
		{"InsertByIDRoundTrip", testCallbacksRoundTrip},
		{"ByIDMissingIsNotFound", testCallbacksByIDMissing},
		{"UpdateRoundTrip", testCallbacksUpdate},
		{"UpdateFromAStaleReadChangesNothing", testCallbacksUpdateStale},
		{"ListOrderFiltersAndPaging", testCallbacksList},
		{"ListMalformedCursorIsBadRequest", testCallbacksBadCursor},
		{"DueUnannounced", testCallbacksDueUnannounced},
		{"MarkAnnouncedOnlyWhileAsRead", testCallbacksMarkAnnounced},
	})
}

// cbFixture is an installed vehicle of a customer and its install order.
type cbFixture struct {
	customer, vehicle, order, followUp uuid.UUID
}

func newCBFixture(t *testing.T, db *store.DB) cbFixture {
	t.Helper()
	c := addCustomer(t, db, newCustomer("Callback Fleet"))
	staff := addUser(t, db, newUser("desk", domain.RoleDispatcher, uuid.Nil))
	v := addVehicle(t, db, newVehicle(c.ID, "粤B00001"))
	install := newOrder(c.ID, staff.ID, "WO-INSTALL")
	follow := newOrder(c.ID, staff.ID, "WO-FOLLOW-UP")
	return cbFixture{customer: c.ID, vehicle: v.ID, order: addOrder(t, db, install).ID, followUp: addOrder(t, db, follow).ID}
}

// callback is the seq-th scheduled callback, due at due.
func (fx cbFixture) callback(seq int, due time.Time) callback.Callback {
	return callback.Callback{ID: domain.NewID(), CustomerID: fx.customer, VehicleID: fx.vehicle, WorkOrderID: fx.order,
		InstalledAt: t0, Seq: seq, DueAt: due, Status: callback.Scheduled}
}

func addCallback(t *testing.T, db *store.DB, c callback.Callback) callback.Callback {
	t.Helper()
	if err := db.Callbacks().Insert(t.Context(), c); err != nil {
		t.Fatalf("insert callback: %v", err)
	}
	return c
}

func readCallback(t *testing.T, db *store.DB, id uuid.UUID) callback.Callback {
	t.Helper()
	c, err := db.Callbacks().ByID(t.Context(), id)
	if err != nil {
		t.Fatalf("ByID: %v", err)
	}
	return c
}

func testCallbacksRoundTrip(t *testing.T, db *store.DB) {
	fx := newCBFixture(t, db)
	outcome := callback.Reached
	want := fx.callback(3, t0.Add(90*24*time.Hour))
	want.Status, want.Attempts, want.Outcome, want.Satisfaction, want.Notes = callback.Done, 2, &outcome, ptr(5), ptr("all good")
	want.FollowUpOrderID, want.CompletedAt, want.AnnouncedAt = fx.followUp, ptr(t0.Add(91*24*time.Hour)), ptr(t0.Add(90*24*time.Hour+time.Minute))
	in := want
	in.InstalledAt, in.DueAt = want.InstalledAt.In(cst), want.DueAt.In(cst)
	addCallback(t, db, in)
	checkDeep(t, "ByID", readCallback(t, db, want.ID), want)

	bare := addCallback(t, db, fx.callback(1, t0.Add(30*24*time.Hour)))
	checkDeep(t, "ByID(bare)", readCallback(t, db, bare.ID), bare)
}

func testCallbacksByIDMissing(t *testing.T, db *store.DB) {
	_, err := db.Callbacks().ByID(t.Context(), domain.NewID())
	checkNotFound(t, "ByID(missing)", err)
}

func testCallbacksUpdate(t *testing.T, db *store.DB) {
	fx := newCBFixture(t, db)
	c := addCallback(t, db, fx.callback(1, t0))
	c.AnnouncedAt = ptr(t0)
	if ok, err := db.Callbacks().MarkAnnounced(t.Context(), c, t0); !ok || err != nil {
		t.Fatalf("MarkAnnounced = %v, %v", ok, err)
	}
	outcome := callback.Refused
	want := c
	want.Status, want.Attempts, want.Outcome, want.Notes, want.CompletedAt = callback.Done, 1, &outcome, ptr("not interested"), ptr(t0.Add(time.Hour))
	want.FollowUpOrderID, want.Satisfaction, want.AnnouncedAt, want.Version = fx.followUp, ptr(1), nil, c.Version+1
	if err := db.Callbacks().Update(t.Context(), want, c.Version); err != nil {
		t.Fatalf("Update: %v", err)
	}
	checkDeep(t, "after Update", readCallback(t, db, c.ID), want)
}

// The race guard: a call recorded from a stale read (another call landed
// in between) changes nothing and is a conflict.
func testCallbacksUpdateStale(t *testing.T, db *store.DB) {
	fx := newCBFixture(t, db)
	read := addCallback(t, db, fx.callback(1, t0))
	noAnswer := callback.NoAnswer

	first := read
	first.Attempts, first.Outcome, first.DueAt, first.Version = 1, &noAnswer, t0.Add(48*time.Hour), read.Version+1
	if err := db.Callbacks().Update(t.Context(), first, read.Version); err != nil {
		t.Fatalf("first Update: %v", err)
	}
	second := read // the other call, from the same read
	second.Attempts, second.Outcome, second.Notes, second.Version = 1, &noAnswer, ptr("the second caller"), read.Version+1
	checkKind(t, "Update from a stale version", db.Callbacks().Update(t.Context(), second, read.Version), domain.KindConflict)
	checkDeep(t, "after the stale Update", readCallback(t, db, read.ID), first)

	checkKind(t, "Update(missing)", db.Callbacks().Update(t.Context(), fx.callback(1, t0), 0), domain.KindConflict)
}

func listCallbacks(t *testing.T, db *store.DB, f callback.Filter, limit int) []uuid.UUID {
	t.Helper()
	return slices.Concat(pages(t, limit, func(p domain.PageRequest) (domain.Page[callback.Callback], error) {
		return db.Callbacks().List(t.Context(), f, p)
	}, func(c callback.Callback) uuid.UUID { return c.ID })...)
}

func testCallbacksList(t *testing.T, db *store.DB) {
	fx := newCBFixture(t, db)
	other := addCustomer(t, db, newCustomer("Other Fleet"))
	ov := addVehicle(t, db, newVehicle(other.ID, "粤B00009"))
	// Inserted out of due order; c and d tie on due_at, so id breaks the tie.
	a := addCallback(t, db, fx.callback(1, t0.Add(3*time.Hour)))
	b := fx.callback(1, t0.Add(time.Hour))
	b.CustomerID, b.VehicleID = other.ID, ov.ID
	addCallback(t, db, b)
	c := addCallback(t, db, fx.callback(2, t0.Add(2*time.Hour)))
	d := fx.callback(2, t0.Add(2*time.Hour))
	d.Status = callback.Unreachable
	addCallback(t, db, d)
	mid := t0.Add(2 * time.Hour)
	for _, tc := range []struct {
		name string
		f    callback.Filter
		want []uuid.UUID
	}{
		{"All", callback.Filter{}, []uuid.UUID{b.ID, c.ID, d.ID, a.ID}},
		{"DueBeforeIsExclusive", callback.Filter{DueBefore: &mid}, []uuid.UUID{b.ID}},
		{"Status", callback.Filter{Status: callback.Scheduled}, []uuid.UUID{b.ID, c.ID, a.ID}},
		{"Customer", callback.Filter{CustomerID: fx.customer}, []uuid.UUID{c.ID, d.ID, a.ID}},
	} {
		for _, limit := range []int{1, 2, 10} {
			if got := listCallbacks(t, db, tc.f, limit); !slices.Equal(got, tc.want) {
				t.Errorf("%s, limit %d: %v, want %v", tc.name, limit, got, tc.want)
			}
		}
	}
}

func testCallbacksBadCursor(t *testing.T, db *store.DB) {
	for _, after := range []string{"!!", malformedCursors["NotAUUID"], malformedCursors["EmptyArray"]} {
		_, err := db.Callbacks().List(t.Context(), callback.Filter{}, domain.PageRequest{Limit: 3, After: after})
		checkKind(t, "List("+after+")", err, domain.KindBadRequest)
	}
}

func testCallbacksDueUnannounced(t *testing.T, db *store.DB) {
	fx := newCBFixture(t, db)
	now := t0.Add(24 * time.Hour)
	later := addCallback(t, db, fx.callback(1, now))                 // due exactly now
	first := addCallback(t, db, fx.callback(1, now.Add(-time.Hour))) // overdue
	addCallback(t, db, fx.callback(1, now.Add(time.Microsecond)))    // not yet due
	done := fx.callback(1, now.Add(-2*time.Hour))
	done.Status = callback.Done
	addCallback(t, db, done)
	told := addCallback(t, db, fx.callback(1, now.Add(-3*time.Hour)))
	if ok, err := db.Callbacks().MarkAnnounced(t.Context(), told, now); !ok || err != nil {
		t.Fatalf("MarkAnnounced = %v, %v", ok, err)
	}
	got, err := db.Callbacks().DueUnannounced(t.Context(), now.In(cst), 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []uuid.UUID
	for _, c := range got {
		ids = append(ids, c.ID)
	}
	if want := []uuid.UUID{first.ID, later.ID}; !slices.Equal(ids, want) {
		t.Errorf("DueUnannounced = %v, want %v: scheduled, unannounced, due by now, soonest first", ids, want)
	}
	if one, err := db.Callbacks().DueUnannounced(t.Context(), now, 1); err != nil || len(one) != 1 || one[0].ID != first.ID {
		t.Errorf("DueUnannounced(limit 1) = %v, %v; want the overdue one", one, err)
	}
}

// The announcement guard: the job marks a callback only while it is as the
// job read it, and writes nothing but announced_at.
func testCallbacksMarkAnnounced(t *testing.T, db *store.DB) {
	fx := newCBFixture(t, db)
	at := t0.Add(time.Hour)

	c := addCallback(t, db, fx.callback(1, t0))
	mangled := c // the fields besides the guard's are not written
	mangled.Notes, mangled.Attempts = ptr("not to be written"), 2
	if ok, err := db.Callbacks().MarkAnnounced(t.Context(), mangled, at.In(cst)); !ok || err != nil {
		t.Fatalf("MarkAnnounced = %v, %v; want true", ok, err)
	}
	want := c
	want.AnnouncedAt = &at
	checkDeep(t, "after MarkAnnounced", readCallback(t, db, c.ID), want)
	if ok, err := db.Callbacks().MarkAnnounced(t.Context(), c, at.Add(time.Minute)); ok || err != nil {
		t.Errorf("MarkAnnounced again = %v, %v; want false", ok, err)
	}
	checkDeep(t, "after a second MarkAnnounced", readCallback(t, db, c.ID), want)

	// Read by the job, then moved by a no_answer: the retry's due time differs.
	moved := addCallback(t, db, fx.callback(1, t0))
	noAnswer := callback.NoAnswer
	retry := moved
	retry.Attempts, retry.Outcome, retry.DueAt, retry.Version = 1, &noAnswer, t0.Add(48*time.Hour), moved.Version+1
	if err := db.Callbacks().Update(t.Context(), retry, moved.Version); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.Callbacks().MarkAnnounced(t.Context(), moved, at); ok || err != nil {
		t.Errorf("MarkAnnounced of a callback moved meanwhile = %v, %v; want false", ok, err)
	}
	checkDeep(t, "after MarkAnnounced of a moved callback", readCallback(t, db, moved.ID), retry)

	// Read by the job, then done.
	finished := addCallback(t, db, fx.callback(1, t0))
	reached := callback.Reached
	done := finished
	done.Status, done.Attempts, done.Outcome, done.CompletedAt, done.Version = callback.Done, 1, &reached, &at, finished.Version+1
	if err := db.Callbacks().Update(t.Context(), done, finished.Version); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.Callbacks().MarkAnnounced(t.Context(), finished, at); ok || err != nil {
		t.Errorf("MarkAnnounced of a callback done meanwhile = %v, %v; want false", ok, err)
	}
	checkDeep(t, "after MarkAnnounced of a done callback", readCallback(t, db, finished.ID), done)

	if ok, err := db.Callbacks().MarkAnnounced(t.Context(), fx.callback(1, t0), at); ok || err != nil {
		t.Errorf("MarkAnnounced(missing) = %v, %v; want false", ok, err)
	}
}
