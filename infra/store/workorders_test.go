package store_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/workorder"
	"github.com/fieldwork/fieldwork/infra/store"
	"github.com/fieldwork/fieldwork/infra/store/storetest"
)

// The SLA filters of WorkOrders.List are SQL that mirrors
// workorder.Order.Breached and AtRisk. Here both judge the same stored
// orders, in every state, at instants on and around every deadline, with
// the microsecond times and sub-second holds a real clock produces.

// woSLAShape is the history of an order; offsets are from its creation.
type woSLAShape struct {
	status     workorder.Status
	contractor bool
	arrived    *time.Duration
	completed  *time.Duration
	cancelled  *time.Duration
	holdSince  *time.Duration // a hold still running
	paused     time.Duration  // finished holds
	reopened   bool           // completed once, then reopened
}

func woDur(d time.Duration) *time.Duration { return &d }

// randomWOShape draws a consistent order shape.
func randomWOShape(r *rand.Rand, respond time.Duration) woSLAShape {
	// Durations with microseconds, like the system clock's.
	around := func(d time.Duration) time.Duration {
		return time.Duration(r.Int64N(int64(2*d)/1000)) * time.Microsecond
	}
	s := woSLAShape{}
	statuses := []workorder.Status{workorder.Requested, workorder.Approved, workorder.Assigned, workorder.Accepted,
		workorder.EnRoute, workorder.OnSite, workorder.OnHold, workorder.Completed, workorder.Closed, workorder.Cancelled}
	s.status = statuses[r.IntN(len(statuses))]
	if r.IntN(3) == 0 {
		s.paused = around(respond / 2)
	}
	arrive := func() { s.arrived = woDur(around(respond)) }
	switch s.status {
	case workorder.OnSite:
		arrive()
	case workorder.OnHold:
		if r.IntN(2) == 0 {
			arrive()
		}
		s.holdSince = woDur(around(respond))
	case workorder.Completed, workorder.Closed:
		if r.IntN(4) == 0 {
			s.contractor = true // completed by staff, nobody of ours arrived
		} else {
			arrive()
		}
		at := around(2 * respond)
		if s.arrived != nil {
			at += *s.arrived
		}
		s.completed = &at
	case workorder.Cancelled:
		if r.IntN(2) == 0 {
			arrive()
		}
		s.cancelled = woDur(around(2 * respond))
	case workorder.Assigned:
		if r.IntN(3) == 0 { // reopened after completion
			arrive()
			s.reopened = true
			s.completed = woDur(*s.arrived + around(respond))
		}
	}
	return s
}

func (s woSLAShape) order(i int, customerID uuid.UUID, created time.Time, p workorder.Priority, terms workorder.SLATerms) workorder.Order {
	at := func(d *time.Duration) *time.Time {
		if d == nil {
			return nil
		}
		t := created.Add(*d)
		return &t
	}
	respond := terms.Respond[p]
	o := workorder.Order{ID: domain.NewID(), Number: fmt.Sprintf("WO-SLA-%06d", i), Type: workorder.Repair, Status: s.status,
		Version: 1, CustomerID: customerID, VehicleIDs: []uuid.UUID{}, Site: workorder.Site{Address: "Futian"}, Description: "sla",
		Priority: p, RequiredSkills: []string{}, CreatedBy: customerID, CreatedAt: created, UpdatedAt: created, ChangeSeq: int64(i + 1),
		Times: workorder.Times{RespondBy: created.Add(respond), ResolveBy: created.Add(respond * time.Duration(terms.ResolveFactor)),
			ArrivedAt: at(s.arrived), CompletedAt: at(s.completed), CancelledAt: at(s.cancelled), HoldStartedAt: at(s.holdSince),
			Paused: s.paused}}
	if s.contractor {
		o.Contractor = &workorder.Contractor{Name: "Outside Co", Phone: "13800138000", Reason: "nobody free"}
	}
	if s.status == workorder.OnHold {
		o.HeldFrom = workorder.Assigned
		if s.arrived != nil {
			o.HeldFrom = workorder.OnSite
		}
		reason := "waiting"
		o.HoldReason = &reason
	}
	return o
}

// listSLA lists every order the SLA filter admits at now.
func listSLA(t *testing.T, db *store.DB, sla string, now time.Time) []uuid.UUID {
	t.Helper()
	var out []uuid.UUID
	p := domain.PageRequest{Limit: 200}
	for {
		page, err := db.WorkOrders().List(t.Context(), workorder.Filter{SLA: sla, Now: now}, p)
		if err != nil {
			t.Fatalf("list sla=%s: %v", sla, err)
		}
		for _, o := range page.Items {
			out = append(out, o.ID)
		}
		if page.Next == "" {
			return out
		}
		p.After = page.Next
	}
}

func TestWorkOrdersSLAFilters_AgreeWithTheDomain(t *testing.T) {
	for _, f := range storetest.Footings(t) {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			db := fresh(t, f)
			c := addCustomer(t, db, newCustomer("SLA Fleet"))
			terms := workorder.DefaultSLA()
			r := rand.New(rand.NewPCG(1, 2))
			priorities := []workorder.Priority{workorder.Urgent, workorder.High, workorder.Normal, workorder.Low}
			base := time.Date(2026, 2, 3, 4, 5, 6, 789012000, time.UTC)

			var stored []workorder.Order
			for i := range 120 {
				p := priorities[r.IntN(len(priorities))]
				created := base.Add(time.Duration(r.Int64N(int64(48*time.Hour)/1000)) * time.Microsecond)
				o := randomWOShape(r, terms.Respond[p]).order(i, c.ID, created, p, terms)
				if err := db.WorkOrders().Insert(t.Context(), o); err != nil {
					t.Fatalf("insert %+v: %v", o, err)
				}
				got, err := db.WorkOrders().ByID(t.Context(), o.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Times.Paused != o.Times.Paused {
					t.Errorf("%s: paused %v stored as %v", o.Number, o.Times.Paused, got.Times.Paused)
				}
				stored = append(stored, got)
			}

			// Every deadline, and each just before and after it.
			var instants []time.Time
			for _, o := range stored {
				deadlines := []time.Time{o.Times.RespondBy, o.Times.ResolveBy.Add(o.Times.Paused)}
				for _, d := range deadlines {
					for _, delta := range []time.Duration{-time.Hour - time.Microsecond, -time.Hour, -time.Hour + time.Microsecond,
						-500 * time.Millisecond, -time.Microsecond, 0, time.Microsecond, 500 * time.Millisecond} {
						instants = append(instants, d.Add(delta))
					}
				}
			}
			r.Shuffle(len(instants), func(i, j int) { instants[i], instants[j] = instants[j], instants[i] })
			instants = instants[:min(len(instants), 300)]

			mismatches := 0
			for _, now := range instants {
				var breached, atRisk []uuid.UUID
				for _, o := range stored {
					if o.Breached(now) {
						breached = append(breached, o.ID)
					}
					if o.AtRisk(now) {
						atRisk = append(atRisk, o.ID)
					}
				}
				for _, c := range []struct {
					sla  string
					want []uuid.UUID
				}{{"breached", breached}, {"at_risk", atRisk}} {
					got := listSLA(t, db, c.sla, now)
					if diff := symmetricDiff(got, c.want); len(diff) > 0 && mismatches < 5 {
						mismatches++
						for _, id := range diff {
							o := stored[slices.IndexFunc(stored, func(o workorder.Order) bool { return o.ID == id })]
							t.Errorf("sla=%s at %s: SQL says %v, domain says %v for %s %s: %+v",
								c.sla, now.Format(time.RFC3339Nano), slices.Contains(got, id), slices.Contains(c.want, id), o.Number, o.Status, o.Times)
						}
					}
				}
			}
		})
	}
}

func symmetricDiff(a, b []uuid.UUID) []uuid.UUID {
	var out []uuid.UUID
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			out = append(out, x)
		}
	}
	return out
}

// A contractor order completed in time stays in time: the SLA of a finished
// order doesn't change as the clock moves on.
func TestWorkOrderSLA_CompletedWithoutArrivalStaysInTime(t *testing.T) {
	created := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	terms := workorder.DefaultSLA()
	o := woSLAShape{status: workorder.Completed, contractor: true, completed: woDur(time.Hour)}.
		order(0, uuid.New(), created, workorder.Urgent, terms)
	for _, later := range []time.Duration{2 * time.Hour, 5 * time.Hour, 30 * 24 * time.Hour} {
		if s := o.SLAAt(created.Add(later)); s.ResponseBreached || s.ResolutionBreached {
			t.Errorf("%v after creation: %+v", later, s)
		}
	}
}
