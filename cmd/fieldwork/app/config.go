// Package app wires the service: configuration, storage, jobs, domain
// services and the HTTP server. cmd/fieldwork runs it; API tests start it.
package app

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/complaint"
	"github.com/fieldwork/fieldwork/domain/workorder"
	"github.com/fieldwork/fieldwork/infra/auth"
)

// Config is everything the service reads from its environment.
type Config struct {
	Addr          string
	DataDir       string
	DatabaseURL   string
	PublicURL     string
	S3            S3Config
	JWTSecret     string
	AdminPassword string

	RefreshGrace      time.Duration
	LoginWindow       time.Duration
	LoginMaxPerUser   int
	LoginMaxPerAddr   int
	RateLimit         int
	CORSOrigins       []string
	TrustProxy        bool
	ShutdownTimeout   time.Duration
	LogLevel          slog.Level
	JobPollInterval   time.Duration
	DisableBackground bool
	SLA               workorder.SLATerms
	ComplaintTerms    complaint.Terms
	SMSURL, SMSKey    string
	JobRescueAfter    time.Duration
	DBMaxConns        int

	// Set by tests, not by the environment.
	Clock  domain.Clock
	Argon2 auth.Argon2Params
}

// S3Config selects MinIO/S3 when Endpoint is set.
type S3Config struct {
	Endpoint, AccessKey, SecretKey, Bucket, Region string
	UseSSL                                         bool
}

// ConfigFromEnv reads the configuration the README documents.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	get := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	var errs []error
	dur := func(k string, def time.Duration) time.Duration {
		v := get(k, "")
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			errs = append(errs, fmt.Errorf("%s: want a Go duration like 10s, got %q", k, v))
		}
		return d
	}
	num := func(k string, def int) int {
		v := get(k, "")
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("%s: want a whole number, got %q", k, v))
		}
		return n
	}
	boolean := func(k string, def bool) bool {
		v := get(k, "")
		if v == "" {
			return def
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: want true or false, got %q", k, v))
		}
		return b
	}
	addr := get("FIELDWORK_ADDR", ":8080")
	c := Config{
		Addr:          addr,
		DataDir:       get("FIELDWORK_DATA_DIR", "./data"),
		DatabaseURL:   get("DATABASE_URL", ""),
		PublicURL:     strings.TrimRight(get("FIELDWORK_PUBLIC_URL", defaultPublicURL(addr)), "/"),
		JWTSecret:     get("FIELDWORK_JWT_SECRET", ""),
		AdminPassword: getenv("FIELDWORK_ADMIN_PASSWORD"),
		S3: S3Config{
			Endpoint:  get("FIELDWORK_S3_ENDPOINT", ""),
			AccessKey: get("FIELDWORK_S3_ACCESS_KEY", ""),
			SecretKey: get("FIELDWORK_S3_SECRET_KEY", ""),
			Bucket:    get("FIELDWORK_S3_BUCKET", "fieldwork"),
			Region:    get("FIELDWORK_S3_REGION", ""),
			UseSSL:    boolean("FIELDWORK_S3_USE_SSL", true),
		},
		RefreshGrace:    dur("FIELDWORK_REFRESH_GRACE", 10*time.Second),
		LoginWindow:     dur("FIELDWORK_LOGIN_WINDOW", 15*time.Minute),
		LoginMaxPerUser: num("FIELDWORK_LOGIN_MAX_PER_USER", 5),
		LoginMaxPerAddr: num("FIELDWORK_LOGIN_MAX_PER_ADDRESS", 20),
		RateLimit:       num("FIELDWORK_RATE_LIMIT", 1200),
		DBMaxConns:      num("FIELDWORK_DB_MAX_CONNS", 0),
		SMSURL:          get("FIELDWORK_SMS_URL", ""),
		SMSKey:          get("FIELDWORK_SMS_KEY", ""),
		JobRescueAfter:  dur("FIELDWORK_JOB_RESCUE_AFTER", time.Minute),
		TrustProxy:      boolean("FIELDWORK_TRUST_PROXY", false),
		ShutdownTimeout: dur("FIELDWORK_SHUTDOWN_TIMEOUT", 15*time.Second),
		JobPollInterval: time.Second,
		Clock:           domain.SystemClock{},
		Argon2:          auth.DefaultArgon2,
	}
	if o := get("FIELDWORK_CORS_ORIGINS", ""); o != "" {
		for _, s := range strings.Split(o, ",") {
			if s = strings.TrimSpace(s); s != "" {
				c.CORSOrigins = append(c.CORSOrigins, s)
			}
		}
	}
	sla, err := workorder.ParseSLA(get("FIELDWORK_SLA", ""))
	if err != nil {
		errs = append(errs, fmt.Errorf("FIELDWORK_SLA: %w", err))
	}
	c.SLA = sla
	terms, err := complaint.ParseTerms(get("FIELDWORK_COMPLAINT_TERMS", ""))
	if err != nil {
		errs = append(errs, fmt.Errorf("FIELDWORK_COMPLAINT_TERMS: %w", err))
	}
	c.ComplaintTerms = terms
	if err := c.LogLevel.UnmarshalText([]byte(get("FIELDWORK_LOG_LEVEL", "info"))); err != nil {
		errs = append(errs, fmt.Errorf("FIELDWORK_LOG_LEVEL: %w", err))
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		errs = append(errs, errors.New("FIELDWORK_JWT_SECRET: must be at least 32 characters"))
	}
	if c.S3.Endpoint != "" && (c.S3.AccessKey == "" || c.S3.SecretKey == "") {
		errs = append(errs, errors.New("FIELDWORK_S3_ACCESS_KEY and FIELDWORK_S3_SECRET_KEY are required with FIELDWORK_S3_ENDPOINT"))
	}
	if c.LoginMaxPerUser == 0 || c.LoginMaxPerAddr == 0 {
		errs = append(errs, errors.New("FIELDWORK_LOGIN_MAX_PER_USER and FIELDWORK_LOGIN_MAX_PER_ADDRESS must be at least 1"))
	}
	return c, errors.Join(errs...)
}

func defaultPublicURL(addr string) string {
	host, port, ok := strings.Cut(addr, ":")
	if !ok {
		return "http://" + addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + host + ":" + port
}
