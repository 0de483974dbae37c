package user

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Repository is the storage the user service needs.
type Repository interface {
	Insert(ctx context.Context, u User) error
	Update(ctx context.Context, u User) error
	ByID(ctx context.Context, id uuid.UUID) (User, error)
	List(ctx context.Context, f Filter, p domain.PageRequest) (domain.Page[User], error)
	UsernameTaken(ctx context.Context, username string) (bool, error)
	Count(ctx context.Context) (int64, error)
	// RevokeSessions ends every login of the user.
	RevokeSessions(ctx context.Context, userID uuid.UUID, at time.Time, reason string) error
}

// CustomerChecker tells whether a customer exists.
type CustomerChecker interface {
	CustomerExists(ctx context.Context, id uuid.UUID) (bool, error)
}

// Hasher turns a password into a storable hash.
type Hasher interface {
	Hash(password string) (string, error)
}

// Service manages accounts.
type Service struct {
	repo      Repository
	customers CustomerChecker
	hasher    Hasher
	tx        domain.Transactor
	events    domain.EventLog
	clock     domain.Clock
}

// NewService wires the user service.
func NewService(repo Repository, customers CustomerChecker, hasher Hasher, tx domain.Transactor, events domain.EventLog, clock domain.Clock) *Service {
	return &Service{repo: repo, customers: customers, hasher: hasher, tx: tx, events: events, clock: clock}
}

// Create adds an account (admin only).
func (s *Service) Create(ctx context.Context, in NewUser) (User, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return User{}, err
	}
	if !actor.Is(domain.RoleAdmin) {
		return User{}, domain.Forbidden("only an admin may create users")
	}
	var fe domain.FieldErrors
	u := User{
		ID:          domain.NewID(),
		Username:    validUsername(&fe, in.Username),
		DisplayName: domain.Text(&fe, "display_name", in.DisplayName, 1, 100),
		Role:        in.Role,
		Phone:       domain.OptionalPhone(&fe, "phone", in.Phone),
		CustomerID:  in.CustomerID,
		Skills:      []string{},
	}
	if utf8.RuneCountInString(in.Password) < MinPasswordLength {
		fe.Add("password", fmt.Sprintf("must be at least %d characters", MinPasswordLength))
	}
	if _, err := domain.ParseRole(string(in.Role)); err != nil {
		fe.Add("role", "unknown role")
	}
	switch {
	case in.Role == domain.RoleCustomer && in.CustomerID == uuid.Nil:
		fe.Add("customer_id", "is required for a customer user")
	case in.Role != domain.RoleCustomer && in.CustomerID != uuid.Nil:
		fe.Add("customer_id", "is only for customer users")
	}
	if err := fe.Err(); err != nil {
		return User{}, err
	}
	hash, err := s.hasher.Hash(in.Password)
	if err != nil {
		return User{}, fmt.Errorf("hash password: %w", err)
	}
	u.PasswordHash = hash
	u.CreatedAt = s.clock.Now()
	u.UpdatedAt = u.CreatedAt

	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if u.CustomerID != uuid.Nil {
			ok, err := s.customers.CustomerExists(ctx, u.CustomerID)
			if err != nil {
				return err
			}
			if !ok {
				return domain.Invalid("customer_id", "no such customer")
			}
		}
		taken, err := s.repo.UsernameTaken(ctx, u.Username)
		if err != nil {
			return err
		}
		if taken {
			return domain.Conflict("username %q is taken", u.Username)
		}
		if err := s.repo.Insert(ctx, u); err != nil {
			return err
		}
		return s.events.Append(ctx, domain.NewEvent("user", u.ID, "user.created", actor.UserID, u.CreatedAt, map[string]any{
			"username": u.Username, "role": string(u.Role),
		}))
	})
	if err != nil {
		return User{}, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// Bootstrap creates the first admin when there are no users at all; it
// reports whether it did. Start-up calls it, so it acts as the system.
func (s *Service) Bootstrap(ctx context.Context, username, password string) (bool, error) {
	var created bool
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		n, err := s.repo.Count(ctx)
		if err != nil || n > 0 {
			return err
		}
		hash, err := s.hasher.Hash(password)
		if err != nil {
			return fmt.Errorf("hash password: %w", err)
		}
		now := s.clock.Now()
		u := User{ID: domain.NewID(), Username: username, DisplayName: "Administrator", Role: domain.RoleAdmin,
			PasswordHash: hash, Skills: []string{}, CreatedAt: now, UpdatedAt: now}
		if err := s.repo.Insert(ctx, u); err != nil {
			return err
		}
		created = true
		return s.events.Append(ctx, domain.NewEvent("user", u.ID, "user.created", uuid.Nil, now, map[string]any{"username": username, "role": "admin", "bootstrap": true}))
	})
	if err != nil {
		return false, fmt.Errorf("bootstrap admin: %w", err)
	}
	return created, nil
}

// Get returns one user: staff see anyone, others only themselves.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (User, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return User{}, err
	}
	if !actor.IsStaff() && actor.UserID != id {
		return User{}, domain.NotFound("user")
	}
	return s.repo.ByID(ctx, id)
}

// List pages through users (admin, manager, dispatcher).
func (s *Service) List(ctx context.Context, f Filter, p domain.PageRequest) (domain.Page[User], error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return domain.Page[User]{}, err
	}
	if !actor.IsStaff() {
		return domain.Page[User]{}, domain.Forbidden("only staff may list users")
	}
	return s.repo.List(ctx, f, p.Normalize())
}

// Update changes an account (admin only). Disabling ends its logins at once.
func (s *Service) Update(ctx context.Context, id uuid.UUID, in Update) (User, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return User{}, err
	}
	if !actor.Is(domain.RoleAdmin) {
		return User{}, domain.Forbidden("only an admin may change users")
	}
	var out User
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		u, err := s.repo.ByID(ctx, id)
		if err != nil {
			return err
		}
		changes := map[string]any{}
		var fe domain.FieldErrors
		if in.DisplayName != nil {
			u.DisplayName = domain.Text(&fe, "display_name", *in.DisplayName, 1, 100)
			changes["display_name"] = u.DisplayName
		}
		if in.Phone.Set {
			u.Phone = domain.OptionalPhone(&fe, "phone", in.Phone.Value)
			changes["phone"] = u.Phone
		}
		if in.Role != nil && *in.Role != u.Role {
			switch {
			case u.ID == actor.UserID:
				fe.Add("role", "an admin can't change its own role")
			case *in.Role == domain.RoleCustomer || u.Role == domain.RoleCustomer:
				fe.Add("role", "a customer account can't change role; create a new user instead")
			default:
				changes["role"] = map[string]any{"from": string(u.Role), "to": string(*in.Role)}
				u.Role = *in.Role
			}
		}
		if in.OnDuty != nil {
			if u.Role != domain.RoleTechnician {
				fe.Add("on_duty", "is only for technicians")
			}
			u.OnDuty = *in.OnDuty
			changes["on_duty"] = u.OnDuty
		}
		if in.Skills != nil {
			u.Skills = domain.Skills(&fe, "skills", *in.Skills)
			changes["skills"] = u.Skills
		}
		disabling := false
		if in.Disabled != nil && *in.Disabled != u.Disabled {
			if u.ID == actor.UserID && *in.Disabled {
				fe.Add("disabled", "an admin can't disable itself")
			} else {
				disabling = *in.Disabled
				u.Disabled = *in.Disabled
				changes["disabled"] = u.Disabled
			}
		}
		if err := fe.Err(); err != nil {
			return err
		}
		u.UpdatedAt = s.clock.Now()
		if err := s.repo.Update(ctx, u); err != nil {
			return err
		}
		if disabling {
			if err := s.repo.RevokeSessions(ctx, u.ID, u.UpdatedAt, "user disabled"); err != nil {
				return err
			}
		}
		out = u
		return s.events.Append(ctx, domain.NewEvent("user", u.ID, "user.updated", actor.UserID, u.UpdatedAt, changes))
	})
	if err != nil {
		return User{}, fmt.Errorf("update user: %w", err)
	}
	return out, nil
}
