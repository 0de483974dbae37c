// Package jobs runs background work on River, on either footing: the
// database/sql driver on PostgreSQL and the SQLite driver on SQLite, both
// sharing the store's pool so jobs are queued in the caller's transaction.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// Config tells the runner which database it works on.
type Config struct {
	DB       *sql.DB
	Postgres bool
	Logger   *slog.Logger
	// TxFrom finds the caller's transaction in a context.
	TxFrom func(ctx context.Context) (*sql.Tx, bool)
	// PollInterval is how often workers look for new jobs (default 1s).
	PollInterval time.Duration
	// RescueAfter is when a job still running (its process died) is run
	// again (default 1 minute; River's own is an hour).
	RescueAfter time.Duration
}

// Runner is the River client with the application's workers.
type Runner struct {
	client *river.Client[*sql.Tx]
	driver riverdriver.Driver[*sql.Tx]
	txFrom func(ctx context.Context) (*sql.Tx, bool)
}

// Registration adds workers and periodic jobs before the client starts.
type Registration struct {
	Workers  *river.Workers
	Periodic []*river.PeriodicJob
	cleanup  *cleanupWorker
}

// NewRegistration starts an empty registration.
func NewRegistration() *Registration { return &Registration{Workers: river.NewWorkers()} }

// New builds the runner; Start begins working.
func New(cfg Config, reg *Registration) (*Runner, error) {
	var driver riverdriver.Driver[*sql.Tx]
	if cfg.Postgres {
		driver = riverdatabasesql.New(cfg.DB)
	} else {
		driver = riversqlite.New(cfg.DB)
	}
	poll := cfg.PollInterval
	if poll <= 0 {
		poll = time.Second
	}
	rescue := cfg.RescueAfter
	if rescue <= 0 {
		rescue = time.Minute
	}
	client, err := river.NewClient(driver, &river.Config{
		RescueStuckJobsAfter: rescue,
		// River requires a job's timeout within the rescue delay.
		JobTimeout:        min(rescue, time.Minute),
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}},
		Workers:           reg.Workers,
		PeriodicJobs:      reg.Periodic,
		Logger:            cfg.Logger,
		FetchPollInterval: poll,
		FetchCooldown:     min(poll, 100*time.Millisecond),
	})
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return &Runner{client: client, driver: driver, txFrom: cfg.TxFrom}, nil
}

// Migrate brings River's own tables up to date.
func (r *Runner) Migrate(ctx context.Context) error {
	m, err := rivermigrate.New(r.driver, nil)
	if err != nil {
		return fmt.Errorf("river migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrate: %w", err)
	}
	return nil
}

// Start begins fetching and working jobs.
func (r *Runner) Start(ctx context.Context) error {
	if err := r.client.Start(ctx); err != nil {
		return fmt.Errorf("start river: %w", err)
	}
	return nil
}

// Stop lets running jobs finish, up to ctx's deadline.
func (r *Runner) Stop(ctx context.Context) error {
	if err := r.client.Stop(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("stop river: %w", err)
	}
	return nil
}

// Enqueue queues a job in the caller's transaction, so it exists exactly
// when the change that caused it commits.
func (r *Runner) Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	tx, ok := r.txFrom(ctx)
	if !ok {
		return errors.New("enqueue: no transaction in context")
	}
	if _, err := r.client.InsertTx(ctx, tx, args, opts); err != nil {
		return fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// Insert queues a job on its own, outside any transaction.
func (r *Runner) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobRow, error) {
	res, err := r.client.Insert(ctx, args, opts)
	if err != nil {
		return nil, fmt.Errorf("insert %s: %w", args.Kind(), err)
	}
	return res.Job, nil
}

// Subscribe reports finished jobs; tests use it to wait for work.
func (r *Runner) Subscribe(kinds ...river.EventKind) (<-chan *river.Event, func()) {
	return r.client.Subscribe(kinds...)
}
