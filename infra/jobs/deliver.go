package jobs

import (
	"context"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
)

// DeliverArgs asks to deliver one notification.
type DeliverArgs struct {
	NotificationID uuid.UUID `json:"notification_id"`
}

// Kind names the job in River's table.
func (DeliverArgs) Kind() string { return "deliver_notification" }

// InsertOpts lets deliveries be retried for about a day with River's backoff.
func (DeliverArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 15} }

// Deliverer sends a notification.
type Deliverer interface {
	Deliver(ctx context.Context, id uuid.UUID) error
}

type deliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	d Deliverer
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	return w.d.Deliver(ctx, job.Args.NotificationID)
}

// AddDelivery registers the delivery worker.
func (r *Registration) AddDelivery(d Deliverer) {
	river.AddWorker(r.Workers, &deliverWorker{d: d})
}

// EnqueueDelivery queues a delivery in the caller's transaction.
func (r *Runner) EnqueueDelivery(ctx context.Context, id uuid.UUID) error {
	return r.Enqueue(ctx, DeliverArgs{NotificationID: id}, nil)
}
