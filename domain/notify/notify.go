// Package notify tells customers and staff what happened, by SMS and
// webhooks, without losing a message: each notification is written, and its
// delivery queued, in the transaction of the change that causes it; delivery
// is retried with backoff and every attempt recorded.
package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Topic names what happened.
type Topic string

// The topics.
const (
	OrderApproved       Topic = "work_order.approved"
	OrderAssigned       Topic = "work_order.assigned"
	OrderDeparted       Topic = "work_order.departed"
	OrderArrived        Topic = "work_order.arrived"
	OrderCompleted      Topic = "work_order.completed"
	ComplaintAcked      Topic = "complaint.acknowledged"
	ComplaintResolved   Topic = "complaint.resolved"
	ComplaintEscalated  Topic = "complaint.escalated"
	CallbackDue         Topic = "callback.due"
	OrderFeeNotice      Topic = "work_order.fee_notice"
	HandoverFlagged     Topic = "handover.flagged"
	customerTopicPrefix       = "work_order."
)

// Topics lists every topic.
var Topics = []Topic{OrderApproved, OrderAssigned, OrderDeparted, OrderArrived, OrderCompleted, ComplaintAcked, ComplaintResolved, ComplaintEscalated, CallbackDue, OrderFeeNotice, HandoverFlagged}

// staffTopics are told to the staff's phones: escalations and cash counted
// short or over to the managers, callbacks due to the desk (dispatchers and
// managers).
var staffTopics = map[Topic][]domain.Role{
	ComplaintEscalated: {domain.RoleManager},
	CallbackDue:        {domain.RoleDispatcher, domain.RoleManager},
	HandoverFlagged:    {domain.RoleManager},
}

// Channel is how a notification travels.
type Channel string

// The channels.
const (
	BySMS     Channel = "sms"
	ByWebhook Channel = "webhook"
)

// Refs are what a notification is about.
type Refs struct {
	WorkOrderID, ComplaintID, CustomerID uuid.UUID
}

// Notification is one message to one recipient. Its id is the event id every
// delivery attempt carries, so a receiver can drop repeats.
type Notification struct {
	ID          uuid.UUID
	Topic       Topic
	Channel     Channel
	Recipient   string // phone number or URL
	WebhookID   uuid.UUID
	WorkOrderID uuid.UUID
	ComplaintID uuid.UUID
	Data        map[string]any
	Delivered   bool
	CreatedAt   time.Time
	Attempts    []Attempt
}

// Attempt is one try to deliver.
type Attempt struct {
	At     time.Time
	OK     bool
	Detail string
}

// Webhook is a subscription of a URL to topics.
type Webhook struct {
	ID        uuid.UUID
	URL       string
	Events    []Topic
	Secret    string
	CreatedAt time.Time
}

// Repository stores notifications and webhooks.
type Repository interface {
	Insert(ctx context.Context, n Notification) error
	ByID(ctx context.Context, id uuid.UUID) (Notification, error)
	AddAttempt(ctx context.Context, id uuid.UUID, a Attempt, delivered bool) error
	List(ctx context.Context, refs Refs, p domain.PageRequest) (domain.Page[Notification], error)
	InsertWebhook(ctx context.Context, w Webhook) error
	Webhook(ctx context.Context, id uuid.UUID) (Webhook, error)
	WebhooksFor(ctx context.Context, topic Topic) ([]Webhook, error)
	// SMSRecipient is the customer's contact phone, or "" when it opted out.
	SMSRecipient(ctx context.Context, customerID uuid.UUID) (string, error)
	// StaffPhones are the phones of the enabled users of the roles.
	StaffPhones(ctx context.Context, roles []domain.Role) ([]string, error)
}

// Queue enqueues a delivery in the caller's transaction.
type Queue interface {
	EnqueueDelivery(ctx context.Context, notificationID uuid.UUID) error
}

// Sender sends over the channels.
type Sender interface {
	SendSMS(ctx context.Context, to, text string) error
	PostWebhook(ctx context.Context, url, secret string, eventID uuid.UUID, body []byte) error
}

// Service sends notifications.
type Service struct {
	repo   Repository
	queue  Queue
	sender Sender
	tx     domain.Transactor
	clock  domain.Clock
}

// NewService wires notifications.
func NewService(repo Repository, queue Queue, sender Sender, tx domain.Transactor, clock domain.Clock) *Service {
	return &Service{repo: repo, queue: queue, sender: sender, tx: tx, clock: clock}
}

// Notify writes the notifications of an event and queues their delivery, in
// the caller's transaction: SMS to the customer's contact (work-order
// topics, unless the customer opted out) and every webhook subscribed.
func (s *Service) Notify(ctx context.Context, topic Topic, refs Refs, data map[string]any) error {
	now := s.clock.Now()
	var out []Notification
	if strings.HasPrefix(string(topic), customerTopicPrefix) && refs.CustomerID != uuid.Nil || topic == ComplaintAcked || topic == ComplaintResolved {
		phone, err := s.repo.SMSRecipient(ctx, refs.CustomerID)
		if err != nil {
			return err
		}
		if phone != "" {
			out = append(out, Notification{Channel: BySMS, Recipient: phone})
		}
	}
	if roles, ok := staffTopics[topic]; ok {
		phones, err := s.repo.StaffPhones(ctx, roles)
		if err != nil {
			return err
		}
		for _, p := range phones {
			out = append(out, Notification{Channel: BySMS, Recipient: p})
		}
	}
	hooks, err := s.repo.WebhooksFor(ctx, topic)
	if err != nil {
		return err
	}
	for _, h := range hooks {
		out = append(out, Notification{Channel: ByWebhook, Recipient: h.URL, WebhookID: h.ID})
	}
	for _, n := range out {
		n.ID, n.Topic, n.WorkOrderID, n.ComplaintID, n.Data, n.CreatedAt = domain.NewID(), topic, refs.WorkOrderID, refs.ComplaintID, data, now
		if err := s.repo.Insert(ctx, n); err != nil {
			return err
		}
		if err := s.queue.EnqueueDelivery(ctx, n.ID); err != nil {
			return err
		}
	}
	return nil
}

// Deliver sends one notification and records the attempt; an error makes
// the job runner retry it with backoff. A delivered one is not sent again.
func (s *Service) Deliver(ctx context.Context, id uuid.UUID) error {
	n, err := s.repo.ByID(ctx, id)
	if err != nil || n.Delivered {
		return err
	}
	var sendErr error
	switch n.Channel {
	case BySMS:
		sendErr = s.sender.SendSMS(ctx, n.Recipient, smsText(n))
	case ByWebhook:
		h, err := s.repo.Webhook(ctx, n.WebhookID)
		if err != nil {
			return err
		}
		body, err := json.Marshal(map[string]any{"id": n.ID, "topic": n.Topic, "at": n.CreatedAt, "data": n.Data})
		if err != nil {
			return err
		}
		sendErr = s.sender.PostWebhook(ctx, h.URL, h.Secret, n.ID, body)
	}
	a := Attempt{At: s.clock.Now(), OK: sendErr == nil, Detail: "delivered"}
	if sendErr != nil {
		a.Detail = sendErr.Error()
		if len(a.Detail) > 500 {
			a.Detail = a.Detail[:500]
		}
	}
	if err := s.repo.AddAttempt(ctx, n.ID, a, sendErr == nil); err != nil {
		return err
	}
	return sendErr
}

func smsText(n Notification) string {
	number, _ := n.Data["number"].(string)
	switch n.Topic {
	case OrderApproved:
		return fmt.Sprintf("Fieldwork: your order %s is approved.", number)
	case OrderAssigned:
		return fmt.Sprintf("Fieldwork: %v (%v) will handle order %s.", n.Data["technician_name"], n.Data["technician_phone"], number)
	case OrderDeparted:
		if eta, ok := n.Data["eta"].(string); ok {
			return fmt.Sprintf("Fieldwork: the technician is on the way for order %s, expected at %s.", number, eta)
		}
		return fmt.Sprintf("Fieldwork: the technician is on the way for order %s.", number)
	case OrderArrived:
		return fmt.Sprintf("Fieldwork: the technician has arrived for order %s.", number)
	case OrderCompleted:
		return fmt.Sprintf("Fieldwork: order %s is complete; total %v fen.", number, n.Data["bill_total"])
	case ComplaintAcked:
		return "Fieldwork: we have received your complaint and are on it."
	case ComplaintResolved:
		return fmt.Sprintf("Fieldwork: your complaint is resolved: %v", n.Data["resolution"])
	case ComplaintEscalated:
		return fmt.Sprintf("Fieldwork: a %v complaint is overdue and escalated.", n.Data["severity"])
	case OrderFeeNotice:
		return fmt.Sprintf("Fieldwork: order %s has a fee notice of %v fen to agree before the work; accept or decline it in the portal (fee notice %v).",
			number, n.Data["total"], n.Data["notice_id"])
	case HandoverFlagged:
		return fmt.Sprintf("Fieldwork: handover %v was counted %v fen against %v fen expected (difference %v).",
			n.Data["handover_id"], n.Data["counted_amount"], n.Data["expected_amount"], n.Data["difference"])
	case CallbackDue:
		return fmt.Sprintf("Fieldwork: callback %v (call %v) is due; see the callbacks list.", n.Data["callback_id"], n.Data["attempt"])
	}
	return "Fieldwork: " + string(n.Topic)
}

// List is the notifications about an order or a complaint (staff).
func (s *Service) List(ctx context.Context, refs Refs, p domain.PageRequest) (domain.Page[Notification], error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return domain.Page[Notification]{}, err
	}
	if !actor.IsStaff() {
		return domain.Page[Notification]{}, domain.Forbidden("only staff read notifications")
	}
	return s.repo.List(ctx, refs, p.Normalize())
}

// Subscribe adds a webhook (admin).
func (s *Service) Subscribe(ctx context.Context, url string, events []Topic, secret string) (Webhook, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Webhook{}, err
	}
	if !actor.Is(domain.RoleAdmin) {
		return Webhook{}, domain.Forbidden("only an admin subscribes webhooks")
	}
	var fe domain.FieldErrors
	if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		fe.Add("url", "must be an http(s) URL")
	}
	for _, e := range events {
		if !slices.Contains(Topics, e) {
			fe.Add("events", "unknown topic "+string(e))
		}
	}
	if len(secret) < 16 {
		fe.Add("secret", "must be at least 16 characters")
	}
	if err := fe.Err(); err != nil {
		return Webhook{}, err
	}
	w := Webhook{ID: domain.NewID(), URL: url, Events: events, Secret: secret, CreatedAt: s.clock.Now()}
	if err := s.repo.InsertWebhook(ctx, w); err != nil {
		return Webhook{}, err
	}
	return w, nil
}
