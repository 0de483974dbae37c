package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/auth"
	"github.com/fieldwork/fieldwork/domain/user"
	"github.com/fieldwork/fieldwork/infra/jobs"
	"github.com/fieldwork/fieldwork/infra/store"
	"github.com/fieldwork/fieldwork/infra/store/storetest"
)

// The runner on every footing: River's own tables, jobs queued in the
// caller's transaction, and a worker that really runs.

// countingPruner prunes with the real auth repository and counts its runs.
type countingPruner struct {
	db    *store.DB
	calls atomic.Int64
}

func (p *countingPruner) Prune(ctx context.Context) (int64, error) {
	p.calls.Add(1)
	now := domain.SystemClock{}.Now()
	return p.db.Auth().Prune(ctx, now, now.Add(-15*time.Minute))
}

// newRunner opens a fresh database of the footing's kind and a migrated,
// unstarted runner with the prune worker on it; the runner stops before the
// database closes.
func newRunner(t *testing.T, f storetest.Footing) (*store.DB, *jobs.Runner, *countingPruner) {
	t.Helper()
	f.DataDir = t.TempDir()
	if f.DatabaseURL != "" {
		f.DatabaseURL = storetest.PostgresURL(t)
	}
	db := storetest.Open(t, f)
	pruner := &countingPruner{db: db}
	reg := jobs.NewRegistration()
	reg.AddCleanup("auth", time.Hour, pruner)
	r, err := jobs.New(jobs.Config{
		DB:           db.SQL(),
		Postgres:     db.Dialect() == store.Postgres,
		Logger:       slog.New(slog.DiscardHandler),
		TxFrom:       store.SQLTx,
		PollInterval: 50 * time.Millisecond,
	}, reg)
	if err != nil {
		t.Fatalf("jobs.New: %v", err)
	}
	if err := r.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if err := r.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate again: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return db, r, pruner
}

func pruneJobs(t *testing.T, db *store.DB) int64 {
	t.Helper()
	var n int64
	err := db.SQL().QueryRowContext(t.Context(), "SELECT count(*) FROM river_job WHERE kind = 'cleanup'").Scan(&n)
	if err != nil {
		t.Fatalf("count jobs: %v", err)
	}
	return n
}

var errBoom = errors.New("boom")

func TestRunner(t *testing.T) {
	for _, f := range storetest.Footings(t) {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()

			t.Run("EnqueueOutsideTransactionFails", func(t *testing.T) {
				t.Parallel()
				db, r, _ := newRunner(t, f)
				if err := r.Enqueue(t.Context(), jobs.CleanupArgs{Task: "auth"}, nil); err == nil {
					t.Error("Enqueue without a transaction succeeded, want an error")
				}
				if n := pruneJobs(t, db); n != 0 {
					t.Errorf("jobs after a refused Enqueue = %d, want 0", n)
				}
			})

			t.Run("EnqueueRollsBackWithTransaction", func(t *testing.T) {
				t.Parallel()
				db, r, _ := newRunner(t, f)
				err := db.InTx(t.Context(), func(ctx context.Context) error {
					if err := r.Enqueue(ctx, jobs.CleanupArgs{Task: "auth"}, nil); err != nil {
						return err
					}
					return errBoom
				})
				if !errors.Is(err, errBoom) {
					t.Fatalf("InTx err = %v, want the callback's", err)
				}
				if n := pruneJobs(t, db); n != 0 {
					t.Errorf("jobs after rollback = %d, want 0", n)
				}
			})

			t.Run("EnqueueCommitsWithTransaction", func(t *testing.T) {
				t.Parallel()
				db, r, _ := newRunner(t, f)
				u := user.User{ID: domain.NewID(), Username: "alice", DisplayName: "Alice", Role: domain.RoleAdmin,
					PasswordHash: "x", CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
				err := db.InTx(t.Context(), func(ctx context.Context) error {
					if err := db.Users().Insert(ctx, u); err != nil {
						return err
					}
					if err := r.Enqueue(ctx, jobs.CleanupArgs{Task: "auth"}, nil); err != nil {
						return err
					}
					// Inside the transaction the job is not visible to others yet.
					if n := pruneJobs(t, db); n != 0 {
						t.Errorf("jobs seen outside the open transaction = %d, want 0", n)
					}
					return nil
				})
				if err != nil {
					t.Fatalf("InTx: %v", err)
				}
				if n := pruneJobs(t, db); n != 1 {
					t.Errorf("jobs after commit = %d, want 1", n)
				}
				if _, err := db.Users().ByID(t.Context(), u.ID); err != nil {
					t.Errorf("the change committed with the job is missing: %v", err)
				}
			})

			t.Run("InsertedJobRuns", func(t *testing.T) {
				t.Parallel()
				db, r, pruner := newRunner(t, f)

				// Something for the worker to remove.
				now := domain.SystemClock{}.Now()
				u := user.User{ID: domain.NewID(), Username: "alice", DisplayName: "Alice", Role: domain.RoleAdmin,
					PasswordHash: "x", CreatedAt: now, UpdatedAt: now}
				if err := db.Users().Insert(t.Context(), u); err != nil {
					t.Fatal(err)
				}
				sess := auth.Session{ID: domain.NewID(), UserID: u.ID, CreatedAt: now}
				if err := db.Auth().CreateSession(t.Context(), sess); err != nil {
					t.Fatal(err)
				}
				expired := auth.RefreshToken{ID: domain.NewID(), SessionID: sess.ID, Hash: "expired",
					CreatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(-time.Minute)}
				if err := db.Auth().InsertRefresh(t.Context(), expired); err != nil {
					t.Fatal(err)
				}

				events, cancel := r.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
				defer cancel()
				if err := r.Start(t.Context()); err != nil {
					t.Fatalf("Start: %v", err)
				}
				job, err := r.Insert(t.Context(), jobs.CleanupArgs{Task: "auth"}, nil)
				if err != nil {
					t.Fatalf("Insert: %v", err)
				}
				if job.Kind != "cleanup" {
					t.Errorf("inserted job kind = %q, want cleanup", job.Kind)
				}

				waitFor(t, events, job.ID)
				if pruner.calls.Load() < 1 {
					t.Error("the job completed but the pruner never ran")
				}
				_, err = db.Auth().RefreshByID(t.Context(), expired.ID)
				if !errors.Is(err, domain.ErrNotFound) {
					t.Errorf("expired refresh token after the prune job: err = %v, want ErrNotFound", err)
				}
			})
		})
	}
}

// waitFor waits until the job with id completes, failing on its failure or
// after 20 seconds. Other jobs' events (the periodic prune) are skipped.
func waitFor(t *testing.T, events <-chan *river.Event, id int64) {
	t.Helper()
	timeout := time.NewTimer(20 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("event subscription closed before the job completed")
			}
			if ev.Job == nil || ev.Job.ID != id {
				continue
			}
			if ev.Kind == river.EventKindJobCompleted && ev.Job.State == rivertype.JobStateCompleted {
				return
			}
			t.Fatalf("job %d: event %s, state %s, errors %s", id, ev.Kind, ev.Job.State, jobErrors(ev.Job))
		case <-timeout.C:
			t.Fatalf("job %d did not complete within 20s", id)
		}
	}
}

func jobErrors(j *rivertype.JobRow) string {
	var msgs []string
	for _, e := range j.Errors {
		msgs = append(msgs, e.Error)
	}
	return strings.Join(msgs, "; ")
}
