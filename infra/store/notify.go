package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm/clause"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/notify"
)

type notificationRow struct {
	ID          uuid.UUID
	Topic       string
	Channel     string
	Recipient   string
	WebhookID   *uuid.UUID
	WorkOrderID *uuid.UUID
	ComplaintID *uuid.UUID
	Data        string
	Delivered   bool
	Attempts    string
	CreatedAt   time.Time
}

func (notificationRow) TableName() string { return "notifications" }

func (r notificationRow) domain() notify.Notification {
	n := notify.Notification{ID: r.ID, Topic: notify.Topic(r.Topic), Channel: notify.Channel(r.Channel), Recipient: r.Recipient,
		WebhookID: idOf(r.WebhookID), WorkOrderID: idOf(r.WorkOrderID), ComplaintID: idOf(r.ComplaintID), Delivered: r.Delivered,
		CreatedAt: r.CreatedAt.UTC(), Attempts: []notify.Attempt{}}
	_ = json.Unmarshal([]byte(r.Data), &n.Data)
	_ = json.Unmarshal([]byte(r.Attempts), &n.Attempts)
	return n
}

type webhookRow struct {
	ID        uuid.UUID
	URL       string
	Events    string
	Secret    string
	CreatedAt time.Time
}

func (webhookRow) TableName() string { return "webhooks" }

func (r webhookRow) domain() notify.Webhook {
	w := notify.Webhook{ID: r.ID, URL: r.URL, Secret: r.Secret, CreatedAt: r.CreatedAt.UTC()}
	_ = json.Unmarshal([]byte(r.Events), &w.Events)
	return w
}

// Notifications stores notifications, their attempts and webhooks.
type Notifications struct{ db *DB }

var _ notify.Repository = Notifications{}

// Notifications returns the notification repository.
func (db *DB) Notifications() Notifications { return Notifications{db} }

// Insert writes a notification.
func (s Notifications) Insert(ctx context.Context, n notify.Notification) error {
	data, err := json.Marshal(n.Data)
	if err != nil {
		return err
	}
	// Written by hand: most work-order changes notify the customer.
	_, err = s.db.sqlConn(ctx).ExecContext(ctx, `INSERT INTO notifications (id, topic, channel, recipient, webhook_id, work_order_id, complaint_id,
		data, delivered, attempts, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		n.ID, string(n.Topic), string(n.Channel), n.Recipient, optID(n.WebhookID), optID(n.WorkOrderID), optID(n.ComplaintID), string(data),
		false, "[]", n.CreatedAt.UTC())
	if err != nil {
		return fmt.Errorf("insert notification: %w", err)
	}
	return nil
}

// ByID finds a notification.
func (s Notifications) ByID(ctx context.Context, id uuid.UUID) (notify.Notification, error) {
	var r notificationRow
	if err := s.db.conn(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return notify.Notification{}, notFound(err, "notification")
	}
	return r.domain(), nil
}

// AddAttempt records a delivery attempt. The row is read locked (FOR
// UPDATE; SQLite's writers take turns anyway), so two attempts recorded at
// once both keep theirs and delivered never goes back to false.
func (s Notifications) AddAttempt(ctx context.Context, id uuid.UUID, a notify.Attempt, delivered bool) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		var r notificationRow
		if err := s.db.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Take(&r, "id = ?", id).Error; err != nil {
			return notFound(err, "notification")
		}
		n := r.domain()
		attempts, err := json.Marshal(append(n.Attempts, notify.Attempt{At: a.At.UTC(), OK: a.OK, Detail: a.Detail}))
		if err != nil {
			return err
		}
		err = s.db.conn(ctx).Model(&notificationRow{}).Where("id = ?", id).
			Updates(map[string]any{"attempts": string(attempts), "delivered": n.Delivered || delivered}).Error
		if err != nil {
			return fmt.Errorf("record attempt: %w", err)
		}
		return nil
	})
}

// List pages through the notifications about an order or a complaint.
func (s Notifications) List(ctx context.Context, refs notify.Refs, p domain.PageRequest) (domain.Page[notify.Notification], error) {
	q := s.db.conn(ctx).Model(&notificationRow{})
	if refs.WorkOrderID != uuid.Nil {
		q = q.Where("work_order_id = ?", refs.WorkOrderID)
	}
	if refs.ComplaintID != uuid.Nil {
		q = q.Where("complaint_id = ?", refs.ComplaintID)
	}
	return pageByID(q, p, func(r notificationRow) uuid.UUID { return r.ID }, notificationRow.domain)
}

// InsertWebhook subscribes a webhook.
func (s Notifications) InsertWebhook(ctx context.Context, w notify.Webhook) error {
	events, err := json.Marshal(w.Events)
	if err != nil {
		return err
	}
	row := webhookRow{ID: w.ID, URL: w.URL, Events: string(events), Secret: w.Secret, CreatedAt: w.CreatedAt.UTC()}
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert webhook: %w", err)
	}
	return nil
}

// Webhook finds a webhook.
func (s Notifications) Webhook(ctx context.Context, id uuid.UUID) (notify.Webhook, error) {
	var r webhookRow
	if err := s.db.conn(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return notify.Webhook{}, notFound(err, "webhook")
	}
	return r.domain(), nil
}

// WebhooksFor lists the webhooks subscribed to a topic. Subscriptions are
// few, so they are filtered here rather than indexed.
func (s Notifications) WebhooksFor(ctx context.Context, topic notify.Topic) ([]notify.Webhook, error) {
	var rows []webhookRow
	if err := s.db.conn(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	var out []notify.Webhook
	for _, r := range rows {
		w := r.domain()
		for _, e := range w.Events {
			if e == topic {
				out = append(out, w)
				break
			}
		}
	}
	return out, nil
}

// SMSRecipient is the customer's contact phone unless it opted out.
func (s Notifications) SMSRecipient(ctx context.Context, customerID uuid.UUID) (string, error) {
	var phone string
	var optOut bool
	err := s.db.sqlConn(ctx).QueryRowContext(ctx, "SELECT phone, sms_opt_out FROM customers WHERE id = $1", customerID).Scan(&phone, &optOut)
	if errors.Is(err, sql.ErrNoRows) {
		return "", domain.NotFound("customer")
	}
	if err != nil {
		return "", fmt.Errorf("customer's phone: %w", err)
	}
	if optOut {
		return "", nil
	}
	return phone, nil
}

// StaffPhones are the phones of the enabled users of the roles.
func (s Notifications) StaffPhones(ctx context.Context, roles []domain.Role) ([]string, error) {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	var phones []string
	err := s.db.conn(ctx).Model(&userRow{}).Where("role IN ? AND NOT disabled AND phone IS NOT NULL", names).
		Order("id").Pluck("phone", &phones).Error
	if err != nil {
		return nil, fmt.Errorf("staff phones: %w", err)
	}
	return phones, nil
}
