// Package api maps HTTP to the domain: thin handlers over the generated
// strict server, the one error-to-problem mapping, and the middleware.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/getkin/kin-openapi/routers"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/swaggest/swgui/v5emb"

	"github.com/fieldwork/fieldwork/api/gen"
	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/auth"
	"github.com/fieldwork/fieldwork/domain/billing"
	"github.com/fieldwork/fieldwork/domain/callback"
	"github.com/fieldwork/fieldwork/domain/complaint"
	"github.com/fieldwork/fieldwork/domain/contract"
	"github.com/fieldwork/fieldwork/domain/custody"
	"github.com/fieldwork/fieldwork/domain/customer"
	"github.com/fieldwork/fieldwork/domain/feenotice"
	"github.com/fieldwork/fieldwork/domain/idempotency"
	"github.com/fieldwork/fieldwork/domain/inquiry"
	"github.com/fieldwork/fieldwork/domain/notify"
	"github.com/fieldwork/fieldwork/domain/payment"
	"github.com/fieldwork/fieldwork/domain/photo"
	"github.com/fieldwork/fieldwork/domain/pricelist"
	"github.com/fieldwork/fieldwork/domain/user"
	"github.com/fieldwork/fieldwork/domain/vehicle"
	"github.com/fieldwork/fieldwork/domain/workorder"
)

// MaxBodyBytes bounds every JSON request body.
const MaxBodyBytes = 1 << 20

// Check is a named readiness probe of a dependency.
type Check struct {
	Name  string
	Check func(ctx context.Context) error
}

// Config is what the HTTP layer needs.
type Config struct {
	Auth       *auth.Service
	Users      *user.Service
	Customers  *customer.Service
	Vehicles   *vehicle.Service
	WorkOrders *workorder.Service
	Photos     *photo.Service
	Custody    *custody.Service
	Billing    *billing.Service
	Prices     *pricelist.Service
	FeeNotices *feenotice.Service
	Payments   *payment.Service
	Inquiries  *inquiry.Service
	Complaints *complaint.Service
	Callbacks  *callback.Service
	Contracts  *contract.Service
	Notify     *notify.Service
	// Tx and Idempotency make retried POSTs with an Idempotency-Key safe.
	Tx          domain.Transactor
	Idempotency idempotency.Store

	Logger   *slog.Logger
	Registry *prometheus.Registry
	Ready    []Check
	// RateLimit is the requests allowed per caller per minute; 0 disables it.
	RateLimit   int
	CORSOrigins []string
	// TrustProxy takes the client address from X-Forwarded-For.
	TrustProxy bool
	// Mount adds non-API routes, e.g. the local blob store's signed URLs.
	Mount func(e *echo.Echo)
	Now   func() time.Time
}

// Server implements the generated strict server interface.
type Server struct {
	cfg     Config
	auth    Authenticator
	logger  *slog.Logger
	metrics *Metrics
	limiter *rateLimiter
	routes  map[string]*routers.Route
	public  map[string]bool
}

var _ gen.StrictServerInterface = (*Server)(nil)

// New builds the echo instance that serves the API.
func New(cfg Config) (*echo.Echo, error) {
	doc, err := LoadSpec()
	if err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, auth: cfg.Auth, logger: cfg.Logger, routes: operationRoutes(doc), public: publicOperations(doc)}
	if cfg.Registry != nil {
		s.metrics = NewMetrics(cfg.Registry)
	}
	if cfg.RateLimit > 0 {
		s.limiter = newRateLimiter(cfg.RateLimit, time.Minute, cfg.Now)
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler
	if cfg.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	} else {
		e.IPExtractor = echo.ExtractIPDirect()
	}
	e.Use(s.observe, recoverPanic)
	if len(cfg.CORSOrigins) > 0 {
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:  cfg.CORSOrigins,
			AllowHeaders:  []string{echo.HeaderAuthorization, echo.HeaderContentType, "If-Match", "Idempotency-Key", HeaderRequestID},
			ExposeHeaders: []string{"ETag", "Location", "Retry-After", HeaderRequestID, "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"},
			MaxAge:        600,
		}))
	}

	routes := withMiddleware{e: e, mw: []echo.MiddlewareFunc{limitBody(MaxBodyBytes), s.authenticate, s.rateLimit, s.validateRequest, s.idempotent}}
	gen.RegisterHandlers(routes, gen.NewStrictHandler(s, []gen.StrictMiddlewareFunc{acceptInContext}))

	e.GET("/openapi.yaml", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/yaml", gen.Spec)
	})
	docs := v5emb.New("Fieldwork API", "/openapi.yaml", "/docs/")
	e.GET("/docs", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/docs/") })
	e.GET("/docs/*", echo.WrapHandler(docs))
	if cfg.Registry != nil {
		e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{})))
	}
	if cfg.Mount != nil {
		cfg.Mount(e)
	}
	return e, nil
}
