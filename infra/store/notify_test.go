package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/customer"
	"github.com/fieldwork/fieldwork/domain/notify"
	"github.com/fieldwork/fieldwork/infra/store"
)

// The notification repository's contract, on every footing.

func TestNotifications(t *testing.T) {
	runContract(t, []contractCase{
		{"InsertByIDRoundTrip", testNotifyRoundTrip},
		{"ByIDMissingIsNotFound", testNotifyByIDMissing},
		{"AddAttemptAppendsAndDeliveredSticks", testNotifyAddAttempt},
		{"AddAttemptWaitsForAnAttemptInFlight", testNotifyAddAttemptConcurrent},
		{"ListByOrderOrComplaintAndPaging", testNotifyList},
		{"WebhookRoundTripAndWebhooksFor", testNotifyWebhooks},
		{"SMSRecipientHonoursOptOut", testNotifySMSRecipient},
		{"StaffPhones", testNotifyStaffPhones},
	})
}

func notification(orderID, complaintID uuid.UUID) notify.Notification {
	return notify.Notification{ID: domain.NewID(), Topic: notify.OrderDeparted, Channel: notify.BySMS, Recipient: "13800138000",
		WorkOrderID: orderID, ComplaintID: complaintID, Data: map[string]any{"number": "WO-1", "eta": "2025-03-14T10:00:00Z"},
		CreatedAt: t0, Attempts: []notify.Attempt{}}
}

func addNotification(t *testing.T, db *store.DB, n notify.Notification) notify.Notification {
	t.Helper()
	if err := db.Notifications().Insert(t.Context(), n); err != nil {
		t.Fatalf("insert notification: %v", err)
	}
	return n
}

func readNotification(t *testing.T, db *store.DB, id uuid.UUID) notify.Notification {
	t.Helper()
	n, err := db.Notifications().ByID(t.Context(), id)
	if err != nil {
		t.Fatalf("ByID: %v", err)
	}
	return n
}

func addWebhook(t *testing.T, db *store.DB, url string, events ...notify.Topic) notify.Webhook {
	t.Helper()
	w := notify.Webhook{ID: domain.NewID(), URL: url, Events: events, Secret: "s3cret-" + url, CreatedAt: t0}
	if err := db.Notifications().InsertWebhook(t.Context(), w); err != nil {
		t.Fatalf("insert webhook: %v", err)
	}
	return w
}

func testNotifyRoundTrip(t *testing.T, db *store.DB) {
	w := addWebhook(t, db, "https://example.test/hook", notify.OrderDeparted)
	want := notification(domain.NewID(), domain.NewID())
	want.Channel, want.Recipient, want.WebhookID = notify.ByWebhook, w.URL, w.ID
	want.Data = map[string]any{"number": "WO-1", "count": 3.0, "nested": map[string]any{"ok": true}}
	in := want
	in.CreatedAt = t0.In(cst)
	addNotification(t, db, in)
	checkDeep(t, "ByID", readNotification(t, db, want.ID), want)

	bare := notification(uuid.Nil, uuid.Nil)
	bare.Data = nil
	addNotification(t, db, bare)
	got := readNotification(t, db, bare.ID)
	checkDeep(t, "ByID(bare)", got, bare)
	if got.Attempts == nil {
		t.Error("Attempts of a new notification is nil, want empty")
	}
	if err := db.Notifications().Insert(t.Context(), notification(uuid.Nil, uuid.Nil)); err != nil {
		t.Errorf("Insert: %v", err)
	}
	unknownHook := notification(uuid.Nil, uuid.Nil)
	unknownHook.WebhookID = domain.NewID()
	if err := db.Notifications().Insert(t.Context(), unknownHook); err == nil {
		t.Error("a notification of an unknown webhook was stored")
	}
}

func testNotifyByIDMissing(t *testing.T, db *store.DB) {
	_, err := db.Notifications().ByID(t.Context(), domain.NewID())
	checkNotFound(t, "ByID(missing)", err)
}

func testNotifyAddAttempt(t *testing.T, db *store.DB) {
	n := addNotification(t, db, notification(domain.NewID(), uuid.Nil))
	attempts := []notify.Attempt{
		{At: t0.Add(time.Minute), OK: false, Detail: "502 Bad Gateway"},
		{At: t0.Add(2 * time.Minute), OK: true, Detail: "200 OK"},
		{At: t0.Add(3 * time.Minute), OK: false, Detail: "a late duplicate failed"},
	}
	delivered := []bool{false, true, false}
	for i, a := range attempts {
		in := a
		in.At = a.At.In(cst)
		if err := db.Notifications().AddAttempt(t.Context(), n.ID, in, delivered[i]); err != nil {
			t.Fatalf("AddAttempt %d: %v", i+1, err)
		}
		want := n
		want.Attempts = attempts[:i+1]
		want.Delivered = i >= 1 // once delivered, always delivered
		checkDeep(t, "after attempt", readNotification(t, db, n.ID), want)
	}
	checkNotFound(t, "AddAttempt(missing)", db.Notifications().AddAttempt(t.Context(), domain.NewID(), attempts[0], true))
}

// Two deliveries of one notification recording at once (River may rerun a
// job whose first run is still going) both keep their attempt: the second
// reads the attempts only after the first has committed. The first is held
// open inside a transaction while the second starts.
func testNotifyAddAttemptConcurrent(t *testing.T, db *store.DB) {
	n := addNotification(t, db, notification(domain.NewID(), uuid.Nil))
	first := notify.Attempt{At: t0.Add(time.Minute), OK: true, Detail: "200 OK"}
	second := notify.Attempt{At: t0.Add(2 * time.Minute), OK: false, Detail: "a rerun failed"}
	done := make(chan error, 1)
	err := db.InTx(t.Context(), func(ctx context.Context) error {
		if err := db.Notifications().AddAttempt(ctx, n.ID, first, true); err != nil {
			return err
		}
		go func() { done <- db.Notifications().AddAttempt(t.Context(), n.ID, second, false) }()
		time.Sleep(300 * time.Millisecond) // the second is waiting on the row (or on the database)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := n
	want.Attempts, want.Delivered = []notify.Attempt{first, second}, true
	checkDeep(t, "after two attempts at once", readNotification(t, db, n.ID), want)
}

func testNotifyList(t *testing.T, db *store.DB) {
	order, complaint := domain.NewID(), domain.NewID()
	a := addNotification(t, db, notification(order, uuid.Nil))
	b := addNotification(t, db, notification(uuid.Nil, complaint))
	c := addNotification(t, db, notification(order, uuid.Nil))
	addNotification(t, db, notification(domain.NewID(), uuid.Nil))
	for _, tc := range []struct {
		name string
		refs notify.Refs
		want []uuid.UUID
	}{
		{"Order", notify.Refs{WorkOrderID: order}, []uuid.UUID{a.ID, c.ID}},
		{"Complaint", notify.Refs{ComplaintID: complaint}, []uuid.UUID{b.ID}},
		{"Neither", notify.Refs{WorkOrderID: domain.NewID()}, nil},
	} {
		for _, limit := range []int{1, 10} {
			got := slices.Concat(pages(t, limit, func(p domain.PageRequest) (domain.Page[notify.Notification], error) {
				return db.Notifications().List(t.Context(), tc.refs, p)
			}, func(n notify.Notification) uuid.UUID { return n.ID })...)
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s, limit %d: %v, want %v", tc.name, limit, got, tc.want)
			}
		}
	}
	checkBadCursors(t, func(p domain.PageRequest) (domain.Page[notify.Notification], error) {
		return db.Notifications().List(t.Context(), notify.Refs{WorkOrderID: order}, p)
	})
}

func testNotifyWebhooks(t *testing.T, db *store.DB) {
	a := addWebhook(t, db, "https://a.test/", notify.OrderDeparted, notify.CallbackDue)
	b := addWebhook(t, db, "https://b.test/", notify.CallbackDue)
	addWebhook(t, db, "https://c.test/")
	got, err := db.Notifications().Webhook(t.Context(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkDeep(t, "Webhook", got, a)
	_, err = db.Notifications().Webhook(t.Context(), domain.NewID())
	checkNotFound(t, "Webhook(missing)", err)
	for _, tc := range []struct {
		topic notify.Topic
		want  []notify.Webhook
	}{
		{notify.CallbackDue, []notify.Webhook{a, b}},
		{notify.OrderDeparted, []notify.Webhook{a}},
		{notify.OrderArrived, nil},
	} {
		got, err := db.Notifications().WebhooksFor(t.Context(), tc.topic)
		if err != nil {
			t.Fatal(err)
		}
		checkDeep(t, "WebhooksFor("+string(tc.topic)+")", got, tc.want)
	}
}

func testNotifySMSRecipient(t *testing.T, db *store.DB) {
	in := addCustomer(t, db, newCustomer("Subscribed"))
	out := newCustomer("Opted Out")
	out.SMSOptOut = true
	addCustomer(t, db, out)
	if got, err := db.Notifications().SMSRecipient(t.Context(), in.ID); err != nil || got != in.Phone {
		t.Errorf("SMSRecipient(subscribed) = %q, %v; want %q", got, err, in.Phone)
	}
	if got, err := db.Notifications().SMSRecipient(t.Context(), out.ID); err != nil || got != "" {
		t.Errorf("SMSRecipient(opted out) = %q, %v; want none", got, err)
	}
	_, err := db.Notifications().SMSRecipient(t.Context(), domain.NewID())
	checkNotFound(t, "SMSRecipient(missing)", err)
}

func testNotifyStaffPhones(t *testing.T, db *store.DB) {
	c := addCustomer(t, db, customer.Customer{ID: domain.NewID(), Name: "Fleet", ContactName: "x", Phone: "1", Address: "x", CreatedAt: t0, UpdatedAt: t0})
	add := func(name string, role domain.Role, phone string, disabled bool) {
		u := newUser(name, role, uuid.Nil)
		if role == domain.RoleCustomer {
			u.CustomerID = c.ID
		}
		if phone != "" {
			u.Phone = &phone
		}
		u.Disabled = disabled
		addUser(t, db, u)
	}
	add("m1", domain.RoleManager, "13900000001", false)
	add("d1", domain.RoleDispatcher, "13900000002", false)
	add("m2", domain.RoleManager, "", false)               // no phone
	add("m3", domain.RoleManager, "13900000003", true)     // disabled
	add("t1", domain.RoleTechnician, "13900000004", false) // another role
	add("c1", domain.RoleCustomer, "13900000005", false)
	got, err := db.Notifications().StaffPhones(t.Context(), []domain.Role{domain.RoleManager, domain.RoleDispatcher})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"13900000001", "13900000002"}; !slices.Equal(got, want) {
		t.Errorf("StaffPhones = %v, want %v", got, want)
	}
}
