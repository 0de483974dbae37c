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
	recent   auth.Recent
	reserved int
	recorded int
}

func (r *loginRepo) LockAttempts(context.Context, string, string) error { return nil }

func (r *loginRepo) RecentAttempts(context.Context, string, string, time.Time, time.Time) (auth.Recent, error) {
	return r.recent, nil
}

func (r *loginRepo) InsertAttempt(_ context.Context, a auth.Attempt) error {
	if !a.Pending {
		panic("an attempt reserved as a failure")
	}
	r.reserved++
	return nil
}

func (r *loginRepo) Credentials(_ context.Context, username string) (auth.Credentials, error) {
	c, ok := r.creds[username]
	if !ok {
		return auth.Credentials{}, domain.NotFound("user")
	}
	return c, nil
}

func (r *loginRepo) SettleFailure(context.Context, uuid.UUID) error {
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
	if repo.reserved != 3 || repo.recorded != 3 {
		t.Fatalf("reserved %d attempts and recorded %d failures, want 3 and 3", repo.reserved, repo.recorded)
	}
}

// failures makes n failed attempts from an address, the oldest ago, the
// rest ten seconds apart.
func failures(n int, address string, ago time.Duration) []auth.Attempt {
	out := make([]auth.Attempt, n)
	for i := range out {
		out[i] = auth.Attempt{Username: "tech", Address: address, At: time.Now().Add(-ago + time.Duration(i)*10*time.Second)}
	}
	return out
}

// A locked-out caller is refused before any password check, and Retry-After
// is when the limit frees up.
func TestLogin_RateLimitedBeforeThePasswordIsChecked(t *testing.T) {
	for name, tt := range map[string]struct {
		recent auth.Recent
		retry  time.Duration
	}{
		"per user":    {auth.Recent{ByUser: failures(5, "10.9.9.9", 5*time.Minute)}, 10 * time.Minute},
		"per address": {auth.Recent{ByAddress: failures(20, "10.0.0.1", 5*time.Minute)}, 10 * time.Minute},
		// Seven failures: the limit frees up when the third oldest ages out.
		"per user, over the limit": {auth.Recent{ByUser: failures(7, "10.9.9.9", 7*time.Minute)}, 8*time.Minute + 20*time.Second},
		"per known address":        {auth.Recent{ByUser: failures(5, "10.0.0.1", 5*time.Minute), Known: true}, 10 * time.Minute},
	} {
		t.Run(name, func(t *testing.T) {
			v := &countingVerifier{}
			repo := &loginRepo{recent: tt.recent}
			s := newService(t, repo, v)
			_, err := s.Login(context.Background(), "tech", "right-password", "10.0.0.1")
			var de *domain.Error
			if !errors.As(err, &de) || de.Kind != domain.KindRateLimited {
				t.Fatalf("err %v", err)
			}
			if de.RetryAfter < tt.retry-10*time.Second || de.RetryAfter > tt.retry {
				t.Fatalf("retry after %v, want about %v", de.RetryAfter, tt.retry)
			}
			if len(v.verified) != 0 || repo.reserved != 0 {
				t.Fatal("password checked or attempt reserved while locked out")
			}
		})
	}
}

// From an address the user logged in from lately, only the failures from
// that address count: strangers elsewhere, or behind the same address with
// other usernames, can't lock the user out.
func TestLogin_KnownAddressSkipsTheLocksStrangersTrip(t *testing.T) {
	repo := &loginRepo{
		creds: map[string]auth.Credentials{"tech": {UserID: uuid.New(), PasswordHash: "hash:right-password"}},
		recent: auth.Recent{
			ByUser:    append(failures(4, "10.9.9.9", 10*time.Minute), failures(4, "10.0.0.1", 5*time.Minute)...),
			ByAddress: failures(20, "10.0.0.1", 14*time.Minute),
			Known:     true,
		},
	}
	s := newService(t, repo, &countingVerifier{})
	_, err := s.Login(context.Background(), "tech", "wrong", "10.0.0.1")
	if !errors.Is(err, domain.ErrUnauthenticated) {
		t.Fatalf("err %v, want the password checked", err)
	}
	repo.recent.Known = false
	_, err = s.Login(context.Background(), "tech", "wrong", "10.0.0.1")
	var de *domain.Error
	if !errors.As(err, &de) || de.Kind != domain.KindRateLimited {
		t.Fatalf("err %v, want the per-user and per-address limits for an unknown address", err)
	}
}

// When the limit is held by attempts whose passwords are still being
// checked, an attempt waits, and is refused only once they are failures.
func TestLogin_WaitsForPendingAttempts(t *testing.T) {
	repo := &loginRepo{recent: auth.Recent{ByUser: failures(5, "10.0.0.1", time.Minute)}}
	for i := range repo.recent.ByUser {
		repo.recent.ByUser[i].Pending = true
		repo.recent.ByUser[i].At = time.Now()
	}
	cfg := auth.DefaultConfig()
	cfg.PendingWait = 50 * time.Millisecond
	s, err := auth.NewService(repo, &countingVerifier{}, nil, noTx{}, fixedClock{time.Now()}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = s.Login(context.Background(), "tech", "right-password", "10.0.0.1")
	var de *domain.Error
	if !errors.As(err, &de) || de.Kind != domain.KindRateLimited || de.RetryAfter != time.Second {
		t.Fatalf("err %v, want 429 after the wait", err)
	}
	if waited := time.Since(start); waited < 50*time.Millisecond {
		t.Fatalf("refused after %v without waiting", waited)
	}
	if repo.reserved != 0 {
		t.Fatal("reserved past a limit held by pending attempts")
	}
}

// A pending attempt left by an instance that died counts as a failure.
func TestLogin_StalePendingAttemptsAreFailures(t *testing.T) {
	repo := &loginRepo{recent: auth.Recent{ByUser: failures(5, "10.0.0.1", 10*time.Minute)}}
	for i := range repo.recent.ByUser {
		repo.recent.ByUser[i].Pending = true
	}
	s := newService(t, repo, &countingVerifier{})
	_, err := s.Login(context.Background(), "tech", "right-password", "10.0.0.1")
	var de *domain.Error
	if !errors.As(err, &de) || de.Kind != domain.KindRateLimited || de.RetryAfter < 4*time.Minute {
		t.Fatalf("err %v, want 429 until the oldest ages out", err)
	}
}

// principalRepo answers the session check of Authenticate.
type principalRepo struct {
	auth.Repository
	p auth.Principal
}

func (r principalRepo) Principal(context.Context, uuid.UUID) (auth.Principal, error) { return r.p, nil }

// fixedTokens parses every access token into the same claims.
type fixedTokens struct {
	auth.Tokens
	c auth.AccessClaims
}

func (f fixedTokens) ParseAccess(string, time.Time) (auth.AccessClaims, error) { return f.c, nil }

// Disabling a user revokes its sessions too, so only the user's own flag
// stops a session that escaped the revocation (a login committing while the
// disable ran).
func TestAuthenticate_RefusesADisabledUserWithALiveSession(t *testing.T) {
	userID := uuid.New()
	c := auth.AccessClaims{UserID: userID, SessionID: uuid.New()}
	for name, tt := range map[string]struct {
		p    auth.Principal
		want bool
	}{
		"live":     {auth.Principal{UserID: userID, Role: domain.RoleTechnician}, true},
		"disabled": {auth.Principal{UserID: userID, Role: domain.RoleTechnician, Disabled: true}, false},
		"revoked":  {auth.Principal{UserID: userID, Role: domain.RoleTechnician, Revoked: true}, false},
		"other":    {auth.Principal{UserID: uuid.New(), Role: domain.RoleTechnician}, false},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := auth.NewService(principalRepo{p: tt.p}, &countingVerifier{}, fixedTokens{c: c}, noTx{}, fixedClock{time.Now()}, auth.DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			actor, err := s.Authenticate(context.Background(), "token")
			if tt.want {
				if err != nil || actor.UserID != userID || actor.SessionID != c.SessionID {
					t.Fatalf("actor %+v, err %v", actor, err)
				}
				return
			}
			if !errors.Is(err, domain.ErrUnauthenticated) {
				t.Fatalf("actor %+v, err %v; want unauthenticated", actor, err)
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
