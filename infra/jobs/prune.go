package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// PruneAuthArgs asks to delete expired refresh tokens and old failed-login records.
type PruneAuthArgs struct{}

// Kind names the job in River's table.
func (PruneAuthArgs) Kind() string { return "prune_auth" }

// Pruner deletes what has expired and says how many rows went.
type Pruner interface {
	Prune(ctx context.Context) (int64, error)
}

type pruneAuthWorker struct {
	river.WorkerDefaults[PruneAuthArgs]
	pruner Pruner
}

func (w *pruneAuthWorker) Work(ctx context.Context, _ *river.Job[PruneAuthArgs]) error {
	_, err := w.pruner.Prune(ctx)
	return err
}

// AddPruneAuth registers the hourly auth clean-up.
func (r *Registration) AddPruneAuth(p Pruner) {
	river.AddWorker(r.Workers, &pruneAuthWorker{pruner: p})
	r.Periodic = append(r.Periodic, river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return PruneAuthArgs{}, nil },
		&river.PeriodicJobOpts{ID: "prune_auth", RunOnStart: true}))
}
