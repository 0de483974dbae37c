package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

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
}

func (loginFailureRow) TableName() string { return "login_failures" }

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

// CountFailures counts failed logins since a time, by username and by address.
func (s Auth) CountFailures(ctx context.Context, username, address string, since time.Time) (auth.Failures, error) {
	var f auth.Failures
	count := func(col, val string, n *int, oldest *time.Time) error {
		var rows []loginFailureRow
		// The window holds at most a few dozen rows per key: the limit stops
		// recording once it is reached.
		err := s.db.conn(ctx).Select("at").Where(col+" = ? AND at > ?", val, since.UTC()).Order("at").Limit(1000).Find(&rows).Error
		if err != nil {
			return err
		}
		*n = len(rows)
		if len(rows) > 0 {
			*oldest = rows[0].At.UTC()
		}
		return nil
	}
	if err := count("username", username, &f.ByUser, &f.OldestUser); err != nil {
		return f, fmt.Errorf("count failed logins: %w", err)
	}
	if err := count("address", address, &f.ByAddress, &f.OldestAddress); err != nil {
		return f, fmt.Errorf("count failed logins: %w", err)
	}
	return f, nil
}

// RecordFailure notes a failed login.
func (s Auth) RecordFailure(ctx context.Context, username, address string, at time.Time) error {
	row := loginFailureRow{ID: domain.NewID(), Username: username, Address: address, At: at.UTC()}
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("record failed login: %w", err)
	}
	return nil
}

// ClearFailures forgets a username's failures after it logs in.
func (s Auth) ClearFailures(ctx context.Context, username string) error {
	if err := s.db.conn(ctx).Where("username = ?", username).Delete(&loginFailureRow{}).Error; err != nil {
		return fmt.Errorf("clear failed logins: %w", err)
	}
	return nil
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
