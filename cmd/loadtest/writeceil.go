package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/pprof/profile"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// order is a work order the write scenarios move along, with the version
// its next If-Match names.
type order struct {
	id      uuid.UUID
	version int
}

// orderQueue hands orders from one write step to the next.
type orderQueue struct {
	mu    sync.Mutex
	items []order
}

func (q *orderQueue) put(o order) { q.mu.Lock(); q.items = append(q.items, o); q.mu.Unlock() }

func (q *orderQueue) take() (order, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		return order{}, false
	}
	o := q.items[0]
	q.items = q.items[1:]
	return o, true
}

// split deals the queue's orders into n queues, so that each round of a
// ceiling gets its share and no round starves the next.
func (q *orderQueue) split(n int) []*orderQueue {
	out := make([]*orderQueue, n)
	per := len(q.items) / n
	for i := range out {
		out[i] = &orderQueue{items: q.items[i*per : (i+1)*per]}
	}
	q.items = nil
	return out
}

// writeStep is one lifecycle action as the scenarios send it.
type writeStep struct {
	action, token string
	body          any
}

// writeSteps are the transitions after create, in lifecycle order.
func (f *fixture) writeSteps() []writeStep {
	techID := f.techOfToken()
	return []writeStep{
		{"approve", f.manager, nil},
		{"assign", f.dispatch, map[string]any{"technician_id": techID}},
		{"accept", f.tech, nil},
		{"depart", f.tech, map[string]any{"checklist": map[string]bool{"details_verified": true, "tools_ready": true, "parts_ready": true}}},
		{"arrive", f.tech, map[string]any{"lat": 22.531, "lng": 113.931}},
		{"complete", f.tech, map[string]any{"resolution": "reseated the SIM"}},
		{"close", f.dispatch, nil},
	}
}

// create posts a repair order for a random customer to base.
func (f *fixture) create(base string) (order, error) {
	c := f.customers[rand.IntN(len(f.customers))]
	body := map[string]any{"type": "repair", "customer_id": c, "vehicle_id": f.vehicles[c][0], "priority": "high",
		"site": map[string]any{"address": "Nanshan", "lat": 22.53, "lng": 113.93}, "description": "no signal"}
	st, raw, _, err := call("POST", base+"/v1/work-orders", f.manager, body, map[string]string{"Idempotency-Key": uuid.NewString()})
	if err != nil {
		return order{}, err
	}
	if err := expect(st, 201, raw); err != nil {
		return order{}, err
	}
	var w struct {
		ID      uuid.UUID `json:"id"`
		Version int       `json:"version"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return order{}, err
	}
	return order{w.ID, w.Version}, nil
}

// transition sends one lifecycle action for w to base and counts its version up.
func (f *fixture) transition(base string, s writeStep, w *order) error {
	st, raw, _, err := call("POST", base+"/v1/work-orders/"+w.id.String()+"/"+s.action, s.token, s.body,
		map[string]string{"If-Match": fmt.Sprintf(`"%d"`, w.version), "Idempotency-Key": uuid.NewString()})
	if err != nil {
		return err
	}
	if err := expect(st, 200, raw); err != nil {
		return err
	}
	w.version++
	return nil
}

// ceiling is one write step's closed-loop throughput, the service's and,
// where there is one, its floor's, with what a request cost in CPU.
type ceiling struct {
	step           string
	floorOf        string // the floor it is held to: "create" or "approve"
	fw, bare       result
	fwCPU, bareCPU cpuCost
}

// cpuCost is CPU milliseconds per request: the server's own (its goroutines,
// from a CPU profile) and PostgreSQL's (all its processes, from /proc).
type cpuCost struct{ app, db float64 }

const ceilingWorkers = 16

// writeCeilings measures each write step closed loop. Create and approve
// alternate rounds with their floor, as the GET comparison does; the later
// transitions run the service alone and are held to the approve floor. Each
// step's orders come from the step before, service's and floor's alike.
func (f *fixture) writeCeilings(ctx context.Context, o options) ([]ceiling, error) {
	const rounds = 4
	d := o.duration / rounds
	created := &orderQueue{}
	var out []ceiling

	c := ceiling{step: "create", floorOf: "create"}
	var fws, bares []result
	var fwCPU, bareCPU []cpuCost
	for range rounds {
		for _, side := range []string{"service", "floor"} {
			base := f.appURL
			if side == "floor" {
				base = f.bareURL
			}
			r, cpu, err := f.profiled(ctx, side, profilePath(o, "create", side), func() result {
				return closedLoop(ctx, "create", ceilingWorkers, d, func(int) error {
					w, err := f.create(base)
					if err == nil {
						created.put(w)
					}
					return err
				})
			})
			if err != nil {
				return nil, err
			}
			if side == "service" {
				fws, fwCPU = append(fws, r), append(fwCPU, cpu)
			} else {
				bares, bareCPU = append(bares, r), append(bareCPU, cpu)
			}
		}
	}
	c.fw, c.bare, c.fwCPU, c.bareCPU = merge(fws), merge(bares), meanCost(fwCPU, fws), meanCost(bareCPU, bares)
	out = append(out, c)

	steps := f.writeSteps()
	in := created
	for _, s := range steps {
		next := &orderQueue{}
		c := ceiling{step: s.action, floorOf: "approve"}
		sides := []string{"service"}
		if s.action == "approve" {
			sides = append(sides, "floor")
		}
		shares := in.split(rounds * len(sides))
		var fws, bares []result
		var fwCPU, bareCPU []cpuCost
		for round := range rounds {
			for i, side := range sides {
				base := f.appURL
				if side == "floor" {
					base = f.bareURL
				}
				share := shares[round*len(sides)+i]
				r, cpu, err := f.profiled(ctx, side, profilePath(o, s.action, side), func() result {
					return closedLoop(ctx, s.action, ceilingWorkers, d, func(int) error {
						w, ok := share.take()
						if !ok {
							return errExhausted
						}
						if err := f.transition(base, s, &w); err != nil {
							return err
						}
						next.put(w)
						return nil
					})
				})
				if err != nil {
					return nil, err
				}
				if side == "service" {
					fws, fwCPU = append(fws, r), append(fwCPU, cpu)
				} else {
					bares, bareCPU = append(bares, r), append(bareCPU, cpu)
				}
			}
		}
		c.fw, c.fwCPU = merge(fws), meanCost(fwCPU, fws)
		if len(bares) > 0 {
			c.bare, c.bareCPU = merge(bares), meanCost(bareCPU, bares)
		}
		out = append(out, c)
		in = next
	}
	for _, c := range out {
		if c.fw.failed > 0 || c.bare.failed > 0 {
			return out, fmt.Errorf("ceiling of %s: %d requests failed", c.step, c.fw.failed+c.bare.failed)
		}
	}
	return out, nil
}

// meanCost weighs each round's cost by its requests.
func meanCost(cs []cpuCost, rs []result) cpuCost {
	var out cpuCost
	n := 0
	for i, c := range cs {
		out.app += c.app * float64(rs[i].count)
		out.db += c.db * float64(rs[i].count)
		n += rs[i].count
	}
	if n > 0 {
		out.app /= float64(n)
		out.db /= float64(n)
	}
	return out
}

// profilePath is where the CPU profile of a write step's ceiling goes
// (the last round's), or "" for none.
func profilePath(o options, step, side string) string {
	if o.cpuProfile == "" {
		return ""
	}
	return o.cpuProfile + "." + step + "." + side
}

// profiled runs fn under a CPU profile and reports the CPU per request of
// the server labelled side, and of PostgreSQL meanwhile. The profile is
// kept at path unless that is "".
func (f *fixture) profiled(ctx context.Context, side, path string, fn func() result) (result, cpuCost, error) {
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		return result{}, cpuCost{}, err
	}
	db0 := f.postgresCPU(ctx)
	r := fn()
	db1 := f.postgresCPU(ctx)
	pprof.StopCPUProfile()
	if path != "" {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return r, cpuCost{}, err
		}
	}
	if r.count == 0 {
		return r, cpuCost{}, nil
	}
	p, err := profile.Parse(&buf)
	if err != nil {
		return r, cpuCost{}, fmt.Errorf("read CPU profile: %w", err)
	}
	idx := -1
	for i, st := range p.SampleType {
		if st.Type == "cpu" {
			idx = i
		}
	}
	var ns int64
	for _, s := range p.Sample {
		if idx >= 0 && len(s.Label["side"]) > 0 && s.Label["side"][0] == side {
			ns += s.Value[idx]
		}
	}
	return r, cpuCost{app: float64(ns) / 1e6 / float64(r.count), db: cpuSince(db0, db1).Seconds() * 1000 / float64(r.count)}, nil
}

// postgresCPU is the CPU time used so far by each process of the
// database, backends and background alike (from pg_stat_activity and
// /proc: the load tool runs beside its database).
func (f *fixture) postgresCPU(ctx context.Context) map[int]time.Duration {
	out := map[int]time.Duration{}
	rows, err := f.pool.Query(ctx, "SELECT pid FROM pg_stat_activity")
	if err != nil {
		return out
	}
	pids, _ := pgx.CollectRows(rows, pgx.RowTo[int32])
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		s := string(b)
		end := strings.LastIndexByte(s, ')')
		if end < 0 {
			continue
		}
		fields := strings.Fields(s[end+2:])
		if len(fields) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(fields[11], 10, 64)
		k, _ := strconv.ParseInt(fields[12], 10, 64)
		out[int(pid)] = time.Duration(u+k) * 10 * time.Millisecond // USER_HZ is 100 on Linux
	}
	return out
}

// cpuSince is the CPU the processes of before used since.
func cpuSince(before, after map[int]time.Duration) time.Duration {
	var d time.Duration
	for pid, t := range after {
		if t0, ok := before[pid]; ok {
			d += t - t0
		}
	}
	return d
}

// stmtCost is what one write step cost the database per request, from
// pg_stat_statements: every statement the request ran, BEGIN and COMMIT
// included. Neither server pipelines, so each statement is a round trip.
type stmtCost struct {
	requests   int
	statements float64
	// writeTx are the transactions per request that wrote, counted by the
	// transaction ids handed out: with synchronous commit, each commit of
	// one waits for a WAL flush.
	writeTx float64
	lines   []stmtLine
}

type stmtLine struct {
	perRequest float64
	query      string
}

// cost is one write step's statements, the service's and its floor's.
type cost struct {
	step     string
	fw, bare stmtCost
}

// writeCosts runs each write step n times, one request at a time, with the
// job runner stopped, and reads what the requests ran from
// pg_stat_statements. Counts, unlike times, do not depend on the machine.
func (f *fixture) writeCosts(ctx context.Context, n int) ([]cost, error) {
	if _, err := f.pool.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()"); err != nil {
		return nil, fmt.Errorf("pg_stat_statements is not available (scripts/loadtest.sh preloads it): %w", err)
	}
	if err := f.app.Jobs.Stop(ctx); err != nil {
		return nil, err
	}
	defer func() { _ = f.app.Jobs.Start(ctx) }()
	measure := func(fn func(i int) error) (stmtCost, error) {
		var xid0, xid1 int64
		if err := f.pool.QueryRow(ctx, "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint, pg_stat_statements_reset() IS NOT NULL").
			Scan(&xid0, new(bool)); err != nil {
			return stmtCost{}, err
		}
		for i := range n {
			if err := fn(i); err != nil {
				return stmtCost{}, err
			}
		}
		if err := f.pool.QueryRow(ctx, "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint").Scan(&xid1); err != nil {
			return stmtCost{}, err
		}
		sc, err := f.statements(ctx, n)
		sc.writeTx = float64(xid1-xid0) / float64(n)
		return sc, err
	}
	var out []cost
	fwOrders, bareOrders := make([]order, n), make([]order, n)
	c := cost{step: "create"}
	var err error
	if c.fw, err = measure(func(i int) (err error) { fwOrders[i], err = f.create(f.appURL); return err }); err != nil {
		return nil, err
	}
	if c.bare, err = measure(func(i int) (err error) { bareOrders[i], err = f.create(f.bareURL); return err }); err != nil {
		return nil, err
	}
	out = append(out, c)
	for _, s := range f.writeSteps() {
		c := cost{step: s.action}
		if c.fw, err = measure(func(i int) error { return f.transition(f.appURL, s, &fwOrders[i]) }); err != nil {
			return nil, fmt.Errorf("%s: %w", s.action, err)
		}
		if s.action == "approve" {
			if c.bare, err = measure(func(i int) error { return f.transition(f.bareURL, s, &bareOrders[i]) }); err != nil {
				return nil, fmt.Errorf("floor %s: %w", s.action, err)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// statements reads pg_stat_statements for this database since the reset.
func (f *fixture) statements(ctx context.Context, requests int) (stmtCost, error) {
	rows, err := f.pool.Query(ctx, `SELECT calls, query FROM pg_stat_statements
		WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%pg_current_snapshot%'`)
	if err != nil {
		return stmtCost{}, err
	}
	type line struct {
		Calls int64
		Query string
	}
	lines, err := pgx.CollectRows(rows, pgx.RowToStructByPos[line])
	if err != nil {
		return stmtCost{}, err
	}
	out := stmtCost{requests: requests}
	for _, l := range lines {
		per := float64(l.Calls) / float64(requests)
		out.statements += per
		q := strings.Join(strings.Fields(l.Query), " ")
		if len(q) > 110 {
			q = q[:107] + "..."
		}
		out.lines = append(out.lines, stmtLine{per, q})
	}
	sort.Slice(out.lines, func(i, j int) bool {
		if out.lines[i].perRequest != out.lines[j].perRequest {
			return out.lines[i].perRequest > out.lines[j].perRequest
		}
		return out.lines[i].query < out.lines[j].query
	})
	return out, nil
}
