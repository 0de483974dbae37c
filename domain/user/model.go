// Package user is the accounts aggregate: who may log in and in which role.
package user

import (
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// User is an account.
type User struct {
	ID          uuid.UUID
	Username    string
	DisplayName string
	Role        domain.Role
	Phone       *string
	CustomerID  uuid.UUID // set for, and only for, customer users
	Disabled    bool
	// OnDuty and Skills matter for technicians: dispatch ranks by them.
	OnDuty       bool
	Skills       []string
	PasswordHash string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// NewUser is the input of Create.
type NewUser struct {
	Username    string
	Password    string
	DisplayName string
	Role        domain.Role
	Phone       *string
	CustomerID  uuid.UUID
}

// Update is the input of Update; absent fields stay as they are.
type Update struct {
	DisplayName *string
	Phone       domain.Patch[string]
	Disabled    *bool
	Role        *domain.Role
	OnDuty      *bool
	Skills      *[]string
}

// Filter narrows List.
type Filter struct {
	Role domain.Role // empty for all
}

func validUsername(fe *domain.FieldErrors, s string) string {
	s = domain.NormalizeUsername(s)
	if len(s) < 2 || len(s) > 64 {
		fe.Add("username", "must be 2 to 64 characters")
		return s
	}
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || i > 0 && (r == '.' || r == '_' || r == '-')
		if !ok {
			fe.Add("username", "may hold only letters, digits, dot, dash and underscore, starting with a letter or digit")
			break
		}
	}
	return s
}
