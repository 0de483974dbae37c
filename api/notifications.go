package api

import (
	"context"

	"github.com/fieldwork/fieldwork/api/gen"
	"github.com/fieldwork/fieldwork/domain/notify"
)

// CreateWebhook subscribes a webhook.
func (s *Server) CreateWebhook(ctx context.Context, req gen.CreateWebhookRequestObject) (gen.CreateWebhookResponseObject, error) {
	b := req.Body
	events := make([]notify.Topic, len(b.Events))
	for i, e := range b.Events {
		events[i] = notify.Topic(e)
	}
	w, err := s.cfg.Notify.Subscribe(ctx, b.Url, events, b.Secret)
	if err != nil {
		return nil, err
	}
	out := gen.CreateWebhook201JSONResponse{Id: w.ID, Url: w.URL, CreatedAt: w.CreatedAt, Events: make([]gen.Topic, len(w.Events))}
	for i, e := range w.Events {
		out.Events[i] = gen.Topic(e)
	}
	return out, nil
}

// ListNotifications lists what was sent about an order or a complaint.
func (s *Server) ListNotifications(ctx context.Context, req gen.ListNotificationsRequestObject) (gen.ListNotificationsResponseObject, error) {
	p := req.Params
	page, err := s.cfg.Notify.List(ctx, notify.Refs{WorkOrderID: deref(p.WorkOrderId), ComplaintID: deref(p.ComplaintId)}, pageRequest(p.Limit, p.Cursor))
	if err != nil {
		return nil, err
	}
	items := make([]gen.Notification, len(page.Items))
	for i, n := range page.Items {
		status := gen.NotificationStatusPending
		if n.Delivered {
			status = gen.NotificationStatusDelivered
		}
		items[i] = gen.Notification{Id: n.ID, Topic: gen.Topic(n.Topic), Channel: gen.NotificationChannel(n.Channel), Recipient: n.Recipient,
			WorkOrderId: nullableID(n.WorkOrderID), ComplaintId: nullableID(n.ComplaintID), Status: status, CreatedAt: n.CreatedAt}
		items[i].Attempts = make([]attempt, 0, len(n.Attempts))
		for _, a := range n.Attempts {
			items[i].Attempts = append(items[i].Attempts, attempt{At: a.At, Detail: a.Detail, Ok: a.OK})
		}
	}
	return gen.ListNotifications200JSONResponse{Items: items, NextCursor: nextCursor(page.Next)}, nil
}

// attempt is the generated schema's inline item type.
type attempt = struct {
	At     gen.Timestamp `json:"at"`
	Detail string        `json:"detail"`
	Ok     bool          `json:"ok"`
}
