package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/user"
	"github.com/fieldwork/fieldwork/domain/workorder"
)

type userRow struct {
	ID           uuid.UUID
	Username     string
	DisplayName  string
	Role         string
	Phone        *string
	CustomerID   *uuid.UUID
	Disabled     bool
	OnDuty       bool
	Skills       string
	PasswordHash string
	CreatedAt    time.Time
	UpdatedAt    time.Time `gorm:"autoUpdateTime:false"` // the service's clock, not gorm's
}

func (userRow) TableName() string { return "users" }

func toUserRow(u user.User) userRow {
	r := userRow{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: string(u.Role), Phone: u.Phone,
		Disabled: u.Disabled, OnDuty: u.OnDuty, Skills: skillsJSON(u.Skills), PasswordHash: u.PasswordHash, CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC()}
	if u.CustomerID != uuid.Nil {
		r.CustomerID = &u.CustomerID
	}
	return r
}

func (r userRow) domain() user.User {
	u := user.User{ID: r.ID, Username: r.Username, DisplayName: r.DisplayName, Role: domain.Role(r.Role), Phone: r.Phone,
		Disabled: r.Disabled, OnDuty: r.OnDuty, Skills: parseSkills(r.Skills), PasswordHash: r.PasswordHash,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.CustomerID != nil {
		u.CustomerID = *r.CustomerID
	}
	return u
}

// Users stores accounts.
type Users struct{ db *DB }

var _ user.Repository = Users{}

// Users returns the account repository.
func (db *DB) Users() Users { return Users{db} }

// Insert adds a user; a taken username is a conflict.
func (s Users) Insert(ctx context.Context, u user.User) error {
	row := toUserRow(u)
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		if _, ok := uniqueViolation(err); ok {
			return domain.Conflict("username %q is taken", u.Username)
		}
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

// Update saves every field of u; a missing user is not found.
func (s Users) Update(ctx context.Context, u user.User) error {
	row := toUserRow(u)
	// Select("*") keeps Save from inserting the row when no row matched.
	res := s.db.conn(ctx).Select("*").Save(&row)
	if res.Error != nil {
		return fmt.Errorf("update user: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("user")
	}
	return nil
}

// ByID finds a user.
func (s Users) ByID(ctx context.Context, id uuid.UUID) (user.User, error) {
	var r userRow
	if err := s.db.conn(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return user.User{}, notFound(err, "user")
	}
	return r.domain(), nil
}

// List pages through users in creation order.
func (s Users) List(ctx context.Context, f user.Filter, p domain.PageRequest) (domain.Page[user.User], error) {
	q := s.db.conn(ctx).Model(&userRow{})
	if f.Role != "" {
		q = q.Where("role = ?", string(f.Role))
	}
	page, err := pageByID(q, p, func(r userRow) uuid.UUID { return r.ID }, userRow.domain)
	if err != nil {
		return page, fmt.Errorf("list users: %w", err)
	}
	return page, nil
}

// UsernameTaken reports whether a username is in use.
func (s Users) UsernameTaken(ctx context.Context, username string) (bool, error) {
	var n int64
	if err := s.db.conn(ctx).Model(&userRow{}).Where("username = ?", username).Count(&n).Error; err != nil {
		return false, fmt.Errorf("check username: %w", err)
	}
	return n > 0, nil
}

// Count counts every user.
func (s Users) Count(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.conn(ctx).Model(&userRow{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// RevokeSessions ends every live login of the user.
func (s Users) RevokeSessions(ctx context.Context, userID uuid.UUID, at time.Time, reason string) error {
	err := s.db.conn(ctx).Model(&sessionRow{}).Where("user_id = ? AND revoked_at IS NULL", userID).
		Updates(map[string]any{"revoked_at": at.UTC(), "revoke_reason": reason}).Error
	if err != nil {
		return fmt.Errorf("revoke sessions: %w", err)
	}
	return nil
}

type technicianRow struct {
	ID          uuid.UUID
	DisplayName string
	Phone       *string
	Disabled    bool
	OnDuty      bool
	Skills      string
	Lat, Lng    *float64
	RecordedAt  *time.Time
}

func (r technicianRow) domain() workorder.Technician {
	return workorder.Technician{ID: r.ID, DisplayName: r.DisplayName, Phone: r.Phone, Enabled: !r.Disabled, OnDuty: r.OnDuty,
		Skills: parseSkills(r.Skills), Lat: r.Lat, Lng: r.Lng, LastSeenAt: utcPtr(r.RecordedAt)}
}

func (s Users) technicians(ctx context.Context) *gorm.DB {
	return s.db.conn(ctx).Table("users AS u").
		Select("u.id, u.display_name, u.phone, u.disabled, u.on_duty, u.skills, l.lat, l.lng, l.recorded_at").
		Joins("LEFT JOIN technician_locations AS l ON l.user_id = u.id").
		Where("u.role = ?", string(domain.RoleTechnician))
}

// Technician finds a user of role technician, with its latest position.
func (s Users) Technician(ctx context.Context, id uuid.UUID) (workorder.Technician, error) {
	var r technicianRow
	if err := s.technicians(ctx).Where("u.id = ?", id).Take(&r).Error; err != nil {
		return workorder.Technician{}, notFound(err, "technician")
	}
	return r.domain(), nil
}

// Technicians lists every technician with its latest position, in one query.
func (s Users) Technicians(ctx context.Context) ([]workorder.Technician, error) {
	var rows []technicianRow
	if err := s.technicians(ctx).Order("u.id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list technicians: %w", err)
	}
	out := make([]workorder.Technician, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// EnabledInRole reports whether a user is enabled and has one of the roles.
func (s Users) EnabledInRole(ctx context.Context, userID uuid.UUID, roles ...domain.Role) (bool, error) {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	var n int64
	err := s.db.conn(ctx).Model(&userRow{}).Where("id = ? AND NOT disabled AND role IN ?", userID, names).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("check role: %w", err)
	}
	return n > 0, nil
}
