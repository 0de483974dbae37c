package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

type report struct {
	machine               string
	opts                  options
	seeded                time.Duration
	getFieldwork, getBare []result
	boardFirst, boardLast result
	boardPages            int
	writes                []result
	ceilings              []ceiling
	costs                 []cost
	history               result
	finance               []result
	presign, complete     result
	photoStore            string
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

func row(w io.Writer, r result) {
	fmt.Fprintf(w, "| %s | %d | %.0f | %s | %s | %s | %s |\n", r.name, r.count, r.rps, ms(r.p50), ms(r.p90), ms(r.p99), ms(r.maxL))
}

const header = "| scenario | requests | req/s | p50 ms | p90 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|\n"

func (r report) write(w io.Writer) {
	fmt.Fprintf(w, "Machine: %s\n\n", r.machine)
	fmt.Fprintf(w, "Data: %d work orders, %d customers (%d vehicles), %d technicians", r.opts.orders, r.opts.customers, r.opts.customers*5, r.opts.technicians)
	if r.seeded > 0 {
		fmt.Fprintf(w, "; seeded in %s", r.seeded.Round(time.Second))
	}
	fmt.Fprintln(w, ".")
	if len(r.getFieldwork) > 1 && len(r.getBare) > 1 {
		fmt.Fprintf(w, "\n### GET /v1/work-orders/{id} as a technician\n\n%s", header)
		for i, fw := range r.getFieldwork {
			fw.name = "fieldwork, " + fw.name
			row(w, fw)
			b := r.getBare[i]
			b.name = "bare echo+pgx, " + b.name
			row(w, b)
		}
		fmt.Fprintf(w, "\nThroughput ratio fieldwork / bare (max throughput): **%.2f**\n", r.getFieldwork[1].rps/r.getBare[1].rps)
	}
	if r.boardFirst.count > 0 {
		fmt.Fprintf(w, "\n### Dispatch board (status=approved,assigned, sort=respond_by, limit=50; %d pages)\n\n%s", r.boardPages, header)
		row(w, r.boardFirst)
		row(w, r.boardLast)
		fmt.Fprintf(w, "\nLast page / first page (p50): **%.2f**\n", float64(r.boardLast.p50)/float64(r.boardFirst.p50))
	}
	if len(r.finance) > 0 {
		fmt.Fprintf(w, "\n### Finance as a manager (50 req/s)\n\n%s", header)
		for _, f := range r.finance {
			row(w, f)
		}
	}
	if r.history.count > 0 {
		fmt.Fprintf(w, "\n### Chain of custody of a unit with 1,000 steps (50 req/s)\n\n%s", header)
		row(w, r.history)
	}
	if r.presign.count > 0 {
		fmt.Fprintf(w, "\n### Photos: presign, upload to %s, complete (one after another)\n\n%s", r.photoStore, header)
		row(w, r.presign)
		row(w, r.complete)
	}
	if len(r.writes) > 0 {
		fmt.Fprintf(w, "\n### Create and transitions at %d req/s\n\n%s", r.opts.writeRate, header)
		for _, x := range r.writes {
			row(w, x)
		}
	}
	if len(r.ceilings) > 0 {
		r.writeCeilings(w)
	}
	if len(r.costs) > 0 {
		r.writeCosts(w)
	}
}

// writeCeilings reports each write step's ceiling against its floor's.
func (r report) writeCeilings(w io.Writer) {
	fmt.Fprintf(w, "\n### Write ceilings, closed loop, %d clients (4 alternating rounds)\n\n", ceilingWorkers)
	fmt.Fprintf(w, "| step | fieldwork req/s | p99 ms | floor | floor req/s | p99 ms | ratio | CPU ms/req fieldwork (server, PostgreSQL) | floor |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|---|---|---|---|\n")
	floors := map[string]ceiling{}
	for _, c := range r.ceilings {
		if c.bare.count > 0 {
			floors[c.step] = c
		}
	}
	for _, c := range r.ceilings {
		f := floors[c.floorOf]
		fmt.Fprintf(w, "| %s | %.0f | %s | %s | %.0f | %s | **%.2f** | %.2f, %.2f | %.2f, %.2f |\n", c.step, c.fw.rps, ms(c.fw.p99), c.floorOf,
			f.bare.rps, ms(f.bare.p99), c.fw.rps/f.bare.rps, c.fwCPU.app, c.fwCPU.db, f.bareCPU.app, f.bareCPU.db)
	}
}

// writeCosts reports the statements each write step runs.
func (r report) writeCosts(w io.Writer) {
	fmt.Fprintf(w, "\n### Cost per request (pg_stat_statements, %d requests a step, one at a time)\n\n", r.costs[0].fw.requests)
	fmt.Fprintf(w, "Statements per request, BEGIN and COMMIT included; each is one round trip. Write transactions are the transaction ids handed out; with synchronous commit each waits for a WAL flush.\n\n")
	fmt.Fprintf(w, "| step | fieldwork statements | write transactions | floor statements | write transactions |\n|---|---|---|---|---|\n")
	for _, c := range r.costs {
		floor := "– | –"
		if c.bare.requests > 0 {
			floor = fmt.Sprintf("%.1f | %.1f", c.bare.statements, c.bare.writeTx)
		}
		fmt.Fprintf(w, "| %s | %.1f | %.1f | %s |\n", c.step, c.fw.statements, c.fw.writeTx, floor)
	}
	if !r.opts.statements {
		return
	}
	for _, c := range r.costs {
		for _, side := range []struct {
			name string
			sc   stmtCost
		}{{"fieldwork", c.fw}, {"floor", c.bare}} {
			if side.sc.requests == 0 {
				continue
			}
			fmt.Fprintf(w, "\n#### %s, %s: %.1f statements\n\n| per request | statement |\n|---|---|\n", c.step, side.name, side.sc.statements)
			for _, l := range side.sc.lines {
				fmt.Fprintf(w, "| %.2f | `%s` |\n", l.perRequest, strings.ReplaceAll(l.query, "|", "\\|"))
			}
		}
	}
}
