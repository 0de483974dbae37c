// Package vehicle is the aggregate of the customers' vehicles, where
// terminals are installed.
package vehicle

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Vehicle is one of a customer's vehicles.
type Vehicle struct {
	ID          uuid.UUID
	CustomerID  uuid.UUID
	Plate       string
	VIN         *string
	Model       *string
	DriverName  *string
	DriverPhone *string
	// TerminalID and SimID are the units installed now (zero when none); the
	// chain of custody sets them, never a vehicle update.
	TerminalID uuid.UUID
	SimID      uuid.UUID
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// SearchText is what the list's q filter matches.
func (v Vehicle) SearchText() string {
	return domain.SearchText(v.Plate, deref(v.VIN), deref(v.DriverName), deref(v.DriverPhone))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Plate is a licence plate as ParsePlate normalizes it.
type Plate string

// ParsePlate normalizes a licence plate: spaces, middle dots, dots and dashes
// are dropped and Latin letters upper-cased, so 粤B·1234 5 and 粤b12345 are
// the same plate. The error says what is wrong, for the caller to name the field.
func ParsePlate(s string) (Plate, error) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == ' ' || r == '·' || r == '.' || r == '-' || r == '\u3000':
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToUpper(r))
		default:
			return "", errors.New("may hold only letters and digits")
		}
	}
	p := b.String()
	if n := utf8.RuneCountInString(p); n < 2 || n > 16 {
		return "", errors.New("must be 2 to 16 letters and digits")
	}
	return Plate(p), nil
}

func parseVIN(fe *domain.FieldErrors, s *string) *string {
	if s == nil || strings.TrimSpace(*s) == "" {
		return nil
	}
	v := strings.ToUpper(strings.TrimSpace(*s))
	if len(v) != 17 || strings.ContainsAny(v, "IOQ") || strings.IndexFunc(v, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) >= 0 {
		fe.Add("vin", "must be 17 letters and digits, without I, O or Q")
	}
	return &v
}

// NewVehicle is the input of Create.
type NewVehicle struct {
	CustomerID                          uuid.UUID
	Plate                               Plate
	VIN, Model, DriverName, DriverPhone *string
}

// Update is the input of Update; absent fields stay as they are.
type Update struct {
	Plate                               *Plate
	VIN, Model, DriverName, DriverPhone domain.Patch[string]
}

// Filter narrows List.
type Filter struct {
	CustomerID uuid.UUID // zero for all
	Query      string
}

// Repository is the storage the vehicle service needs. Insert and Update
// return a conflict error when the plate is already the customer's.
type Repository interface {
	Insert(ctx context.Context, v Vehicle) error
	Update(ctx context.Context, v Vehicle) error
	ByID(ctx context.Context, id uuid.UUID) (Vehicle, error)
	List(ctx context.Context, f Filter, p domain.PageRequest) (domain.Page[Vehicle], error)
}

// CustomerChecker tells whether a customer exists.
type CustomerChecker interface {
	CustomerExists(ctx context.Context, id uuid.UUID) (bool, error)
}

// Service manages vehicles.
type Service struct {
	repo      Repository
	customers CustomerChecker
	tx        domain.Transactor
	events    domain.EventLog
	clock     domain.Clock
}

// NewService wires the vehicle service.
func NewService(repo Repository, customers CustomerChecker, tx domain.Transactor, events domain.EventLog, clock domain.Clock) *Service {
	return &Service{repo: repo, customers: customers, tx: tx, events: events, clock: clock}
}

func canRead(a domain.Actor) bool {
	return a.IsStaff() || a.Is(domain.RoleFinance, domain.RoleCustomer)
}

// Create registers a vehicle (admin, manager, dispatcher).
func (s *Service) Create(ctx context.Context, in NewVehicle) (Vehicle, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Vehicle{}, err
	}
	if !actor.IsStaff() {
		return Vehicle{}, domain.Forbidden("only staff may register vehicles")
	}
	var fe domain.FieldErrors
	now := s.clock.Now()
	v := Vehicle{
		ID:          domain.NewID(),
		CustomerID:  in.CustomerID,
		Plate:       string(in.Plate),
		VIN:         parseVIN(&fe, in.VIN),
		Model:       domain.OptionalText(&fe, "model", in.Model, 100),
		DriverName:  domain.OptionalText(&fe, "driver_name", in.DriverName, 100),
		DriverPhone: domain.OptionalPhone(&fe, "driver_phone", in.DriverPhone),
		CreatedAt:   now,
		UpdatedAt:   now,
	}
	if err := fe.Err(); err != nil {
		return Vehicle{}, err
	}
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		ok, err := s.customers.CustomerExists(ctx, v.CustomerID)
		if err != nil {
			return err
		}
		if !ok {
			return domain.Invalid("customer_id", "no such customer")
		}
		if err := s.repo.Insert(ctx, v); err != nil {
			return err
		}
		return s.events.Append(ctx, domain.NewEvent("vehicle", v.ID, "vehicle.created", actor.UserID, now, map[string]any{"plate": v.Plate, "customer_id": v.CustomerID.String()}))
	})
	if err != nil {
		return Vehicle{}, fmt.Errorf("create vehicle: %w", err)
	}
	return v, nil
}

// Get returns one vehicle the actor may see.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (Vehicle, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Vehicle{}, err
	}
	if !canRead(actor) {
		return Vehicle{}, domain.NotFound("vehicle")
	}
	v, err := s.repo.ByID(ctx, id)
	if err != nil {
		return Vehicle{}, err
	}
	if !actor.CanSeeCustomer(v.CustomerID) {
		return Vehicle{}, domain.NotFound("vehicle")
	}
	return v, nil
}

// List pages through the vehicles the actor may see.
func (s *Service) List(ctx context.Context, f Filter, p domain.PageRequest) (domain.Page[Vehicle], error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return domain.Page[Vehicle]{}, err
	}
	if !canRead(actor) {
		return domain.Page[Vehicle]{}, domain.Forbidden("this role may not list vehicles")
	}
	if actor.Role == domain.RoleCustomer {
		if f.CustomerID != uuid.Nil && f.CustomerID != actor.CustomerID {
			return domain.Page[Vehicle]{Items: []Vehicle{}}, nil
		}
		f.CustomerID = actor.CustomerID
	}
	return s.repo.List(ctx, f, p.Normalize())
}

// Update changes a vehicle (admin, manager, dispatcher); its customer can't change.
func (s *Service) Update(ctx context.Context, id uuid.UUID, in Update) (Vehicle, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Vehicle{}, err
	}
	var out Vehicle
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		v, err := s.repo.ByID(ctx, id)
		if err != nil {
			return err
		}
		if !actor.IsStaff() {
			if canRead(actor) && actor.CanSeeCustomer(v.CustomerID) {
				return domain.Forbidden("only staff may change vehicles")
			}
			return domain.NotFound("vehicle")
		}
		var fe domain.FieldErrors
		changes := map[string]any{}
		if in.Plate != nil {
			v.Plate = string(*in.Plate)
			changes["plate"] = v.Plate
		}
		if in.VIN.Set {
			v.VIN = parseVIN(&fe, in.VIN.Value)
			changes["vin"] = v.VIN
		}
		if in.Model.Set {
			v.Model = domain.OptionalText(&fe, "model", in.Model.Value, 100)
			changes["model"] = v.Model
		}
		if in.DriverName.Set {
			v.DriverName = domain.OptionalText(&fe, "driver_name", in.DriverName.Value, 100)
			changes["driver_name"] = v.DriverName
		}
		if in.DriverPhone.Set {
			v.DriverPhone = domain.OptionalPhone(&fe, "driver_phone", in.DriverPhone.Value)
			changes["driver_phone"] = v.DriverPhone
		}
		if err := fe.Err(); err != nil {
			return err
		}
		v.UpdatedAt = s.clock.Now()
		if err := s.repo.Update(ctx, v); err != nil {
			return err
		}
		out = v
		return s.events.Append(ctx, domain.NewEvent("vehicle", v.ID, "vehicle.updated", actor.UserID, v.UpdatedAt, changes))
	})
	if err != nil {
		return Vehicle{}, fmt.Errorf("update vehicle: %w", err)
	}
	return out, nil
}
