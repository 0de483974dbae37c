package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/api"
	"github.com/fieldwork/fieldwork/cmd/fieldwork/app"
	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/infra/auth"
	"github.com/fieldwork/fieldwork/infra/blob/blobtest"
	"github.com/fieldwork/fieldwork/infra/store/storetest"
)

// The API tests run the real wiring (cmd/fieldwork/app) behind a real HTTP
// server, on every footing, and check every response against openapi.yaml.

const adminPassword = "admin-password-1"

// fakeClock is a settable clock shared by the services and the JWT checks.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type env struct {
	t       *testing.T
	footing string
	app     *app.App
	srv     *httptest.Server
	clock   *fakeClock
	router  routers.Router
	admin   string // an admin's access token
}

type option func(*app.Config)

// eachFooting runs fn as a subtest on SQLite and PostgreSQL.
func eachFooting(t *testing.T, fn func(t *testing.T, e *env), opts ...option) {
	t.Helper()
	for _, f := range storetest.Footings(t) {
		t.Run(f.Name, func(t *testing.T) {
			e := newEnv(t, f, opts...)
			fn(t, e)
			e.checkCustody(t)
		})
	}
}

func newEnv(t *testing.T, f storetest.Footing, opts ...option) *env {
	t.Helper()
	clock := &fakeClock{now: time.Now().UTC().Truncate(time.Microsecond)}
	ts := httptest.NewUnstartedServer(nil)
	cfg, err := app.ConfigFromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir, cfg.DatabaseURL = f.DataDir, f.DatabaseURL
	cfg.PublicURL = "http://" + ts.Listener.Addr().String()
	cfg.AdminPassword = adminPassword
	cfg.JWTSecret = strings.Repeat("k", 32)
	cfg.Clock = clock
	if f.Name == "postgres" {
		// The production footing: PostgreSQL with photos in MinIO.
		if s3, ok := blobtest.MinIO(t); ok {
			cfg.S3 = app.S3Config{Endpoint: s3.Endpoint, AccessKey: s3.AccessKey, SecretKey: s3.SecretKey, Bucket: s3.Bucket, UseSSL: s3.UseSSL}
		}
	}
	cfg.Argon2 = auth.Argon2Params{MemoryKiB: 512, Iterations: 1, Parallelism: 1}
	cfg.DisableBackground = true
	for _, o := range opts {
		o(&cfg)
	}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewJSONHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	a, err := app.New(context.Background(), cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = a.HTTP
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		_ = a.Close(context.Background())
	})
	doc, err := strictSpec() // closed schemas: an undeclared response field fails
	if err != nil {
		t.Fatal(err)
	}
	router, err := api.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, footing: f.Name, app: a, srv: ts, clock: clock, router: router}
	e.admin = e.login("admin", adminPassword).AccessToken
	return e
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// response is a finished, spec-checked HTTP exchange.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// problem is the RFC 9457 body of an error response.
type problem struct {
	Type, Title, Detail string
	Status              int
	Errors              []struct{ Field, Message string }
}

func (r response) problem(t *testing.T) problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("error content type %q, body %s", ct, r.Body)
	}
	var p problem
	r.decode(t, &p)
	if p.Status != r.Status || p.Type == "" || p.Title == "" || p.Detail == "" {
		t.Fatalf("incomplete problem: %s", r.Body)
	}
	return p
}

type req struct {
	method, path, token string
	body                any // marshalled as JSON unless a string or []byte
	header              map[string]string
}

// do sends r and fails the test unless the response matches openapi.yaml.
func (e *env) do(t *testing.T, r req) response {
	t.Helper()
	return e.exchange(t, e.buildRequest(t, r))
}

// exchange sends hr, checks the response against openapi.yaml and fails on
// a 5xx other than a readiness 503.
func (e *env) exchange(t *testing.T, hr *http.Request) response {
	t.Helper()
	out, err := e.send(hr)
	if err != nil {
		t.Fatal(err)
	}
	e.checkSpec(t, hr, out)
	if out.Status >= 500 && out.Status != http.StatusServiceUnavailable {
		t.Fatalf("%s %s: %d %s", hr.Method, hr.URL.Path, out.Status, out.Body)
	}
	return out
}

// buildRequest turns r into an HTTP request to the env's server.
func (e *env) buildRequest(t *testing.T, r req) *http.Request {
	t.Helper()
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(raw)
	}
	hr, err := http.NewRequest(r.method, e.srv.URL+r.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	return hr
}

// send sends hr without touching the test: safe on any goroutine.
func (e *env) send(hr *http.Request) (response, error) {
	res, err := e.srv.Client().Do(hr)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: raw}, err
}

// checkSpec validates a response against the operation it answered.
func (e *env) checkSpec(t *testing.T, hr *http.Request, res response) {
	t.Helper()
	if res.Header.Get(api.HeaderRequestID) == "" {
		t.Errorf("%s %s: no %s header", hr.Method, hr.URL.Path, api.HeaderRequestID)
	}
	route, params, err := e.router.FindRoute(hr)
	if err != nil {
		// Not an operation of the spec (unknown path or method): still a problem.
		if res.Status >= 400 {
			_ = res.problem(t)
		}
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: hr, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status:  res.Status,
		Header:  res.Header,
		Body:    io.NopCloser(bytes.NewReader(res.Body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s -> %d does not match openapi.yaml: %v\nbody: %s", hr.Method, hr.URL.Path, res.Status, err, res.Body)
	}
}

// expect fails unless the status is want; error statuses must be problems.
func (r response) expect(t *testing.T, want int) response {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d; body %s", r.Status, want, r.Body)
	}
	if want >= 400 {
		_ = r.problem(t)
	}
	return r
}

type tokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
}

func (e *env) login(username, password string) tokenPair {
	e.t.Helper()
	var tp tokenPair
	e.do(e.t, req{method: "POST", path: "/v1/auth/login", body: map[string]string{"username": username, "password": password}}).
		expect(e.t, 200).decode(e.t, &tp)
	return tp
}

// user is a created account and its access token.
type user struct {
	ID       uuid.UUID
	Username string
	Token    string
}

var userSeq struct {
	sync.Mutex
	n int
}

// createUser makes an account of the role (customer users need customerID) and logs it in.
func (e *env) createUser(t *testing.T, role domain.Role, customerID uuid.UUID) user {
	t.Helper()
	userSeq.Lock()
	userSeq.n++
	name := fmt.Sprintf("%s%d", role, userSeq.n)
	userSeq.Unlock()
	body := map[string]any{"username": name, "password": "password-" + name, "display_name": "User " + name, "role": role}
	if customerID != uuid.Nil {
		body["customer_id"] = customerID
	}
	var u struct{ ID uuid.UUID }
	e.do(t, req{method: "POST", path: "/v1/users", token: e.admin, body: body}).expect(t, 201).decode(t, &u)
	return user{ID: u.ID, Username: name, Token: e.login(name, "password-"+name).AccessToken}
}

func (e *env) createCustomer(t *testing.T, name string) uuid.UUID {
	t.Helper()
	var c struct{ ID uuid.UUID }
	e.do(t, req{method: "POST", path: "/v1/customers", token: e.admin,
		body: map[string]any{"name": name, "contact_name": "Contact of " + name, "phone": "13800138000", "address": "1 Road, Shenzhen"}}).
		expect(t, 201).decode(t, &c)
	return c.ID
}

func (e *env) createVehicle(t *testing.T, customerID uuid.UUID, plate string) uuid.UUID {
	t.Helper()
	var v struct{ ID uuid.UUID }
	e.do(t, req{method: "POST", path: "/v1/vehicles", token: e.admin, body: map[string]any{"customer_id": customerID, "plate": plate}}).
		expect(t, 201).decode(t, &v)
	return v.ID
}
