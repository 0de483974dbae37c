package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// CleanupArgs asks to run one named clean-up task (e.g. "auth": expired
// refresh tokens and old failed-login records).
type CleanupArgs struct {
	Task string `json:"task"`
}

// Kind names the job in River's table.
func (CleanupArgs) Kind() string { return "cleanup" }

// Pruner deletes what has expired and says how many rows went.
type Pruner interface {
	Prune(ctx context.Context) (int64, error)
}

// PrunerFunc adapts a function to Pruner.
type PrunerFunc func(ctx context.Context) (int64, error)

// Prune calls f.
func (f PrunerFunc) Prune(ctx context.Context) (int64, error) { return f(ctx) }

type cleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	tasks map[string]Pruner
}

func (w *cleanupWorker) Work(ctx context.Context, job *river.Job[CleanupArgs]) error {
	p, ok := w.tasks[job.Args.Task]
	if !ok {
		return river.JobCancel(fmt.Errorf("unknown clean-up task %q", job.Args.Task))
	}
	_, err := p.Prune(ctx)
	return err
}

// AddCleanup registers a clean-up task that runs on start and then every
// interval, on whichever instance River elects leader.
func (r *Registration) AddCleanup(task string, every time.Duration, p Pruner) {
	if r.cleanup == nil {
		r.cleanup = &cleanupWorker{tasks: map[string]Pruner{}}
		river.AddWorker(r.Workers, r.cleanup)
	}
	r.cleanup.tasks[task] = p
	r.Periodic = append(r.Periodic, river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return CleanupArgs{Task: task}, nil },
		&river.PeriodicJobOpts{ID: "cleanup:" + task, RunOnStart: true}))
}
