package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/auth"
)

// loginRepo answers what a failed login touches; any other call panics
// through the nil embedded interface, proving the path does not reach it.
type loginRepo struct {
	auth.Repository
	creds    map[string]auth.Credentials
	failures auth.Failures
	recorded int
}

func (r *loginRepo) CountFailures(context.Context, string, string, time.Time) (auth.Failures, error) {
	return r.failures, nil
}

func (r *loginRepo) Credentials(_ context.Context, username string) (auth.Credentials, error) {
	c, ok := r.creds[username]
	if !ok {
		return auth.Credentials{}, domain.NotFound("user")
	}
	return c, nil
}

func (r *loginRepo) RecordFailure(context.Context, string, string, time.Time) error {
	r.recorded++
	return nil
}

// countingVerifier records which hashes were checked.
type countingVerifier struct{ verified []string }

func (v *countingVerifier) Hash(p string) (string, error) { return "hash:" + p, nil }
func (v *countingVerifier) Verify(p, h string) bool {
	v.verified = append(v.verified, h)
	return h == "hash:"+p
}

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

type noTx struct{}

func (noTx) InTx(ctx context.Context, fn func(context.Context) error) error { return fn(ctx) }

func newService(t *testing.T, repo *loginRepo, v *countingVerifier) *auth.Service {
	t.Helper()
	s, err := auth.NewService(repo, v, nil, noTx{}, fixedClock{time.Now()}, auth.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Unknown users cost one password verification, like a wrong password, so
// the two can't be told apart by timing; both answer the same error.
func TestLogin_UnknownUserIsVerifiedAgainstADummyHash(t *testing.T) {
	repo := &loginRepo{creds: map[string]auth.Credentials{
		"tech":     {UserID: uuid.New(), PasswordHash: "hash:right-password"},
		"disabled": {UserID: uuid.New(), PasswordHash: "hash:right-password", Disabled: true},
	}}
	v := &countingVerifier{}
	s := newService(t, repo, v)
	dummy := v.verified // NewService hashes, it does not verify
	if len(dummy) != 0 {
		t.Fatalf("verified %v at construction", dummy)
	}
	var errs []error
	for _, c := range []struct{ user, pass string }{{"nobody", "x"}, {"tech", "wrong"}, {"disabled", "right-password"}} {
		_, err := s.Login(context.Background(), c.user, c.pass, "10.0.0.1")
		errs = append(errs, err)
	}
	if len(v.verified) != 3 {
		t.Fatalf("verifications %d, want one per attempt", len(v.verified))
	}
	if v.verified[0] != "hash:not a real password, only for timing" {
		t.Fatalf("unknown user verified against %q", v.verified[0])
	}
	for _, err := range errs {
		if !errors.Is(err, domain.ErrUnauthenticated) || err.Error() != errs[0].Error() {
			t.Fatalf("errors differ or wrong kind: %v", errs)
		}
	}
	if repo.recorded != 3 {
		t.Fatalf("recorded %d failures, want 3", repo.recorded)
	}
}

// A locked-out caller is refused before any password check.
func TestLogin_RateLimitedBeforeThePasswordIsChecked(t *testing.T) {
	oldest := time.Now().Add(-5 * time.Minute)
	for name, f := range map[string]auth.Failures{
		"per user":    {ByUser: 5, OldestUser: oldest},
		"per address": {ByAddress: 20, OldestAddress: oldest},
	} {
		t.Run(name, func(t *testing.T) {
			v := &countingVerifier{}
			s := newService(t, &loginRepo{failures: f}, v)
			_, err := s.Login(context.Background(), "tech", "right-password", "10.0.0.1")
			var de *domain.Error
			if !errors.As(err, &de) || de.Kind != domain.KindRateLimited {
				t.Fatalf("err %v", err)
			}
			if de.RetryAfter < 9*time.Minute || de.RetryAfter > 10*time.Minute {
				t.Fatalf("retry after %v, want about 10m", de.RetryAfter)
			}
			if len(v.verified) != 0 {
				t.Fatal("password checked while locked out")
			}
		})
	}
}

func TestNewService_RefusesLongAccessTokens(t *testing.T) {
	cfg := auth.DefaultConfig()
	cfg.AccessTTL = 16 * time.Minute
	if _, err := auth.NewService(&loginRepo{}, &countingVerifier{}, nil, noTx{}, fixedClock{}, cfg); err == nil {
		t.Fatal("a 16-minute access token was accepted")
	}
}
