// Package auth logs users in and out and turns access tokens into actors.
// Refresh tokens rotate on every use, with reuse detection (RFC 9700 §4.14).
package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Credentials is what login needs to know of a user.
type Credentials struct {
	UserID       uuid.UUID
	PasswordHash string
	Disabled     bool
}

// Session is one login; every token issued under it dies with it.
type Session struct {
	ID        uuid.UUID
	UserID    uuid.UUID
	CreatedAt time.Time
	RevokedAt *time.Time
}

// RefreshToken is a stored refresh token; only its hash is kept.
type RefreshToken struct {
	ID         uuid.UUID
	SessionID  uuid.UUID
	Hash       string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	UsedAt     *time.Time
	ReplacedBy uuid.UUID
}

// Principal is the live state behind an access token.
type Principal struct {
	UserID     uuid.UUID
	Role       domain.Role
	CustomerID uuid.UUID
	Disabled   bool
	Revoked    bool
}

// Attempt is a login attempt inside the failure window: a failure, or one
// still pending while its password is checked.
type Attempt struct {
	ID                uuid.UUID
	Username, Address string
	At                time.Time
	Pending           bool
}

// Recent is what the failed-login limits look at.
type Recent struct {
	ByUser    []Attempt // attempts on the username, oldest first
	ByAddress []Attempt // attempts from the address, oldest first
	// Known is whether the username logged in from the address lately.
	Known bool
}

// Repository is the storage the auth service needs.
type Repository interface {
	Credentials(ctx context.Context, username string) (Credentials, error)
	CreateSession(ctx context.Context, s Session) error
	RevokeSession(ctx context.Context, id uuid.UUID, at time.Time, reason string) error
	InsertRefresh(ctx context.Context, t RefreshToken) error
	RefreshByHash(ctx context.Context, hash string) (RefreshToken, error)
	RefreshByID(ctx context.Context, id uuid.UUID) (RefreshToken, error)
	// MarkRefreshUsed sets used_at and replaced_by if the token is unused,
	// reporting whether this call did it.
	MarkRefreshUsed(ctx context.Context, id uuid.UUID, at time.Time, replacedBy uuid.UUID) (bool, error)
	Session(ctx context.Context, id uuid.UUID) (Session, error)
	Principal(ctx context.Context, sessionID uuid.UUID) (Principal, error)
	// LockAttempts serializes counting and reserving attempts on a username
	// and on an address until the transaction in ctx ends.
	LockAttempts(ctx context.Context, username, address string) error
	// RecentAttempts reads the attempts since a time on the username and from
	// the address, and whether the username logged in from the address since
	// knownSince.
	RecentAttempts(ctx context.Context, username, address string, since, knownSince time.Time) (Recent, error)
	InsertAttempt(ctx context.Context, a Attempt) error
	// SettleFailure turns a pending attempt into a failure.
	SettleFailure(ctx context.Context, id uuid.UUID) error
	// ClearFailures deletes the failures of a username from an address, and
	// the attempt that has just succeeded.
	ClearFailures(ctx context.Context, username, address string, attempt uuid.UUID) error
	// RememberAddress notes that a username logged in from an address.
	RememberAddress(ctx context.Context, username, address string, at time.Time) error
	// ForgetAddresses deletes addresses last logged in from before a time.
	ForgetAddresses(ctx context.Context, before time.Time) (int64, error)
	Prune(ctx context.Context, now, failuresBefore time.Time) (int64, error)
}

// PasswordVerifier checks a password against a stored hash.
type PasswordVerifier interface {
	Verify(password, hash string) bool
	Hash(password string) (string, error)
}

// AccessClaims are the claims of an access token.
type AccessClaims struct {
	UserID    uuid.UUID
	SessionID uuid.UUID
	TokenID   uuid.UUID
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// Tokens signs and parses access tokens and makes refresh tokens.
type Tokens interface {
	SignAccess(c AccessClaims) (string, error)
	// ParseAccess verifies signature, algorithm, issuer, audience and expiry.
	ParseAccess(token string, now time.Time) (AccessClaims, error)
	NewRefresh() (string, error)
	// NextRefresh derives the successor of a refresh token, so that a retried
	// rotation can hand out the same successor again without storing it.
	NextRefresh(previous string) string
	HashRefresh(token string) string
}

// Config holds the auth policy.
type Config struct {
	AccessTTL     time.Duration // at most 15 minutes
	RefreshTTL    time.Duration
	RefreshGrace  time.Duration
	FailureWindow time.Duration
	MaxPerUser    int // per username, and per username and known address
	MaxPerAddress int
	// KnownFor is how long an address stays known for a username after a
	// login from it.
	KnownFor time.Duration
	// PendingWait bounds how long an attempt waits for the attempts that hold
	// a limit while their passwords are checked.
	PendingWait time.Duration
}

// DefaultConfig is the policy of the README.
func DefaultConfig() Config {
	return Config{
		AccessTTL: 15 * time.Minute, RefreshTTL: 30 * 24 * time.Hour, RefreshGrace: 10 * time.Second,
		FailureWindow: 15 * time.Minute, MaxPerUser: 5, MaxPerAddress: 20,
		KnownFor: 30 * 24 * time.Hour, PendingWait: 5 * time.Second,
	}
}

// Pair is what login and refresh hand out.
type Pair struct {
	AccessToken  string
	RefreshToken string
	ExpiresIn    time.Duration
}

// Service is authentication.
type Service struct {
	repo      Repository
	passwords PasswordVerifier
	tokens    Tokens
	tx        domain.Transactor
	clock     domain.Clock
	cfg       Config
	// dummyHash is verified against for unknown users, so that they take as
	// long as wrong passwords.
	dummyHash string
}

// NewService wires the auth service.
func NewService(repo Repository, passwords PasswordVerifier, tokens Tokens, tx domain.Transactor, clock domain.Clock, cfg Config) (*Service, error) {
	if cfg.AccessTTL <= 0 || cfg.AccessTTL > 15*time.Minute {
		return nil, errors.New("access token lifetime must be within 15 minutes")
	}
	dummy, err := passwords.Hash("not a real password, only for timing")
	if err != nil {
		return nil, fmt.Errorf("dummy hash: %w", err)
	}
	return &Service{repo: repo, passwords: passwords, tokens: tokens, tx: tx, clock: clock, cfg: cfg, dummyHash: dummy}, nil
}

var errBadCredentials = domain.Unauthenticated("wrong username or password")

// Login checks a username and password and opens a session.
func (s *Service) Login(ctx context.Context, username, password, address string) (Pair, error) {
	username = domain.NormalizeUsername(username)
	attempt, err := s.reserve(ctx, username, address)
	if err != nil {
		return Pair{}, fmt.Errorf("login: %w", err)
	}
	now := attempt.At

	cred, err := s.repo.Credentials(ctx, username)
	found := err == nil
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return Pair{}, fmt.Errorf("login: %w", err)
	}
	hash := s.dummyHash
	if found {
		hash = cred.PasswordHash
	}
	ok := s.passwords.Verify(password, hash) && found && !cred.Disabled
	if !ok {
		if err := s.repo.SettleFailure(ctx, attempt.ID); err != nil {
			return Pair{}, fmt.Errorf("login: %w", err)
		}
		return Pair{}, errBadCredentials
	}

	// Should this fail, the reservation stays pending and counts as a failure
	// once stale: the database is then in no state to be relied on anyway.
	var pair Pair
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.ClearFailures(ctx, username, address, attempt.ID); err != nil {
			return err
		}
		if err := s.repo.RememberAddress(ctx, username, address, now); err != nil {
			return err
		}
		sess := Session{ID: domain.NewID(), UserID: cred.UserID, CreatedAt: now}
		if err := s.repo.CreateSession(ctx, sess); err != nil {
			return err
		}
		refresh, err := s.tokens.NewRefresh()
		if err != nil {
			return err
		}
		pair, err = s.issue(ctx, sess, refresh, now)
		return err
	})
	if err != nil {
		return Pair{}, fmt.Errorf("login: %w", err)
	}
	return pair, nil
}

// staleAfter is when a pending attempt counts as a failure: its login never
// finished (the instance died while checking the password).
const staleAfter = time.Minute

// reserve counts an attempt against the failed-login limits before its
// password is checked, under a lock with the count, so that of N concurrent
// attempts against a limit of L at most L reach the password check. While
// the limit is held only by attempts still being checked, it waits for them
// rather than refusing: those that succeed release their reservations.
func (s *Service) reserve(ctx context.Context, username, address string) (Attempt, error) {
	a := Attempt{ID: domain.NewID(), Username: username, Address: address, Pending: true}
	deadline := time.Now().Add(s.cfg.PendingWait)
	delay := 5 * time.Millisecond
	for {
		a.At = s.clock.Now()
		busy := false
		err := s.tx.InTx(ctx, func(ctx context.Context) error {
			if err := s.repo.LockAttempts(ctx, username, address); err != nil {
				return err
			}
			r, err := s.repo.RecentAttempts(ctx, username, address, a.At.Add(-s.cfg.FailureWindow), a.At.Add(-s.cfg.KnownFor))
			if err != nil {
				return err
			}
			var limited error
			if busy, limited = s.judge(r, address, a.At); limited != nil || busy {
				return limited
			}
			return s.repo.InsertAttempt(ctx, a)
		})
		if err != nil || !busy {
			return a, err
		}
		if time.Now().After(deadline) {
			return Attempt{}, domain.RateLimited("too many logins in progress", time.Second)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return Attempt{}, ctx.Err()
		case <-t.C:
		}
		delay = min(2*delay, 100*time.Millisecond)
	}
}

// judge applies the limits to the recent attempts. An address the username
// logged in from lately meets only the limit on that username from that
// address, so neither strangers guessing the username elsewhere nor
// strangers behind the same address can lock its user out. Anyone else
// meets the limits per username and per address. It answers a rate-limit
// error when failures fill a limit, and busy when failures and pending
// attempts together do.
func (s *Service) judge(r Recent, address string, now time.Time) (busy bool, limited error) {
	type limit struct {
		attempts []Attempt
		max      int
		why      string
	}
	var limits []limit
	if r.Known {
		var pair []Attempt
		for _, a := range r.ByUser {
			if a.Address == address {
				pair = append(pair, a)
			}
		}
		limits = []limit{{pair, s.cfg.MaxPerUser, "too many failed logins for this user from this address"}}
	} else {
		limits = []limit{
			{r.ByUser, s.cfg.MaxPerUser, "too many failed logins for this user"},
			{r.ByAddress, s.cfg.MaxPerAddress, "too many failed logins from this address"},
		}
	}
	stale := now.Add(-staleAfter)
	var wait time.Duration
	why := ""
	for _, l := range limits {
		var failed []time.Time
		pending := 0
		for _, a := range l.attempts {
			if a.Pending && a.At.After(stale) {
				pending++
			} else {
				failed = append(failed, a.At)
			}
		}
		switch {
		case len(failed) >= l.max:
			// The count drops under the limit when this failure ages out.
			if d := retryAfter(failed[len(failed)-l.max], s.cfg.FailureWindow, now); d > wait {
				wait, why = d, l.why
			}
		case len(failed)+pending >= l.max:
			busy = true
		}
	}
	if why != "" {
		return false, domain.RateLimited(why, wait)
	}
	return busy, nil
}

// issue stores a refresh token and signs its access token.
func (s *Service) issue(ctx context.Context, sess Session, refresh string, now time.Time) (Pair, error) {
	rt := RefreshToken{ID: domain.NewID(), SessionID: sess.ID, Hash: s.tokens.HashRefresh(refresh), CreatedAt: now, ExpiresAt: now.Add(s.cfg.RefreshTTL)}
	if err := s.repo.InsertRefresh(ctx, rt); err != nil {
		return Pair{}, err
	}
	return s.pair(sess.UserID, rt, refresh, now)
}

// pair signs the access token that belongs to a refresh token. It is
// deterministic, so a replayed rotation returns the very same pair.
func (s *Service) pair(userID uuid.UUID, rt RefreshToken, refresh string, now time.Time) (Pair, error) {
	claims := AccessClaims{UserID: userID, SessionID: rt.SessionID, TokenID: rt.ID, IssuedAt: rt.CreatedAt, ExpiresAt: rt.CreatedAt.Add(s.cfg.AccessTTL)}
	access, err := s.tokens.SignAccess(claims)
	if err != nil {
		return Pair{}, fmt.Errorf("sign access token: %w", err)
	}
	left := claims.ExpiresAt.Sub(now)
	if left < time.Second {
		left = time.Second
	}
	return Pair{AccessToken: access, RefreshToken: refresh, ExpiresIn: left}, nil
}

// errReuse carries a revocation out of the transaction, which must commit.
var errReuse = domain.Unauthenticated("refresh token already used; the login has been ended")

// Refresh rotates a refresh token.
func (s *Service) Refresh(ctx context.Context, refresh string) (Pair, error) {
	now := s.clock.Now()
	var pair Pair
	reused := false
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		rt, err := s.repo.RefreshByHash(ctx, s.tokens.HashRefresh(refresh))
		if errors.Is(err, domain.ErrNotFound) {
			return domain.Unauthenticated("unknown refresh token")
		}
		if err != nil {
			return err
		}
		sess, err := s.repo.Session(ctx, rt.SessionID)
		if err != nil {
			return err
		}
		p, err := s.repo.Principal(ctx, sess.ID)
		if err != nil {
			return err
		}
		if sess.RevokedAt != nil || p.Disabled {
			return domain.Unauthenticated("the login has ended")
		}
		next := s.tokens.NextRefresh(refresh)
		if rt.UsedAt == nil {
			if now.After(rt.ExpiresAt) {
				return domain.Unauthenticated("refresh token expired")
			}
			newRT := RefreshToken{ID: domain.NewID(), SessionID: sess.ID, Hash: s.tokens.HashRefresh(next), CreatedAt: now, ExpiresAt: now.Add(s.cfg.RefreshTTL)}
			won, err := s.repo.MarkRefreshUsed(ctx, rt.ID, now, newRT.ID)
			if err != nil {
				return err
			}
			if won {
				if err := s.repo.InsertRefresh(ctx, newRT); err != nil {
					return err
				}
				pair, err = s.pair(sess.UserID, newRT, next, now)
				return err
			}
			// A concurrent retry rotated it first; answer as a replay.
			if rt, err = s.repo.RefreshByID(ctx, rt.ID); err != nil {
				return err
			}
		}
		if rt.UsedAt != nil && now.Sub(*rt.UsedAt) <= s.cfg.RefreshGrace && rt.ReplacedBy != uuid.Nil {
			succ, err := s.repo.RefreshByID(ctx, rt.ReplacedBy)
			if err != nil {
				return err
			}
			if succ.Hash == s.tokens.HashRefresh(next) {
				pair, err = s.pair(sess.UserID, succ, next, now)
				return err
			}
		}
		reused = true
		return s.repo.RevokeSession(ctx, sess.ID, now, "refresh token reuse")
	})
	if err != nil {
		return Pair{}, fmt.Errorf("refresh: %w", err)
	}
	if reused {
		return Pair{}, errReuse
	}
	return pair, nil
}

// Logout ends the login a refresh token belongs to; unknown tokens are ignored.
func (s *Service) Logout(ctx context.Context, refresh string) error {
	now := s.clock.Now()
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		rt, err := s.repo.RefreshByHash(ctx, s.tokens.HashRefresh(refresh))
		if errors.Is(err, domain.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return s.repo.RevokeSession(ctx, rt.SessionID, now, "logout")
	})
	if err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}

// Authenticate turns an access token into the actor, checking that its
// login is live and its user enabled, so revocation takes effect at once.
func (s *Service) Authenticate(ctx context.Context, token string) (domain.Actor, error) {
	c, err := s.tokens.ParseAccess(token, s.clock.Now())
	if err != nil {
		return domain.Actor{}, domain.Unauthenticated("invalid or expired access token")
	}
	p, err := s.repo.Principal(ctx, c.SessionID)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Actor{}, domain.Unauthenticated("invalid or expired access token")
	}
	if err != nil {
		return domain.Actor{}, fmt.Errorf("authenticate: %w", err)
	}
	if p.Revoked || p.Disabled || p.UserID != c.UserID {
		return domain.Actor{}, domain.Unauthenticated("the login has ended")
	}
	return domain.Actor{UserID: p.UserID, Role: p.Role, CustomerID: p.CustomerID, SessionID: c.SessionID}, nil
}

// Prune deletes expired refresh tokens and old failed-login records.
func (s *Service) Prune(ctx context.Context) (int64, error) {
	now := s.clock.Now()
	n, err := s.repo.Prune(ctx, now, now.Add(-s.cfg.FailureWindow))
	if err != nil {
		return n, err
	}
	m, err := s.repo.ForgetAddresses(ctx, now.Add(-s.cfg.KnownFor))
	return n + m, err
}

func retryAfter(oldest time.Time, window time.Duration, now time.Time) time.Duration {
	d := oldest.Add(window).Sub(now)
	if d < time.Second {
		d = time.Second
	}
	return d
}
