package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm/clause"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/auth"
)

type sessionRow struct {
	ID           uuid.UUID
	UserID       uuid.UUID
	CreatedAt    time.Time
	RevokedAt    *time.Time
	RevokeReason *string
}

func (sessionRow) TableName() string { return "auth_sessions" }

type refreshRow struct {
	ID         uuid.UUID
	SessionID  uuid.UUID
	TokenHash  string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	UsedAt     *time.Time
	ReplacedBy *uuid.UUID
}

func (refreshRow) TableName() string { return "refresh_tokens" }

func (r refreshRow) domain() auth.RefreshToken {
	t := auth.RefreshToken{ID: r.ID, SessionID: r.SessionID, Hash: r.TokenHash, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}
	if r.UsedAt != nil {
		u := r.UsedAt.UTC()
		t.UsedAt = &u
	}
	if r.ReplacedBy != nil {
		t.ReplacedBy = *r.ReplacedBy
	}
	return t
}

type loginFailureRow struct {
	ID       uuid.UUID
	Username string
	Address  string
	At       time.Time
	Pending  bool
}

func (loginFailureRow) TableName() string { return "login_failures" }

func (r loginFailureRow) domain() auth.Attempt {
	return auth.Attempt{ID: r.ID, Username: r.Username, Address: r.Address, At: r.At.UTC(), Pending: r.Pending}
}

type loginAddressRow struct {
	Username    string
	Address     string
	LastLoginAt time.Time
}

func (loginAddressRow) TableName() string { return "login_addresses" }

// Advisory lock classes (the two-int4 key space) for login attempts.
const (
	lockLoginUser    = 0x4c6f6701
	lockLoginAddress = 0x4c6f6702
)

// Auth stores logins, refresh tokens and failed-login records.
type Auth struct{ db *DB }

var _ auth.Repository = Auth{}

// Auth returns the authentication repository.
func (db *DB) Auth() Auth { return Auth{db} }

// Credentials finds the login data of a username.
func (s Auth) Credentials(ctx context.Context, username string) (auth.Credentials, error) {
	var r userRow
	if err := s.db.conn(ctx).Select("id", "password_hash", "disabled").Take(&r, "username = ?", username).Error; err != nil {
		return auth.Credentials{}, notFound(err, "user")
	}
	return auth.Credentials{UserID: r.ID, PasswordHash: r.PasswordHash, Disabled: r.Disabled}, nil
}

// CreateSession records a login.
func (s Auth) CreateSession(ctx context.Context, sess auth.Session) error {
	row := sessionRow{ID: sess.ID, UserID: sess.UserID, CreatedAt: sess.CreatedAt.UTC()}
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// RevokeSession ends a login unless it has ended already.
func (s Auth) RevokeSession(ctx context.Context, id uuid.UUID, at time.Time, reason string) error {
	err := s.db.conn(ctx).Model(&sessionRow{}).Where("id = ? AND revoked_at IS NULL", id).
		Updates(map[string]any{"revoked_at": at.UTC(), "revoke_reason": reason}).Error
	if err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	return nil
}

// Session finds a login.
func (s Auth) Session(ctx context.Context, id uuid.UUID) (auth.Session, error) {
	var r sessionRow
	if err := s.db.conn(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return auth.Session{}, notFound(err, "session")
	}
	sess := auth.Session{ID: r.ID, UserID: r.UserID, CreatedAt: r.CreatedAt.UTC()}
	if r.RevokedAt != nil {
		at := r.RevokedAt.UTC()
		sess.RevokedAt = &at
	}
	return sess, nil
}

// InsertRefresh stores a refresh token's hash.
func (s Auth) InsertRefresh(ctx context.Context, t auth.RefreshToken) error {
	row := refreshRow{ID: t.ID, SessionID: t.SessionID, TokenHash: t.Hash, CreatedAt: t.CreatedAt.UTC(), ExpiresAt: t.ExpiresAt.UTC()}
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert refresh token: %w", err)
	}
	return nil
}

// RefreshByHash finds a refresh token by its hash.
func (s Auth) RefreshByHash(ctx context.Context, hash string) (auth.RefreshToken, error) {
	var r refreshRow
	if err := s.db.conn(ctx).Take(&r, "token_hash = ?", hash).Error; err != nil {
		return auth.RefreshToken{}, notFound(err, "refresh token")
	}
	return r.domain(), nil
}

// RefreshByID finds a refresh token.
func (s Auth) RefreshByID(ctx context.Context, id uuid.UUID) (auth.RefreshToken, error) {
	var r refreshRow
	if err := s.db.conn(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return auth.RefreshToken{}, notFound(err, "refresh token")
	}
	return r.domain(), nil
}

// MarkRefreshUsed claims an unused token; on PostgreSQL a concurrent claim
// waits on the row lock and then finds it used.
func (s Auth) MarkRefreshUsed(ctx context.Context, id uuid.UUID, at time.Time, replacedBy uuid.UUID) (bool, error) {
	res := s.db.conn(ctx).Model(&refreshRow{}).Where("id = ? AND used_at IS NULL", id).
		Updates(map[string]any{"used_at": at.UTC(), "replaced_by": replacedBy})
	if res.Error != nil {
		return false, fmt.Errorf("use refresh token: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Principal reads the user and login state behind an access token in one query.
func (s Auth) Principal(ctx context.Context, sessionID uuid.UUID) (auth.Principal, error) {
	var r struct {
		ID         uuid.UUID
		Role       string
		CustomerID *uuid.UUID
		Disabled   bool
		RevokedAt  *time.Time
	}
	err := s.db.sqlConn(ctx).QueryRowContext(ctx, `SELECT u.id, u.role, u.customer_id, u.disabled, s.revoked_at
		FROM auth_sessions AS s JOIN users AS u ON u.id = s.user_id WHERE s.id = $1`, sessionID).
		Scan(&r.ID, &r.Role, &r.CustomerID, &r.Disabled, &r.RevokedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Principal{}, domain.NotFound("session")
	}
	if err != nil {
		return auth.Principal{}, fmt.Errorf("read session: %w", err)
	}
	p := auth.Principal{UserID: r.ID, Role: domain.Role(r.Role), Disabled: r.Disabled, Revoked: r.RevokedAt != nil}
	if r.CustomerID != nil {
		p.CustomerID = *r.CustomerID
	}
	return p, nil
}

// LockAttempts takes transaction-scoped advisory locks on the username and
// the address on PostgreSQL: always the username first, so two logins never
// wait on each other in a cycle. SQLite needs none, since its write
// transactions begin immediate and so run one at a time.
func (s Auth) LockAttempts(ctx context.Context, username, address string) error {
	if _, ok := SQLTx(ctx); !ok {
		return errors.New("lock login attempts: not in a transaction")
	}
	if s.db.dialect != Postgres {
		return nil
	}
	c := s.db.conn(ctx)
	if err := c.Exec("SELECT pg_advisory_xact_lock(?, hashtext(?))", lockLoginUser, username).Error; err != nil {
		return fmt.Errorf("lock login attempts: %w", err)
	}
	if err := c.Exec("SELECT pg_advisory_xact_lock(?, hashtext(?))", lockLoginAddress, address).Error; err != nil {
		return fmt.Errorf("lock login attempts: %w", err)
	}
	return nil
}

// RecentAttempts reads the attempts since a time on a username and from an
// address, and whether the username logged in from the address since
// knownSince.
func (s Auth) RecentAttempts(ctx context.Context, username, address string, since, knownSince time.Time) (auth.Recent, error) {
	var r auth.Recent
	c := s.db.conn(ctx)
	read := func(col, val string) ([]auth.Attempt, error) {
		var rows []loginFailureRow
		// The window holds a few dozen rows per key: the limits stop
		// reserving once they are reached.
		if err := c.Where(col+" = ? AND at > ?", val, since.UTC()).Order("at").Limit(1000).Find(&rows).Error; err != nil {
			return nil, err
		}
		out := make([]auth.Attempt, len(rows))
		for i, row := range rows {
			out[i] = row.domain()
		}
		return out, nil
	}
	var err error
	if r.ByUser, err = read("username", username); err != nil {
		return r, fmt.Errorf("read login attempts: %w", err)
	}
	if r.ByAddress, err = read("address", address); err != nil {
		return r, fmt.Errorf("read login attempts: %w", err)
	}
	var n int64
	err = c.Model(&loginAddressRow{}).Where("username = ? AND address = ? AND last_login_at > ?", username, address, knownSince.UTC()).Count(&n).Error
	if err != nil {
		return r, fmt.Errorf("read login addresses: %w", err)
	}
	r.Known = n > 0
	return r, nil
}

// InsertAttempt records a login attempt.
func (s Auth) InsertAttempt(ctx context.Context, a auth.Attempt) error {
	row := loginFailureRow{ID: a.ID, Username: a.Username, Address: a.Address, At: a.At.UTC(), Pending: a.Pending}
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("record login attempt: %w", err)
	}
	return nil
}

// SettleFailure turns a pending attempt into a failure.
func (s Auth) SettleFailure(ctx context.Context, id uuid.UUID) error {
	if err := s.db.conn(ctx).Model(&loginFailureRow{}).Where("id = ?", id).Update("pending", false).Error; err != nil {
		return fmt.Errorf("record failed login: %w", err)
	}
	return nil
}

// ClearFailures forgets a username's failures from an address after it logs
// in from there, and the attempt that did. Other attempts still pending are
// left to settle.
func (s Auth) ClearFailures(ctx context.Context, username, address string, attempt uuid.UUID) error {
	err := s.db.conn(ctx).Where("(username = ? AND address = ? AND NOT pending) OR id = ?", username, address, attempt).
		Delete(&loginFailureRow{}).Error
	if err != nil {
		return fmt.Errorf("clear failed logins: %w", err)
	}
	return nil
}

// RememberAddress notes that a username logged in from an address.
func (s Auth) RememberAddress(ctx context.Context, username, address string, at time.Time) error {
	row := loginAddressRow{Username: username, Address: address, LastLoginAt: at.UTC()}
	err := s.db.conn(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "username"}, {Name: "address"}},
		DoUpdates: clause.AssignmentColumns([]string{"last_login_at"}),
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("remember login address: %w", err)
	}
	return nil
}

// ForgetAddresses deletes the addresses last logged in from before a time.
func (s Auth) ForgetAddresses(ctx context.Context, before time.Time) (int64, error) {
	res := s.db.conn(ctx).Where("last_login_at < ?", before.UTC()).Delete(&loginAddressRow{})
	if res.Error != nil {
		return 0, fmt.Errorf("forget login addresses: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// Prune deletes expired refresh tokens and failed-login records older than
// the window.
func (s Auth) Prune(ctx context.Context, now, failuresBefore time.Time) (int64, error) {
	var total int64
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		c := s.db.conn(ctx)
		res := c.Where("expires_at < ?", now.UTC()).Delete(&refreshRow{})
		if res.Error != nil {
			return res.Error
		}
		total += res.RowsAffected
		res = c.Where("at < ?", failuresBefore.UTC()).Delete(&loginFailureRow{})
		if res.Error != nil {
			return res.Error
		}
		total += res.RowsAffected
		return nil
	})
	if err != nil {
		return total, fmt.Errorf("prune auth: %w", err)
	}
	return total, nil
}
