package main

import (
	"fmt"
	"io"
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
	history               result
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
}
