package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/photo"
	"github.com/fieldwork/fieldwork/domain/workorder"
	"github.com/fieldwork/fieldwork/infra/store"
	"github.com/fieldwork/fieldwork/infra/store/storetest"
)

// The photo repository's contract, on every footing.

func TestPhotos(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, db *store.DB, fx photoFixture)
	}{
		{"InsertByIDRoundTrip", testPhotosRoundTrip},
		{"ByIDMissingIsNotFound", testPhotosByIDMissing},
		{"MarkReadyOnlyOnce", testPhotosMarkReady},
		{"ListPagesOneOrderInIDOrder", testPhotosPaging},
		{"ListMalformedCursorIsBadRequest", testPhotosBadCursor},
		{"StalePendingAndDeletePending", testPhotosStalePending},
		{"ReadyPhotos", testPhotosReady},
		{"ObjectKeyUnique", testPhotosObjectKeyUnique},
	}
	for _, f := range storetest.Footings(t) {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					db := fresh(t, f)
					c.run(t, db, newPhotoFixture(t, db))
				})
			}
		})
	}
}

// photoFixture is a customer with two work orders and a technician.
type photoFixture struct {
	orders [2]uuid.UUID
	tech   uuid.UUID
}

func newPhotoFixture(t *testing.T, db *store.DB) photoFixture {
	t.Helper()
	c := addCustomer(t, db, newCustomer("Photo Fleet"))
	tech := addUser(t, db, newUser("phototech", domain.RoleTechnician, uuid.Nil))
	fx := photoFixture{tech: tech.ID}
	for i := range fx.orders {
		o := workorder.Order{ID: domain.NewID(), Number: fmt.Sprintf("WO-PHOTO-%d", i), Type: workorder.Repair, Status: workorder.OnSite,
			Version: 1, CustomerID: c.ID, VehicleIDs: []uuid.UUID{}, Site: workorder.Site{Address: "Futian"}, Description: "photos",
			Priority: workorder.Normal, RequiredSkills: []string{}, CreatedBy: tech.ID, CreatedAt: t0, UpdatedAt: t0, ChangeSeq: int64(i + 1),
			Times: workorder.Times{RespondBy: t0.Add(time.Hour), ResolveBy: t0.Add(8 * time.Hour)}}
		if err := db.WorkOrders().Insert(t.Context(), o); err != nil {
			t.Fatalf("insert work order: %v", err)
		}
		fx.orders[i] = o.ID
	}
	return fx
}

func (fx photoFixture) photo(order int, at time.Time) photo.Photo {
	id := domain.NewID()
	return photo.Photo{ID: id, WorkOrderID: fx.orders[order], Kind: photo.Label, ContentType: photo.PNG, SizeBytes: 1234,
		SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Status: photo.Pending,
		ObjectKey: "photos/" + fx.orders[order].String() + "/" + id.String(), UploadedBy: fx.tech, CreatedAt: at}
}

func addPhoto(t *testing.T, db *store.DB, p photo.Photo) photo.Photo {
	t.Helper()
	if err := db.Photos().Insert(t.Context(), p); err != nil {
		t.Fatalf("insert photo: %v", err)
	}
	return p
}

func testPhotosRoundTrip(t *testing.T, db *store.DB, fx photoFixture) {
	want := fx.photo(0, t0.In(cst))
	want.Kind, want.ContentType, want.SizeBytes = photo.Signature, photo.HEIC, photo.MaxSize
	addPhoto(t, db, want)
	got, err := db.Photos().ByID(t.Context(), want.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkUTC(t, "CreatedAt", got.CreatedAt, t0)
	want.CreatedAt = t0
	if got != want {
		t.Errorf("ByID = %+v\nwant   %+v", got, want)
	}
}

func testPhotosByIDMissing(t *testing.T, db *store.DB, _ photoFixture) {
	if _, err := db.Photos().ByID(t.Context(), domain.NewID()); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("ByID(missing) = %v, want not found", err)
	}
}

func testPhotosMarkReady(t *testing.T, db *store.DB, fx photoFixture) {
	p := addPhoto(t, db, fx.photo(0, t0))
	for i, want := range []bool{true, false} {
		ok, err := db.Photos().MarkReady(t.Context(), p.ID)
		if err != nil || ok != want {
			t.Fatalf("MarkReady #%d = %v, %v; want %v", i+1, ok, err, want)
		}
	}
	if got, _ := db.Photos().ByID(t.Context(), p.ID); got.Status != photo.Ready {
		t.Fatalf("status %s, want ready", got.Status)
	}
	if ok, err := db.Photos().MarkReady(t.Context(), domain.NewID()); ok || err != nil {
		t.Fatalf("MarkReady(missing) = %v, %v; want false", ok, err)
	}
}

func testPhotosPaging(t *testing.T, db *store.DB, fx photoFixture) {
	var want []uuid.UUID
	for i := range 5 {
		want = append(want, addPhoto(t, db, fx.photo(0, t0.Add(time.Duration(i)*time.Second))).ID)
		addPhoto(t, db, fx.photo(1, t0)) // another order's: never listed
	}
	var got []uuid.UUID
	p := domain.PageRequest{Limit: 2}
	for pages := 1; ; pages++ {
		page, err := db.Photos().List(t.Context(), fx.orders[0], p)
		if err != nil {
			t.Fatal(err)
		}
		for _, ph := range page.Items {
			got = append(got, ph.ID)
		}
		if page.Next == "" {
			if pages != 3 {
				t.Errorf("%d pages, want 3", pages)
			}
			break
		}
		p.After = page.Next
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("listed %v\nwant   %v", got, want)
	}
	empty, err := db.Photos().List(t.Context(), domain.NewID(), domain.PageRequest{Limit: 10})
	if err != nil || len(empty.Items) != 0 || empty.Items == nil || empty.Next != "" {
		t.Fatalf("list of an order without photos = %+v, %v", empty, err)
	}
}

func testPhotosBadCursor(t *testing.T, db *store.DB, fx photoFixture) {
	_, err := db.Photos().List(t.Context(), fx.orders[0], domain.PageRequest{Limit: 2, After: "not-a-cursor"})
	if domain.KindOf(err) != domain.KindBadRequest {
		t.Fatalf("List(bad cursor) = %v, want bad request", err)
	}
}

func testPhotosStalePending(t *testing.T, db *store.DB, fx photoFixture) {
	cutoff := t0.Add(24 * time.Hour)
	oldest := addPhoto(t, db, fx.photo(0, t0))
	older := addPhoto(t, db, fx.photo(1, t0.Add(time.Hour)))
	readyOld := addPhoto(t, db, fx.photo(0, t0))
	if ok, err := db.Photos().MarkReady(t.Context(), readyOld.ID); !ok || err != nil {
		t.Fatalf("MarkReady = %v, %v", ok, err)
	}
	addPhoto(t, db, fx.photo(0, cutoff))                       // exactly at the cutoff: not stale yet
	addPhoto(t, db, fx.photo(0, cutoff.Add(time.Microsecond))) // younger

	stale, err := db.Photos().StalePending(t.Context(), cutoff, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) != 2 || stale[0].ID != oldest.ID || stale[1].ID != older.ID {
		t.Fatalf("StalePending = %v, want the two pending photos older than the cutoff, oldest first", stale)
	}
	if one, _ := db.Photos().StalePending(t.Context(), cutoff, 1); len(one) != 1 || one[0].ID != oldest.ID {
		t.Fatalf("StalePending(limit 1) = %v", one)
	}

	if ok, err := db.Photos().DeletePending(t.Context(), oldest.ID); !ok || err != nil {
		t.Fatalf("DeletePending(pending) = %v, %v; want true", ok, err)
	}
	if _, err := db.Photos().ByID(t.Context(), oldest.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("after DeletePending: %v, want not found", err)
	}
	if ok, err := db.Photos().DeletePending(t.Context(), readyOld.ID); ok || err != nil {
		t.Fatalf("DeletePending(ready) = %v, %v; want false", ok, err)
	}
	if _, err := db.Photos().ByID(t.Context(), readyOld.ID); err != nil {
		t.Fatalf("a ready photo went: %v", err)
	}
}

func testPhotosReady(t *testing.T, db *store.DB, fx photoFixture) {
	ready := func(order int) uuid.UUID {
		p := addPhoto(t, db, fx.photo(order, t0))
		if ok, err := db.Photos().MarkReady(t.Context(), p.ID); !ok || err != nil {
			t.Fatalf("MarkReady = %v, %v", ok, err)
		}
		return p.ID
	}
	a, b := ready(0), ready(0)
	pending := addPhoto(t, db, fx.photo(0, t0)).ID
	otherOrder := ready(1)
	tests := []struct {
		name string
		ids  []uuid.UUID
		want bool
	}{
		{"AllReadyOfTheOrder", []uuid.UUID{a, b}, true},
		{"RepeatedIDsCountOnce", []uuid.UUID{a, a, b}, true},
		{"None", nil, true},
		{"OnePending", []uuid.UUID{a, pending}, false},
		{"AnotherOrders", []uuid.UUID{a, otherOrder}, false},
		{"Unknown", []uuid.UUID{a, domain.NewID()}, false},
	}
	for _, tt := range tests {
		got, err := db.Photos().ReadyPhotos(t.Context(), fx.orders[0], tt.ids)
		if err != nil || got != tt.want {
			t.Errorf("%s: ReadyPhotos = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

func testPhotosObjectKeyUnique(t *testing.T, db *store.DB, fx photoFixture) {
	p := addPhoto(t, db, fx.photo(0, t0))
	dup := fx.photo(0, t0)
	dup.ObjectKey = p.ObjectKey
	if err := db.Photos().Insert(t.Context(), dup); err == nil {
		t.Fatal("a second photo with the same object key was stored")
	}
}
