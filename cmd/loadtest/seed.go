package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fieldwork/fieldwork/cmd/fieldwork/app"
	"github.com/fieldwork/fieldwork/domain/workorder"
	"github.com/fieldwork/fieldwork/infra/auth"
)

const (
	password  = "loadtest-password-1"
	jwtSecret = "loadtest-secret-loadtest-secret-0123456789"
)

// fixture is a seeded database with the service and the floor server running.
type fixture struct {
	pool       *pgxpool.Pool
	app        *app.App
	appURL     string
	bareURL    string
	stop       []func()
	seedTime   time.Duration
	tech       string // a technician's access token
	techOrder  []uuid.UUID
	manager    string
	dispatch   string
	techIDs    []uuid.UUID
	customers  []uuid.UUID
	photoStore string
	vehicles   map[uuid.UUID][]uuid.UUID
}

func (f *fixture) close() {
	for i := len(f.stop) - 1; i >= 0; i-- {
		f.stop[i]()
	}
}

func prepare(ctx context.Context, o options, logger *slog.Logger, say func(string, ...any)) (*fixture, error) {
	pool, err := pgxpool.New(ctx, o.databaseURL)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	f := &fixture{pool: pool, stop: []func(){pool.Close}, vehicles: map[uuid.UUID][]uuid.UUID{}}
	cfg, err := app.ConfigFromEnv(func(k string) string {
		return map[string]string{"DATABASE_URL": o.databaseURL, "FIELDWORK_JWT_SECRET": jwtSecret,
			"FIELDWORK_ADMIN_PASSWORD": password, "FIELDWORK_RATE_LIMIT": "0", "FIELDWORK_LOG_LEVEL": "warn"}[k]
	})
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "fieldwork-loadtest")
	if err != nil {
		return nil, err
	}
	f.stop = append(f.stop, func() { os.RemoveAll(dir) })
	cfg.DataDir = dir
	f.photoStore = "the local photo directory"
	if ep := os.Getenv("FIELDWORK_TEST_S3_ENDPOINT"); ep != "" {
		cfg.S3 = app.S3Config{Endpoint: ep, AccessKey: os.Getenv("FIELDWORK_TEST_S3_ACCESS_KEY"), SecretKey: os.Getenv("FIELDWORK_TEST_S3_SECRET_KEY"),
			Bucket: "loadtest", UseSSL: os.Getenv("FIELDWORK_TEST_S3_USE_SSL") == "true"}
		f.photoStore = "MinIO"
	}

	if !o.skipSeed {
		say("emptying the database")
		if _, err := pool.Exec(ctx, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"); err != nil {
			return nil, fmt.Errorf("empty database: %w", err)
		}
		if err := app.Migrate(ctx, cfg, logger); err != nil {
			return nil, err
		}
		start := time.Now()
		if err := f.seed(ctx, o, say); err != nil {
			return nil, err
		}
		f.seedTime = time.Since(start)
	}
	if err := f.loadIDs(ctx); err != nil {
		return nil, err
	}

	a, err := app.New(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	if err := a.Start(ctx); err != nil {
		return nil, err
	}
	f.app = a
	f.stop = append(f.stop, func() { _ = a.Close(context.Background()) })
	if f.appURL, err = serve(a.HTTP, "service", f); err != nil {
		return nil, err
	}
	bare, err := newBare(pool, []byte(jwtSecret))
	if err != nil {
		return nil, err
	}
	if f.bareURL, err = serve(bare, "floor", f); err != nil {
		return nil, err
	}
	if f.tech, err = login(f.appURL, "tech001"); err != nil {
		return nil, err
	}
	if f.manager, err = login(f.appURL, "lt-manager"); err != nil {
		return nil, err
	}
	if f.dispatch, err = login(f.appURL, "lt-dispatcher"); err != nil {
		return nil, err
	}
	rows, err := pool.Query(ctx, `SELECT w.id FROM work_orders w JOIN users u ON u.id = w.technician_id WHERE u.username = 'tech001'`)
	if err != nil {
		return nil, err
	}
	f.techOrder, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil || len(f.techOrder) == 0 {
		return nil, fmt.Errorf("orders of tech001: %d, %v", len(f.techOrder), err)
	}
	return f, nil
}

// serve runs h on a loopback port. Its requests carry the CPU profile label
// side, so the tool can tell the server's CPU from its own.
func serve(h http.Handler, side string, f *fixture) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	labels := pprof.Labels("side", side)
	labelled := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pprof.Do(r.Context(), labels, func(ctx context.Context) { h.ServeHTTP(w, r.WithContext(ctx)) })
	})
	srv := &http.Server{Handler: labelled, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	f.stop = append(f.stop, func() { _ = srv.Close() })
	return "http://" + ln.Addr().String(), nil
}

// v7At is a UUIDv7 for a past moment, so seeded ids sort like real ones.
func v7At(t time.Time, r *rand.Rand) uuid.UUID {
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[0:8], uint64(t.UnixMilli())<<16|uint64(r.Uint32()&0x0fff)|0x7000)
	binary.BigEndian.PutUint64(u[8:16], r.Uint64()&0x3fffffffffffffff|0x8000000000000000)
	return u
}

// statusMix is the share of orders in each state in a live book: most work is long closed.
var statusMix = []struct {
	status workorder.Status
	per10k int
}{
	{workorder.Closed, 8500}, {workorder.Completed, 500}, {workorder.Cancelled, 200}, {workorder.Requested, 200},
	{workorder.Approved, 200}, {workorder.Assigned, 200}, {workorder.Accepted, 80}, {workorder.EnRoute, 40},
	{workorder.OnSite, 40}, {workorder.OnHold, 40},
}

func pickStatus(r *rand.Rand) workorder.Status {
	n := r.IntN(10000)
	for _, s := range statusMix {
		if n < s.per10k {
			return s.status
		}
		n -= s.per10k
	}
	return workorder.Closed
}

func (f *fixture) seed(ctx context.Context, o options, say func(string, ...any)) error {
	r := rand.New(rand.NewPCG(1, 2))
	now := time.Now().UTC().Truncate(time.Microsecond)
	hash, err := auth.NewPasswords(auth.DefaultArgon2).Hash(password)
	if err != nil {
		return err
	}
	copyRows := func(table string, cols []string, n int, row func(i int) []any) error {
		i := 0
		_, err := f.pool.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			i++
			return row(i - 1), nil
		}))
		if err != nil {
			return fmt.Errorf("seed %s: %w", table, err)
		}
		return nil
	}

	say("seeding %d customers, %d vehicles", o.customers, o.customers*5)
	customers := make([]uuid.UUID, o.customers)
	err = copyRows("customers", []string{"id", "name", "contact_name", "phone", "address", "search_text", "created_at", "updated_at"}, o.customers,
		func(i int) []any {
			customers[i] = v7At(now.Add(-2*365*24*time.Hour), r)
			name := fmt.Sprintf("Fleet %04d", i)
			return []any{customers[i], name, "Contact " + name, "13800138000", "Shenzhen", strings.ToLower(name), now, now}
		})
	if err != nil {
		return err
	}
	vehicles := make([]uuid.UUID, o.customers*5)
	err = copyRows("vehicles", []string{"id", "customer_id", "plate", "search_text", "created_at", "updated_at"}, len(vehicles), func(i int) []any {
		vehicles[i] = v7At(now.Add(-2*365*24*time.Hour), r)
		plate := fmt.Sprintf("粤B%05d", i)
		return []any{vehicles[i], customers[i/5], plate, strings.ToLower(plate), now, now}
	})
	if err != nil {
		return err
	}

	say("seeding %d technicians and desk users", o.technicians)
	techs := make([]uuid.UUID, o.technicians)
	var managerID uuid.UUID
	users := o.technicians + 2
	err = copyRows("users", []string{"id", "username", "display_name", "role", "disabled", "on_duty", "skills", "password_hash", "created_at", "updated_at"}, users,
		func(i int) []any {
			id := v7At(now.Add(-365*24*time.Hour), r)
			switch i {
			case o.technicians:
				managerID = id
				return []any{id, "lt-manager", "Load Manager", "manager", false, false, "[]", hash, now, now}
			case o.technicians + 1:
				return []any{id, "lt-dispatcher", "Load Dispatcher", "dispatcher", false, false, "[]", hash, now, now}
			}
			techs[i] = id
			return []any{id, fmt.Sprintf("tech%03d", i+1), fmt.Sprintf("Technician %d", i+1), "technician", false, i%3 != 0, `["install","repair"]`, hash, now, now}
		})
	if err != nil {
		return err
	}
	err = copyRows("technician_locations", []string{"user_id", "lat", "lng", "accuracy_m", "recorded_at"}, o.technicians, func(i int) []any {
		return []any{techs[i], 22.4 + r.Float64()*0.4, 113.8 + r.Float64()*0.6, 10.0, now}
	})
	if err != nil {
		return err
	}

	say("seeding %d work orders", o.orders)
	sla := workorder.DefaultSLA()
	prios := []workorder.Priority{workorder.Low, workorder.Normal, workorder.Normal, workorder.Normal, workorder.High, workorder.Urgent}
	cols := []string{"id", "number", "type", "status", "version", "customer_id", "site_address", "site_lat", "site_lng", "description",
		"priority", "required_skills", "technician_id", "created_by", "created_at", "updated_at", "change_seq", "respond_by", "resolve_by",
		"resolve_deadline", "paused_seconds", "approved_at", "departed_at", "arrived_at", "completed_at", "closed_at", "cancelled_at",
		"hold_started_at", "held_from", "hold_reason", "resolution"}
	type seeded struct {
		id, vehicle, tech, customer uuid.UUID
		at                          time.Time
		done                        bool // completed or closed
	}
	orders := make([]seeded, o.orders)
	span := 365 * 24 * time.Hour
	// One order every `every`: i*span would overflow int64 nanoseconds.
	every := span / time.Duration(o.orders)
	numbers := map[int]int{}
	err = copyRows("work_orders", cols, o.orders, func(i int) []any {
		created := now.Add(-span + time.Duration(i)*every)
		id := v7At(created, r)
		cust := r.IntN(o.customers)
		veh := vehicles[cust*5+r.IntN(5)]
		st := pickStatus(r)
		p := prios[r.IntN(len(prios))]
		respond := sla.Respond[p]
		numbers[created.Year()]++
		var tech any
		var techID uuid.UUID
		var approved, departed, arrived, completed, closed, cancelled, held any
		var heldFrom, holdReason, resolution any
		step := func(m int) time.Time { return created.Add(time.Duration(m) * time.Minute) }
		switch st {
		case workorder.Requested, workorder.Cancelled:
			if st == workorder.Cancelled {
				cancelled = step(30)
			}
		default:
			approved = step(10)
			if st != workorder.Approved {
				techID = techs[r.IntN(len(techs))]
				tech = techID
			}
			if st == workorder.EnRoute || st == workorder.OnSite || st == workorder.OnHold || st == workorder.Completed || st == workorder.Closed {
				departed = step(40)
			}
			if st == workorder.OnSite || st == workorder.OnHold || st == workorder.Completed || st == workorder.Closed {
				arrived = step(40 + 20 + r.IntN(int(respond.Minutes())))
			}
			if st == workorder.OnHold {
				held, heldFrom, holdReason = step(300), "on_site", "waiting for a part"
			}
			if st == workorder.Completed || st == workorder.Closed {
				completed, resolution = step(400), "replaced the unit"
			}
			if st == workorder.Closed {
				closed = step(600)
			}
		}
		orders[i] = seeded{id: id, vehicle: veh, tech: techID, customer: customers[cust], at: created,
			done: st == workorder.Completed || st == workorder.Closed}
		return []any{id, fmt.Sprintf("WO-%d-%06d", created.Year(), numbers[created.Year()]), []string{"repair", "install"}[r.IntN(2)], string(st), 4,
			customers[cust], "Shenzhen site", 22.5 + r.Float64()*0.2, 113.9 + r.Float64()*0.3, "tracker offline",
			string(p), "[]", tech, techs[0], created, created, int64(i + 1), created.Add(respond), created.Add(2 * respond),
			created.Add(2 * respond), int64(0), approved, departed, arrived, completed, closed, cancelled, held, heldFrom, holdReason, resolution}
	})
	if err != nil {
		return err
	}
	err = copyRows("work_order_vehicles", []string{"work_order_id", "vehicle_id", "position"}, o.orders, func(i int) []any {
		return []any{orders[i].id, orders[i].vehicle, 0}
	})
	if err != nil {
		return err
	}
	var assigned []seeded
	for _, s := range orders {
		if s.tech != uuid.Nil {
			assigned = append(assigned, s)
		}
	}
	err = copyRows("work_order_assignments", []string{"work_order_id", "technician_id", "assigned_at"}, len(assigned), func(i int) []any {
		return []any{assigned[i].id, assigned[i].tech, assigned[i].at}
	})
	if err != nil {
		return err
	}
	if err := seedPayments(copyRows, r, now, managerID, func(yield func(order, customer, tech uuid.UUID, at time.Time)) {
		for _, s := range orders {
			if s.done && s.tech != uuid.Nil {
				yield(s.id, s.customer, s.tech, s.at)
			}
		}
	}, say); err != nil {
		return err
	}
	batch := &pgx.Batch{}
	for year, n := range numbers {
		batch.Queue("INSERT INTO counters (name, value) VALUES ($1, $2)", fmt.Sprintf("work_order_number_%d", year), n)
	}
	batch.Queue("INSERT INTO counters (name, value) VALUES ('work_order_change_seq', $1)", o.orders)
	if err := f.pool.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("seed counters: %w", err)
	}
	say("analyzing")
	_, err = f.pool.Exec(ctx, "VACUUM ANALYZE")
	return err
}

// loadIDs reads back what the scenarios pick from.
func (f *fixture) loadIDs(ctx context.Context) error {
	rows, err := f.pool.Query(ctx, "SELECT customer_id, id FROM vehicles ORDER BY customer_id, id")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c, v uuid.UUID
		if err := rows.Scan(&c, &v); err != nil {
			return err
		}
		if len(f.vehicles[c]) == 0 {
			f.customers = append(f.customers, c)
		}
		f.vehicles[c] = append(f.vehicles[c], v)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = f.pool.Query(ctx, "SELECT id FROM users WHERE role = 'technician' AND on_duty ORDER BY username")
	if err != nil {
		return err
	}
	f.techIDs, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	return err
}

func login(base, username string) (string, error) {
	body := fmt.Sprintf(`{"username":%q,"password":%q}`, username, password)
	res, err := http.Post(base+"/v1/auth/login", "application/json", strings.NewReader(body))
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		return "", fmt.Errorf("login %s: %d %s", username, res.StatusCode, raw)
	}
	var tp struct {
		AccessToken string `json:"access_token"`
	}
	if err := jsonUnmarshal(raw, &tp); err != nil {
		return "", err
	}
	return tp.AccessToken, nil
}

// seedPayments gives every third completed order a payment collected by its
// technician 400 minutes after the order came in, half of them in cash.
// Cash older than three days went to finance in one handover per
// technician and day; newer cash is still in hand. Other methods older
// than a week are reconciled.
func seedPayments(copyRows func(table string, cols []string, n int, row func(i int) []any) error, r *rand.Rand, now time.Time,
	confirmer uuid.UUID, done func(yield func(order, customer, tech uuid.UUID, at time.Time)), say func(string, ...any)) error {
	type handover struct {
		id, tech uuid.UUID
		day      time.Time
		amount   int64
	}
	type key struct {
		tech uuid.UUID
		day  time.Time
	}
	handovers := map[key]*handover{}
	var hOrder []*handover
	var rows [][]any
	n := 0
	methods := []string{"cash", "cash", "cash", "bank_transfer", "qr", "card"}
	done(func(order, customer, tech uuid.UUID, at time.Time) {
		n++
		if n%3 != 0 {
			return
		}
		collected := at.Add(400 * time.Minute)
		if collected.After(now) {
			collected = now.Add(-time.Minute)
		}
		method := methods[r.IntN(len(methods))]
		amount := int64(1000 + r.IntN(50000))
		status, handoverID, confirmed := "collected", any(nil), any(nil)
		switch {
		case method == "cash" && collected.Before(now.Add(-72*time.Hour)):
			k := key{tech, collected.Truncate(24 * time.Hour)}
			h := handovers[k]
			if h == nil {
				h = &handover{id: v7At(k.day.Add(24*time.Hour), r), tech: tech, day: k.day}
				handovers[k] = h
				hOrder = append(hOrder, h)
			}
			h.amount += amount
			status, handoverID, confirmed = "confirmed", h.id, k.day.Add(24*time.Hour)
		case method != "cash" && collected.Before(now.Add(-7*24*time.Hour)):
			status, confirmed = "reconciled", collected.Add(72*time.Hour)
		}
		rows = append(rows, []any{v7At(collected, r), order, customer, amount, method, fmt.Sprintf("R-%08d", len(rows)+1), nil, status,
			tech, collected, handoverID, confirmed})
	})
	say("seeding %d payments in %d handovers", len(rows), len(hOrder))
	err := copyRows("handovers", []string{"id", "technician_id", "status", "expected_amount", "counted_amount", "difference", "flagged",
		"created_at", "confirmed_at", "confirmed_by"}, len(hOrder), func(i int) []any {
		h := hOrder[i]
		at := h.day.Add(24 * time.Hour)
		return []any{h.id, h.tech, "confirmed", h.amount, h.amount, int64(0), false, at, at, confirmer}
	})
	if err != nil {
		return err
	}
	return copyRows("payments", []string{"id", "work_order_id", "customer_id", "amount", "method", "receipt_no", "invoice_no", "status",
		"collected_by", "collected_at", "handover_id", "confirmed_at"}, len(rows), func(i int) []any { return rows[i] })
}
