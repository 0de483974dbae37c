package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/inquiry"
	"github.com/fieldwork/fieldwork/infra/store/storetest"
)

// An inquiry's row keeps its version and an empty owner, and an update
// from a stale read lands nothing: of two staff who both read an inquiry
// unowned and take it, the second gets a conflict.
func TestInquiries_UnownedRoundTripAndUpdatesOnlyFromTheCurrentVersion(t *testing.T) {
	for _, f := range storetest.Footings(t) {
		t.Run(f.Name, func(t *testing.T) {
			db := fresh(t, f)
			ctx := t.Context()
			c := addCustomer(t, db, newCustomer("Asks Co"))
			first := addUser(t, db, newUser("first", domain.RoleDispatcher, uuid.Nil))
			second := addUser(t, db, newUser("second", domain.RoleDispatcher, uuid.Nil))
			now := time.Now().UTC().Truncate(time.Microsecond)
			q := inquiry.Inquiry{ID: domain.NewID(), CustomerID: c.ID, CallerName: "Mr Zhao", CallerPhone: "13800138000", Channel: inquiry.Portal,
				Question: "Why?", Status: inquiry.Open, Version: 1, CreatedAt: now, UpdatedAt: now}
			if err := db.Inquiries().Insert(ctx, q); err != nil {
				t.Fatal(err)
			}
			read, err := db.Inquiries().ByID(ctx, q.ID)
			if err != nil || read.OwnerID != uuid.Nil || read.TakenBy != uuid.Nil || read.Version != 1 {
				t.Fatalf("read back %+v, %v: want unowned at version 1", read, err)
			}
			queue, err := db.Inquiries().List(ctx, inquiry.Filter{Unowned: true}, domain.PageRequest{Limit: 10})
			if err != nil || len(queue.Items) != 1 {
				t.Fatalf("the queue %+v, %v", queue.Items, err)
			}
			take := func(by uuid.UUID) error {
				q := read
				q.OwnerID, q.TakenBy, q.Version = by, by, read.Version+1
				return db.Inquiries().Update(ctx, q, read.Version)
			}
			if err := take(first.ID); err != nil {
				t.Fatal(err)
			}
			if err := take(second.ID); !errors.Is(err, domain.ErrConflict) {
				t.Fatalf("a take from a stale read: %v, want a conflict", err)
			}
			got, _ := db.Inquiries().ByID(ctx, q.ID)
			if got.OwnerID != first.ID || got.Version != 2 {
				t.Fatalf("after two takes %+v: want the first's, at version 2", got)
			}
			if queue, _ := db.Inquiries().List(ctx, inquiry.Filter{Unowned: true}, domain.PageRequest{Limit: 10}); len(queue.Items) != 0 {
				t.Fatalf("a taken inquiry is still queued: %+v", queue.Items)
			}
		})
	}
}
