package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/idempotency"
	"github.com/fieldwork/fieldwork/domain/notify"
	"github.com/fieldwork/fieldwork/domain/workorder"
	"github.com/fieldwork/fieldwork/infra/store/storetest"
)

// writeAllocs are the most heap allocations each write of a work-order
// change may make on the PostgreSQL footing, driver included. Built by
// hand they make insert 98, update 59, event 79, claim 36, complete 37,
// counter 18, customer check 37, vehicles check 59, the customer's phone 42
// and a notification 63; through gorm's reflection they made 188, 219, 117,
// 84, 91, 55, 69, 94, 92 and 109.
var writeAllocs = map[string]float64{"insert": 140, "update": 120, "event": 100, "claim": 60, "complete": 60, "counter": 36,
	"customer": 52, "vehicles": 76, "phone": 66, "notification": 86}

func TestWorkOrderWrites_AreBuiltByHand(t *testing.T) {
	for _, f := range storetest.Footings(t) {
		if f.Name != "postgres" {
			continue // SQLite's driver allocations would drown the difference
		}
		t.Run(f.Name, func(t *testing.T) {
			db := fresh(t, f)
			ctx := context.Background()
			c := addCustomer(t, db, newCustomer("Alloc Fleet"))
			o := workorder.Order{ID: uuid.New(), Number: "WO-ALLOC", Type: workorder.Repair, Status: workorder.Requested, Version: 1,
				CustomerID: c.ID, Site: workorder.Site{Address: "Nanshan"}, Description: "no signal", Priority: workorder.High,
				CreatedBy: uuid.New(), CreatedAt: t0, UpdatedAt: t0, RequiredSkills: []string{}}
			n := 0
			measure := func(what string, fn func() error) {
				got := testing.AllocsPerRun(20, func() {
					if err := fn(); err != nil {
						t.Fatalf("%s: %v", what, err)
					}
				})
				t.Logf("%s: %.0f allocations", what, got)
				if got > writeAllocs[what] {
					t.Errorf("%s made %.0f allocations, want at most %.0f", what, got, writeAllocs[what])
				}
			}
			measure("insert", func() error {
				n++
				w := o
				w.ID, w.Number = uuid.New(), "WO-ALLOC-"+uuid.NewString()
				return db.WorkOrders().Insert(ctx, w)
			})
			if err := db.WorkOrders().Insert(ctx, o); err != nil {
				t.Fatal(err)
			}
			measure("update", func() error {
				prev := o.Version
				o.Version++
				o.UpdatedAt = o.UpdatedAt.Add(time.Second)
				return db.WorkOrders().Update(ctx, o, prev)
			})
			measure("event", func() error {
				return db.Events().Append(ctx, domain.NewEvent("work_order", o.ID, "work_order.edited", o.CreatedBy, t0, map[string]any{"n": 1}))
			})
			var rec idempotency.Record
			measure("claim", func() error {
				rec = idempotency.Record{UserID: o.CreatedBy, Key: uuid.NewString(), Method: "POST", Path: "/v1/work-orders", RequestHash: "h",
					CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}
				_, _, err := db.Idempotency().Claim(ctx, rec)
				return err
			})
			measure("complete", func() error {
				rec.State, rec.Status, rec.Body, rec.Header = idempotency.Done, 201, []byte(`{}`), map[string]string{"ETag": `"1"`}
				return db.Idempotency().Complete(ctx, rec)
			})
			measure("counter", func() error {
				_, err := db.WorkOrders().NextChangeSeq(ctx)
				return err
			})
			v := addVehicle(t, db, newVehicle(c.ID, "粤B"+uuid.NewString()[:5]))
			measure("customer", func() error {
				ok, err := db.Customers().CustomerExists(ctx, c.ID)
				if err == nil && !ok {
					t.Fatal("the customer is not there")
				}
				return err
			})
			measure("vehicles", func() error {
				ok, err := db.Vehicles().OfCustomer(ctx, c.ID, []uuid.UUID{v.ID})
				if err == nil && !ok {
					t.Fatal("the vehicle is not the customer's")
				}
				return err
			})
			measure("phone", func() error {
				_, err := db.Notifications().SMSRecipient(ctx, c.ID)
				return err
			})
			measure("notification", func() error {
				return db.Notifications().Insert(ctx, notify.Notification{ID: uuid.New(), Topic: notify.OrderApproved, Channel: notify.BySMS,
					Recipient: "13800138000", WorkOrderID: o.ID, Data: map[string]any{"number": o.Number}, CreatedAt: t0})
			})
		})
	}
}
