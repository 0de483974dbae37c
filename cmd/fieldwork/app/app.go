package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/fieldwork/fieldwork/api"
	domauth "github.com/fieldwork/fieldwork/domain/auth"
	"github.com/fieldwork/fieldwork/domain/billing"
	"github.com/fieldwork/fieldwork/domain/callback"
	"github.com/fieldwork/fieldwork/domain/complaint"
	"github.com/fieldwork/fieldwork/domain/contract"
	"github.com/fieldwork/fieldwork/domain/custody"
	"github.com/fieldwork/fieldwork/domain/customer"
	"github.com/fieldwork/fieldwork/domain/feenotice"
	"github.com/fieldwork/fieldwork/domain/inquiry"
	"github.com/fieldwork/fieldwork/domain/notify"
	"github.com/fieldwork/fieldwork/domain/payment"
	"github.com/fieldwork/fieldwork/domain/photo"
	"github.com/fieldwork/fieldwork/domain/pricelist"
	"github.com/fieldwork/fieldwork/domain/user"
	"github.com/fieldwork/fieldwork/domain/vehicle"
	"github.com/fieldwork/fieldwork/domain/workorder"
	"github.com/fieldwork/fieldwork/infra/auth"
	"github.com/fieldwork/fieldwork/infra/blob"
	"github.com/fieldwork/fieldwork/infra/jobs"
	infranotify "github.com/fieldwork/fieldwork/infra/notify"
	"github.com/fieldwork/fieldwork/infra/store"
)

// App is the wired service.
type App struct {
	cfg    Config
	logger *slog.Logger
	DB     *store.DB
	Blob   blob.Store
	Jobs   *jobs.Runner
	HTTP   *echo.Echo
	Auth   *domauth.Service
	Users  *user.Service
	Photos *photo.Service
}

// Migrate applies the schema migrations and River's, then returns.
func Migrate(ctx context.Context, cfg Config, logger *slog.Logger) error {
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	runner, err := newRunner(db, cfg, logger, jobs.NewRegistration())
	if err != nil {
		return err
	}
	return migrate(ctx, db, runner)
}

func migrate(ctx context.Context, db *store.DB, runner *jobs.Runner) error {
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	return runner.Migrate(ctx)
}

func newRunner(db *store.DB, cfg Config, logger *slog.Logger, reg *jobs.Registration) (*jobs.Runner, error) {
	return jobs.New(jobs.Config{
		DB: db.SQL(), Postgres: db.Dialect() == store.Postgres, TxFrom: store.SQLTx,
		Logger: logger.With("component", "river"), PollInterval: cfg.JobPollInterval, RescueAfter: cfg.JobRescueAfter,
	}, reg)
}

// New opens storage, migrates it, creates the first admin and builds the
// HTTP server. Background jobs start with Start.
func New(ctx context.Context, cfg Config, logger *slog.Logger) (_ *App, err error) {
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = db.Close()
		}
	}()
	if cfg.DBMaxConns > 0 {
		db.SQL().SetMaxOpenConns(cfg.DBMaxConns)
		db.SQL().SetMaxIdleConns(cfg.DBMaxConns)
	}
	secret, err := jwtSecret(cfg, db.Dialect(), logger)
	if err != nil {
		return nil, err
	}
	tokens, err := auth.NewTokens(secret)
	if err != nil {
		return nil, err
	}
	blobs, mount, err := openBlob(ctx, cfg, secret, logger)
	if err != nil {
		return nil, err
	}

	passwords := auth.NewPasswords(cfg.Argon2)
	events := db.Events()
	users := user.NewService(db.Users(), db.Customers(), passwords, db, events, cfg.Clock)
	authCfg := domauth.DefaultConfig()
	authCfg.RefreshGrace, authCfg.FailureWindow = cfg.RefreshGrace, cfg.LoginWindow
	authCfg.MaxPerUser, authCfg.MaxPerAddress = cfg.LoginMaxPerUser, cfg.LoginMaxPerAddr
	authSvc, err := domauth.NewService(db.Auth(), passwords, tokens, db, cfg.Clock, authCfg)
	if err != nil {
		return nil, err
	}

	queue := &lateQueue{}
	notifier := notify.NewService(db.Notifications(), queue, &infranotify.Sender{Client: &http.Client{Timeout: 15 * time.Second},
		SMSURL: cfg.SMSURL, SMSKey: cfg.SMSKey, Logger: logger.With("component", "sms"), Now: cfg.Clock.Now}, db, cfg.Clock)
	repairs := &followUps{}
	callbacks := callback.NewService(db.Callbacks(), repairs, notifyAdapter{notifier}, db, events, cfg.Clock)
	dir := &orderDirectory{db: db, orderMoney: &orderMoney{db: db}}
	inquiries := inquiry.NewService(db.Inquiries(), inquiryStaff{db}, db, events, cfg.Clock)
	contracts := contract.NewService(db.Contracts(), contractDirectory{db}, db, events, cfg.Clock)
	orders := workorder.NewService(db.WorkOrders(), dir, orderContracts{contracts}, &unitWork{db.Custody()}, callbacks, inquiries, notifyAdapter{notifier},
		db, events, cfg.Clock, cfg.SLA)
	units := custody.NewService(db.Custody(), custodyOrders{orderFacts{orders}, db.Contracts()}, db.Photos(), plates{db}, db, events, cfg.Clock)
	prices := pricelist.NewService(db.PriceList(), db, events, cfg.Clock)
	bills := billing.NewService(db.Billing(), billingOrders{orderFacts{orders}}, billingPrices{prices}, db, events, cfg.Clock)
	// Custody and billing ask the work-order service about orders, and it
	// asks them for warranties and bill totals: its directory learns of them
	// once they exist.
	notices := feenotice.NewService(db.FeeNotices(), noticeOrders{orderFacts{orders}, db}, signatures{db}, notifyAdapter{notifier}, db, events, cfg.Clock)
	payments := payment.NewService(db.Payments(), paymentOrders{orderFacts{orders}, bills}, notifyAdapter{notifier}, db, events, cfg.Clock)
	dir.custody, dir.billing = units, bills
	repairs.orders = orders
	dir.orderMoney.billing, dir.orderMoney.notices, dir.orderMoney.payments = bills, notices, payments
	photos := newPhotos(db, blobs, orders, cfg.Clock)
	idem := db.Idempotency()
	reg := jobs.NewRegistration()
	reg.AddCleanup("auth", time.Hour, authSvc)
	reg.AddCleanup("idempotency_keys", time.Hour, jobs.PrunerFunc(func(ctx context.Context) (int64, error) {
		return idem.Prune(ctx, cfg.Clock.Now())
	}))
	reg.AddCleanup("pending_photos", time.Hour, photos)
	complaints := complaint.NewService(db.Complaints(), complaintCustomers{db}, notifyAdapter{notifier}, db, events, cfg.Clock, cfg.ComplaintTerms)
	reg.AddCleanup("escalate_complaints", time.Minute, jobs.PrunerFunc(complaints.Escalate))
	reg.AddCleanup("announce_callbacks_due", time.Minute, jobs.PrunerFunc(callbacks.AnnounceDue))
	reg.AddDelivery(notifier)
	runner, err := newRunner(db, cfg, logger, reg)
	if err != nil {
		return nil, err
	}
	queue.runner = runner
	if err := migrate(ctx, db, runner); err != nil {
		return nil, err
	}
	if err := bootstrapAdmin(ctx, users, cfg.AdminPassword, logger); err != nil {
		return nil, err
	}

	promReg := prometheus.NewRegistry()
	promReg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	e, err := api.New(api.Config{
		Auth: authSvc, Users: users,
		Customers:  customer.NewService(db.Customers(), db, events, cfg.Clock),
		Vehicles:   vehicle.NewService(db.Vehicles(), db.Customers(), db, events, cfg.Clock),
		WorkOrders: orders,
		Photos:     photos,
		Custody:    units,
		Billing:    bills,
		Prices:     prices,
		FeeNotices: notices,
		Payments:   payments,
		Inquiries:  inquiries,
		Complaints: complaints,
		Callbacks:  callbacks,
		Contracts:  contracts,
		Notify:     notifier,
		Tx:         db, Idempotency: idem,
		Logger: logger, Registry: promReg,
		Ready: []api.Check{
			{Name: "database", Check: db.Ping},
			{Name: "blob", Check: blobs.Ping},
		},
		RateLimit: cfg.RateLimit, CORSOrigins: cfg.CORSOrigins, TrustProxy: cfg.TrustProxy,
		Mount: mount, Now: cfg.Clock.Now,
	})
	if err != nil {
		return nil, err
	}
	return &App{cfg: cfg, logger: logger, DB: db, Blob: blobs, Jobs: runner, HTTP: e, Auth: authSvc, Users: users, Photos: photos}, nil
}

// jwtSecret is FIELDWORK_JWT_SECRET, or one generated once and kept in the
// data dir so that restarts keep sessions.
func jwtSecret(cfg Config, dialect store.Dialect, logger *slog.Logger) ([]byte, error) {
	if cfg.JWTSecret != "" {
		return []byte(cfg.JWTSecret), nil
	}
	if dialect == store.Postgres {
		logger.Warn("FIELDWORK_JWT_SECRET is unset: using a secret kept in this instance's data dir; instances side by side need the same FIELDWORK_JWT_SECRET")
	}
	path := filepath.Join(cfg.DataDir, "jwt.secret")
	if b, err := os.ReadFile(path); err == nil {
		if s := strings.TrimSpace(string(b)); len(s) >= 32 {
			return []byte(s), nil
		}
		return nil, fmt.Errorf("%s is shorter than 32 characters; delete it to generate a new one", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read JWT secret: %w", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	s := randomString(48)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return jwtSecret(cfg, dialect, logger) // another process won the race
	}
	if err != nil {
		return nil, fmt.Errorf("write JWT secret: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(s + "\n"); err != nil {
		return nil, fmt.Errorf("write JWT secret: %w", err)
	}
	logger.Info("generated a JWT secret", "path", path)
	return []byte(s), nil
}

func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

// openBlob picks MinIO/S3 when configured, else a directory under the data
// dir whose signed URLs this service serves itself at /blobs/.
func openBlob(ctx context.Context, cfg Config, secret []byte, logger *slog.Logger) (blob.Store, func(*echo.Echo), error) {
	if cfg.S3.Endpoint != "" {
		s, err := blob.NewS3(ctx, blob.S3Config{Endpoint: cfg.S3.Endpoint, AccessKey: cfg.S3.AccessKey, SecretKey: cfg.S3.SecretKey,
			Bucket: cfg.S3.Bucket, Region: cfg.S3.Region, UseSSL: cfg.S3.UseSSL})
		return s, nil, err
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("fieldwork blob urls"))
	d, err := blob.NewDir(blob.DirConfig{Root: filepath.Join(cfg.DataDir, "photos"), BaseURL: cfg.PublicURL,
		Secret: m.Sum(nil), MaxSize: 16 << 20, Logger: logger.With("component", "blob")})
	if err != nil {
		return nil, nil, err
	}
	mount := func(e *echo.Echo) {
		h := echo.WrapHandler(d.Handler())
		e.GET("/blobs/*", h)
		e.PUT("/blobs/*", h)
	}
	return d, mount, nil
}

func bootstrapAdmin(ctx context.Context, users *user.Service, password string, logger *slog.Logger) error {
	generated := password == ""
	if generated {
		password = randomString(20)
	}
	created, err := users.Bootstrap(ctx, "admin", password)
	if err != nil || !created {
		return err
	}
	if generated {
		logger.Warn("created user admin with a generated password; it is shown only this once", "username", "admin", "password", password)
	} else {
		logger.Info("created user admin with FIELDWORK_ADMIN_PASSWORD", "username", "admin")
	}
	return nil
}

// Start begins background work.
func (a *App) Start(ctx context.Context) error {
	if a.cfg.DisableBackground {
		return nil
	}
	return a.Jobs.Start(ctx)
}

// Serve answers HTTP on ln until ctx ends, then drains in-flight requests
// (up to the shutdown timeout), stops the jobs and closes the database.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: a.HTTP, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.logger.Info("listening", "addr", ln.Addr().String(), "database", string(a.DB.Dialect()))
	select {
	case err := <-errc:
		return errors.Join(err, a.Close(context.Background()))
	case <-ctx.Done():
	}
	a.logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	return errors.Join(err, a.Close(sctx))
}

// Close stops background work and closes the database.
func (a *App) Close(ctx context.Context) error {
	var errs []error
	if !a.cfg.DisableBackground {
		errs = append(errs, a.Jobs.Stop(ctx))
	}
	errs = append(errs, a.DB.Close())
	return errors.Join(errs...)
}
