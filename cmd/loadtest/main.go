// Command loadtest seeds PostgreSQL with a realistic book of work orders and
// measures the service against it on this machine: reading an order as a
// technician (against a bare echo + pgx floor running the same SQL and JWT
// check), the dispatch board, and creates and transitions. It prints a
// Markdown report for docs/performance.md.
//
//	go run ./cmd/loadtest -database-url postgres://... [-orders 1000000]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

type options struct {
	databaseURL string
	orders      int
	customers   int
	technicians int
	readRate    int
	writeRate   int
	duration    time.Duration
	skipSeed    bool
	boardPages  int
	cpuProfile  string
	scenarios   string
	costN       int
	statements  bool
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	var o options
	fs.StringVar(&o.databaseURL, "database-url", os.Getenv("DATABASE_URL"), "PostgreSQL database to seed and test (emptied first unless -skip-seed)")
	fs.IntVar(&o.orders, "orders", 1_000_000, "work orders to seed")
	fs.IntVar(&o.customers, "customers", 2000, "customers to seed")
	fs.IntVar(&o.technicians, "technicians", 300, "technicians to seed")
	fs.IntVar(&o.readRate, "read-rate", 500, "requests per second for the read scenarios")
	fs.IntVar(&o.writeRate, "write-rate", 200, "requests per second for creates and transitions")
	fs.DurationVar(&o.duration, "duration", 20*time.Second, "how long each constant-rate scenario runs")
	fs.BoolVar(&o.skipSeed, "skip-seed", false, "reuse an already seeded database")
	fs.IntVar(&o.boardPages, "board-samples", 200, "requests per dispatch-board page measured")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write CPU profiles of the max-throughput GET scenarios here (the floor's with .bare appended), and of the write ceilings with .<step>.<service|floor>")
	fs.StringVar(&o.scenarios, "scenarios", "get,board,history,photos,finance,writes,ceilings,costs",
		"which scenarios to run, comma-separated: writes is at the write rate, ceilings closed loop against the write floor, costs counts statements")
	fs.IntVar(&o.costN, "cost-requests", 100, "requests per write step whose statements the costs scenario counts")
	fs.BoolVar(&o.statements, "statements", false, "list each write step's statements in the report")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.databaseURL == "" {
		return fmt.Errorf("-database-url (or DATABASE_URL) is required")
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	say := func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", a...)
	}

	fixture, err := prepare(ctx, o, logger, say)
	if err != nil {
		return err
	}
	defer fixture.close()

	r := report{machine: machine(), opts: o, seeded: fixture.seedTime}
	wanted := func(name string) bool { return strings.Contains(","+o.scenarios+",", ","+name+",") }
	if wanted("get") {
		say("scenario: GET /v1/work-orders/{id} as a technician, fieldwork vs bare echo+pgx, %d req/s", o.readRate)
		if r.getFieldwork, r.getBare, err = fixture.compareGet(ctx, o); err != nil {
			return err
		}
	}
	if wanted("board") {
		say("scenario: dispatch board")
		if r.boardFirst, r.boardLast, r.boardPages, err = fixture.board(ctx, o); err != nil {
			return err
		}
	}
	if wanted("history") {
		say("scenario: custody history")
		if r.history, err = fixture.history(ctx, o); err != nil {
			return err
		}
	}
	if wanted("photos") {
		say("scenario: photos")
		if r.presign, r.complete, err = fixture.photos(ctx, 1000); err != nil {
			return err
		}
		r.photoStore = fixture.photoStore
	}
	if wanted("finance") {
		say("scenario: cash in hand and the payments list, 50 req/s")
		if r.finance, err = fixture.finance(ctx, o); err != nil {
			return err
		}
	}
	if wanted("writes") {
		say("scenario: create and transitions at %d req/s", o.writeRate)
		if r.writes, err = fixture.writes(ctx, o); err != nil {
			return err
		}
	}
	if wanted("ceilings") {
		say("scenario: write ceilings, closed loop, %d clients, fieldwork vs bare echo+pgx", ceilingWorkers)
		if r.ceilings, err = fixture.writeCeilings(ctx, o); err != nil {
			return err
		}
	}
	if wanted("costs") {
		say("scenario: statements per write, %d requests a step", o.costN)
		if r.costs, err = fixture.writeCosts(ctx, o.costN); err != nil {
			return err
		}
	}
	r.write(stdout)
	return nil
}

func machine() string {
	host, _ := os.Hostname()
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if len(line) > 10 && line[:10] == "model name" {
				cpu = line[len("model name\t: "):]
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d cores (%s), %s %s/%s, host %s", cpu, runtime.NumCPU(), "GOMAXPROCS "+fmt.Sprint(runtime.GOMAXPROCS(0)),
		runtime.Version(), runtime.GOOS, runtime.GOARCH, host)
}
