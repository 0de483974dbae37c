package api

import (
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fieldwork/fieldwork/domain"
)

// HeaderRequestID carries the request id in both directions.
const HeaderRequestID = "X-Request-Id"

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// Metrics are the Prometheus series the service exports.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics registers the HTTP series on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fieldwork_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "fieldwork_http_request_duration_seconds", Help: "HTTP request latency by route, method and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method", "status"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// observe is the outermost middleware: it gives the request an id and a
// logger that carries it, turns errors into problems here so that the
// status is known, then logs and measures the request.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		req := c.Request()
		id := req.Header.Get(HeaderRequestID)
		if !validRequestID.MatchString(id) {
			id = uuid.Must(uuid.NewV7()).String()
		}
		c.Response().Header().Set(HeaderRequestID, id)
		ctx := context.WithValue(req.Context(), requestInfoKey{}, &requestInfo{id: id, addr: c.RealIP(), logger: s.logger})
		req = req.WithContext(ctx)
		c.SetRequest(req)

		if err := next(c); err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" || route == "/*" {
			route = "unmatched"
		}
		status := strconv.Itoa(c.Response().Status)
		elapsed := time.Since(start)
		if s.metrics != nil {
			s.metrics.requests.WithLabelValues(route, req.Method, status).Inc()
			s.metrics.duration.WithLabelValues(route, req.Method, status).Observe(elapsed.Seconds())
		}
		if s.logger.Enabled(ctx, slog.LevelInfo) {
			s.logger.LogAttrs(ctx, slog.LevelInfo, "request", slog.String("request_id", id), slog.String("method", req.Method),
				slog.String("route", route), slog.String("path", req.URL.Path), slog.Int("status", c.Response().Status),
				slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000), slog.Int64("bytes", c.Response().Size))
		}
		return nil
	}
}

// recoverPanic turns a panic into a 500 problem; the stack goes to the log only.
func recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				loggerFrom(c.Request().Context()).Error("panic", "panic", r)
				err = errPanic
			}
		}()
		return next(c)
	}
}

type panicError struct{}

func (panicError) Error() string { return "panic in handler" }

var errPanic error = panicError{}

// limitBody refuses bodies over max bytes with 413 before reading them.
func limitBody(maxBytes int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if req.ContentLength > maxBytes {
				return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
			}
			req.Body = http.MaxBytesReader(c.Response(), req.Body, maxBytes)
			return next(c)
		}
	}
}

// Authenticator turns a bearer token into the actor.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (domain.Actor, error)
}

// authenticate puts the actor in the request context for every /v1
// operation the spec protects; the spec's `security: [{}]` marks the public ones.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if !strings.HasPrefix(c.Path(), "/v1/") || s.public[req.Method+" "+c.Path()] {
			return next(c)
		}
		h := req.Header.Get(echo.HeaderAuthorization)
		// The scheme is case-insensitive (RFC 9110 §11.1): "bearer" is "Bearer".
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return domain.Unauthenticated("a bearer access token is required")
		}
		actor, err := s.auth.Authenticate(req.Context(), strings.TrimSpace(token))
		if err != nil {
			return err
		}
		c.SetRequest(req.WithContext(domain.WithActor(req.Context(), actor)))
		return next(c)
	}
}

// rateLimiter is a fixed-window request budget per caller (user, or client
// address when anonymous), per instance. It sets the RateLimit headers of
// draft-ietf-httpapi-ratelimit-headers on every response.
type rateLimiter struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	start time.Time
	count int
}

func newRateLimiter(limit int, window time.Duration, now func() time.Time) *rateLimiter {
	return &rateLimiter{limit: limit, window: window, now: now, buckets: map[string]*bucket{}}
}

func (l *rateLimiter) take(key string) (remaining int, reset time.Duration, ok bool) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > l.window {
		for k, b := range l.buckets {
			if now.Sub(b.start) >= l.window {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b := l.buckets[key]
	if b == nil || now.Sub(b.start) >= l.window {
		b = &bucket{start: now}
		l.buckets[key] = b
	}
	reset = b.start.Add(l.window).Sub(now)
	if b.count >= l.limit {
		return 0, reset, false
	}
	b.count++
	return l.limit - b.count, reset, true
}

func (s *Server) rateLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.limiter == nil {
			return next(c)
		}
		key := "ip:" + c.RealIP()
		if a, ok := domain.ActorFrom(c.Request().Context()); ok {
			key = "user:" + a.UserID.String()
		}
		remaining, reset, ok := s.limiter.take(key)
		h := c.Response().Header()
		secs := int(reset.Seconds() + 0.999)
		h.Set("RateLimit-Limit", strconv.Itoa(s.limiter.limit))
		h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
		h.Set("RateLimit-Reset", strconv.Itoa(secs))
		if !ok {
			return domain.RateLimited("request budget used up; retry after the reset", reset)
		}
		return next(c)
	}
}
