// Package pricelist keeps the company's price list (价目表): what a part,
// an hour of labour or a paid extra service costs from a given day. A change
// of price is a new version of the item's code, valid from a day; versions
// are never edited, so a line priced by one keeps it.
package pricelist

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Kind is what an item is.
type Kind string

// The kinds of item.
const (
	Part        Kind = "part"
	Labour      Kind = "labour"
	PaidService Kind = "service"
)

// Unit is what the price is per.
type Unit string

// The units.
const (
	Each  Unit = "each"
	Hour  Unit = "hour"
	Visit Unit = "visit"
)

// MaxFen bounds a unit price; billing.MaxFen, the spec's Fen maximum, is
// the same, and a test holds the three together.
const MaxFen int64 = 100_000_000_000

// Item is one version of a code on the list. Money is integer fen.
type Item struct {
	ID        uuid.UUID
	Code      string
	Version   int
	Kind      Kind
	Name      string
	Unit      Unit
	UnitPrice int64
	ValidFrom time.Time // a day, at midnight UTC
	CreatedBy uuid.UUID
	CreatedAt time.Time
}

// Filter narrows List.
type Filter struct {
	Code string
	Kind Kind
	On   *time.Time // only the version of each code in force on the day
}

// Repository stores the versions.
type Repository interface {
	// Insert adds a version; a code and version already taken is a conflict.
	Insert(ctx context.Context, it Item) error
	ByID(ctx context.Context, id uuid.UUID) (Item, error)
	// Latest is the code's newest version, by valid_from then version.
	Latest(ctx context.Context, code string) (Item, error)
	// On is the code's version in force on the day: the latest whose
	// valid_from is not after it. Not found when none is.
	On(ctx context.Context, code string, day time.Time) (Item, error)
	List(ctx context.Context, f Filter, p domain.PageRequest) (domain.Page[Item], error)
}

// Service keeps the price list.
type Service struct {
	repo   Repository
	tx     domain.Transactor
	events domain.EventLog
	clock  domain.Clock
}

// NewService wires the price list.
func NewService(repo Repository, tx domain.Transactor, events domain.EventLog, clock domain.Clock) *Service {
	return &Service{repo: repo, tx: tx, events: events, clock: clock}
}

// NormalizeCode is a code as the list keeps it: codes are case-insensitive.
func NormalizeCode(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

// Day is the UTC day of t, at midnight: the day a price is looked up for.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// New is a first version.
type New struct {
	Code      string
	Kind      Kind
	Name      string
	Unit      Unit
	UnitPrice int64
	ValidFrom *time.Time
}

// Update is a change that makes a new version; nil fields are kept.
type Update struct {
	Name      *string
	Unit      *Unit
	UnitPrice *int64
	ValidFrom *time.Time
}

func canRead(a domain.Actor) bool {
	return a.Is(domain.RoleAdmin, domain.RoleManager, domain.RoleDispatcher, domain.RoleFinance, domain.RoleTechnician)
}

func canWrite(a domain.Actor) bool { return a.Is(domain.RoleAdmin, domain.RoleManager) }

func (s *Service) writer(ctx context.Context) (domain.Actor, error) {
	a, err := domain.MustActor(ctx)
	if err != nil {
		return a, err
	}
	if !canWrite(a) {
		return a, domain.Forbidden("only admins and managers change the price list")
	}
	return a, nil
}

func (s *Service) reader(ctx context.Context) error {
	a, err := domain.MustActor(ctx)
	if err != nil {
		return err
	}
	if !canRead(a) {
		return domain.Forbidden("customers do not read the price list")
	}
	return nil
}

func check(fe *domain.FieldErrors, it *Item) {
	it.Name = domain.Text(fe, "name", it.Name, 1, 500)
	switch it.Kind {
	case Part, Labour, PaidService:
	default:
		fe.Add("kind", "must be part, labour or service")
	}
	switch it.Unit {
	case Each, Hour, Visit:
	default:
		fe.Add("unit", "must be each, hour or visit")
	}
	if it.UnitPrice < 0 || it.UnitPrice > MaxFen {
		fe.Add("unit_price", fmt.Sprintf("must be 0 to %d fen", MaxFen))
	}
}

// Create puts a code on the list (admin, manager). A code already on it is
// 409: its price changes by Update.
func (s *Service) Create(ctx context.Context, in New) (Item, error) {
	a, err := s.writer(ctx)
	if err != nil {
		return Item{}, err
	}
	now := s.clock.Now()
	it := Item{ID: domain.NewID(), Code: NormalizeCode(in.Code), Version: 1, Kind: in.Kind, Name: in.Name, Unit: in.Unit,
		UnitPrice: in.UnitPrice, ValidFrom: Day(now), CreatedBy: a.UserID, CreatedAt: now}
	if in.ValidFrom != nil {
		it.ValidFrom = Day(*in.ValidFrom)
	}
	var fe domain.FieldErrors
	if it.Code == "" {
		fe.Add("code", "must not be blank")
	}
	check(&fe, &it)
	if err := fe.Err(); err != nil {
		return Item{}, fmt.Errorf("create price item: %w", err)
	}
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.repo.Latest(ctx, it.Code); err == nil {
			return domain.Conflict("code %s is already on the price list; change its price with PATCH", it.Code)
		} else if domain.KindOf(err) != domain.KindNotFound {
			return err
		}
		if err := s.repo.Insert(ctx, it); err != nil {
			return err
		}
		return s.events.Append(ctx, s.event(it, "price_item.created", a.UserID))
	})
	if err != nil {
		return Item{}, fmt.Errorf("create price item: %w", err)
	}
	return it, nil
}

// Update makes a new version of the item's code from a day (today when
// none is given), with the fields given and the rest from the code's
// latest version (admin, manager). Two changes of one code at once: one
// wins, the other is 409.
func (s *Service) Update(ctx context.Context, id uuid.UUID, in Update) (Item, error) {
	a, err := s.writer(ctx)
	if err != nil {
		return Item{}, err
	}
	var out Item
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		v, err := s.repo.ByID(ctx, id)
		if err != nil {
			return err
		}
		latest, err := s.repo.Latest(ctx, v.Code)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		it := latest
		it.ID, it.Version, it.CreatedBy, it.CreatedAt, it.ValidFrom = domain.NewID(), latest.Version+1, a.UserID, now, Day(now)
		if in.Name != nil {
			it.Name = *in.Name
		}
		if in.Unit != nil {
			it.Unit = *in.Unit
		}
		if in.UnitPrice != nil {
			it.UnitPrice = *in.UnitPrice
		}
		if in.ValidFrom != nil {
			it.ValidFrom = Day(*in.ValidFrom)
		}
		var fe domain.FieldErrors
		check(&fe, &it)
		if it.ValidFrom.Before(latest.ValidFrom) {
			fe.Add("valid_from", "must not be before the latest version's, "+latest.ValidFrom.Format(time.DateOnly))
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if err := s.repo.Insert(ctx, it); err != nil {
			return err
		}
		out = it
		return s.events.Append(ctx, s.event(it, "price_item.changed", a.UserID))
	})
	if err != nil {
		return Item{}, fmt.Errorf("change price item: %w", err)
	}
	return out, nil
}

func (s *Service) event(it Item, typ string, actor uuid.UUID) domain.Event {
	return domain.NewEvent("price_item", it.ID, typ, actor, it.CreatedAt, map[string]any{"code": it.Code, "version": it.Version,
		"kind": string(it.Kind), "name": it.Name, "unit": string(it.Unit), "unit_price": it.UnitPrice, "valid_from": it.ValidFrom.Format(time.DateOnly)})
}

// Get is one version (staff, finance, technicians).
func (s *Service) Get(ctx context.Context, id uuid.UUID) (Item, error) {
	if err := s.reader(ctx); err != nil {
		return Item{}, err
	}
	return s.repo.ByID(ctx, id)
}

// List pages through the versions (staff, finance, technicians).
func (s *Service) List(ctx context.Context, f Filter, p domain.PageRequest) (domain.Page[Item], error) {
	if err := s.reader(ctx); err != nil {
		return domain.Page[Item]{}, err
	}
	f.Code = NormalizeCode(f.Code)
	if f.On != nil {
		d := Day(*f.On)
		f.On = &d
	}
	return s.repo.List(ctx, f, p.Normalize())
}

// PriceOn is the code's version in force on the day of t, if the code is
// on the list then. It acts as the system: its caller, billing, has
// already checked who may record a line.
func (s *Service) PriceOn(ctx context.Context, code string, t time.Time) (Item, bool, error) {
	it, err := s.repo.On(ctx, NormalizeCode(code), Day(t))
	switch {
	case err == nil:
		return it, true, nil
	case domain.KindOf(err) == domain.KindNotFound:
		return Item{}, false, nil
	default:
		return Item{}, false, fmt.Errorf("price on the day: %w", err)
	}
}
