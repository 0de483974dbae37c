package contract

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Service keeps contracts.
type Service struct {
	repo   Repository
	dir    Directory
	tx     domain.Transactor
	events domain.EventLog
	clock  domain.Clock
}

// NewService wires contracts.
func NewService(repo Repository, dir Directory, tx domain.Transactor, events domain.EventLog, clock domain.Clock) *Service {
	return &Service{repo: repo, dir: dir, tx: tx, events: events, clock: clock}
}

// writer reports whether the actor may record and change contracts.
func writer(a domain.Actor) bool { return a.Is(domain.RoleAdmin, domain.RoleManager) }

// reader reports whether the actor reads every customer's contracts.
func reader(a domain.Actor) bool { return a.IsStaff() || a.Is(domain.RoleFinance) }

// NewContract is the input of Create.
type NewContract struct {
	Number         string
	CustomerID     uuid.UUID
	StartsOn       time.Time
	EndsOn         time.Time
	VehicleIDs     []uuid.UUID // nil: all the customer's vehicles
	SLA            map[string]Term
	WarrantyMonths *int
}

// Create records a contract (admin, manager). One customer's contracts
// may not cover one vehicle on one day (409), and numbers are unique (409).
func (s *Service) Create(ctx context.Context, in NewContract) (Contract, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Contract{}, err
	}
	if !writer(actor) {
		return Contract{}, domain.Forbidden("only admins and managers record contracts")
	}
	now := s.clock.Now()
	c := Contract{ID: domain.NewID(), CustomerID: in.CustomerID, StartsOn: Day(in.StartsOn), EndsOn: Day(in.EndsOn),
		WarrantyMonths: in.WarrantyMonths, Version: 1, CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now}
	var fe domain.FieldErrors
	c.Number = domain.Text(&fe, "number", in.Number, 1, 64)
	if in.VehicleIDs != nil {
		c.VehicleIDs = dedupe(in.VehicleIDs)
	}
	c.SLA = validTerms(&fe, in.SLA)
	validDays(&fe, c)
	validWarranty(&fe, c.WarrantyMonths)
	if err := fe.Err(); err != nil {
		return Contract{}, err
	}
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		ok, err := s.dir.CustomerExists(ctx, c.CustomerID)
		if err != nil {
			return err
		}
		if !ok {
			return domain.Invalid("customer_id", "no such customer")
		}
		if err := s.checkVehicles(ctx, c); err != nil {
			return err
		}
		if err := s.checkClash(ctx, c); err != nil {
			return err
		}
		if err := s.repo.Insert(ctx, c); err != nil {
			return err
		}
		return s.events.Append(ctx, domain.NewEvent("contract", c.ID, "contract.created", actor.UserID, now, eventData(c)))
	})
	if err != nil {
		return Contract{}, fmt.Errorf("create contract: %w", err)
	}
	return c, nil
}

// visible is the contract if the actor may read it: staff and finance any,
// a customer user its own customer's (another's is 404). Technicians read
// no contracts (403).
func (s *Service) visible(ctx context.Context, id uuid.UUID) (domain.Actor, Contract, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return actor, Contract{}, err
	}
	if !reader(actor) && actor.Role != domain.RoleCustomer {
		return actor, Contract{}, domain.Forbidden("this role does not read contracts")
	}
	c, err := s.repo.ByID(ctx, id)
	if err != nil {
		return actor, Contract{}, err
	}
	if !reader(actor) && actor.CustomerID != c.CustomerID {
		return actor, Contract{}, domain.NotFound("contract")
	}
	return actor, c, nil
}

// Get returns one contract the actor may read.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (Contract, error) {
	_, c, err := s.visible(ctx, id)
	if err != nil {
		return Contract{}, fmt.Errorf("contract %s: %w", id, err)
	}
	return c, nil
}

// List pages through the contracts the actor may read, oldest first. A
// customer user asking for another customer's finds none.
func (s *Service) List(ctx context.Context, f Filter, p domain.PageRequest) (domain.Page[Contract], error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return domain.Page[Contract]{}, err
	}
	switch {
	case reader(actor):
	case actor.Role == domain.RoleCustomer:
		if f.CustomerID != uuid.Nil && f.CustomerID != actor.CustomerID {
			return domain.Page[Contract]{Items: []Contract{}}, nil
		}
		f.CustomerID = actor.CustomerID
	default:
		return domain.Page[Contract]{}, domain.Forbidden("this role does not read contracts")
	}
	if f.ActiveOn != nil {
		d := Day(*f.ActiveOn)
		f.ActiveOn = &d
	}
	return s.repo.List(ctx, f, p.Normalize())
}

// Edit is the input of Update; absent fields stay as they are.
type Edit struct {
	StartsOn   *time.Time
	EndsOn     *time.Time
	VehicleIDs domain.Patch[[]uuid.UUID] // cleared: all the customer's vehicles
	SLA        *map[string]Term          // replaces the terms whole
	// WarrantyMonths cleared leaves the warranty to the terminal model.
	WarrantyMonths domain.Patch[int]
}

// Update changes a contract (admin, manager). Work orders created under it
// keep the terms they were created with. The checks run as for work
// orders: 404, 403, If-Match (428, 412), input 422, then clashes 409.
func (s *Service) Update(ctx context.Context, id uuid.UUID, version *int, in Edit) (Contract, error) {
	var out Contract
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		actor, c, err := s.visible(ctx, id)
		if err != nil {
			return err
		}
		if !writer(actor) {
			return domain.Forbidden("only admins and managers change contracts")
		}
		if err := domain.MatchVersion("contract", c.Version, version); err != nil {
			return err
		}
		changes := map[string]any{}
		var fe domain.FieldErrors
		if in.StartsOn != nil && !Day(*in.StartsOn).Equal(c.StartsOn) {
			c.StartsOn = Day(*in.StartsOn)
			changes["starts_on"] = c.StartsOn.Format(time.DateOnly)
		}
		if in.EndsOn != nil && !Day(*in.EndsOn).Equal(c.EndsOn) {
			c.EndsOn = Day(*in.EndsOn)
			changes["ends_on"] = c.EndsOn.Format(time.DateOnly)
		}
		if in.VehicleIDs.Set {
			var vs []uuid.UUID
			if in.VehicleIDs.Value != nil {
				vs = dedupe(*in.VehicleIDs.Value)
			}
			if !sameVehicles(vs, c.VehicleIDs) {
				c.VehicleIDs = vs
				changes["vehicle_ids"] = vehicleData(vs)
			}
		}
		if in.SLA != nil {
			terms := validTerms(&fe, *in.SLA)
			if !maps(terms, c.SLA) {
				c.SLA = terms
				changes["sla"] = termsData(terms)
			}
		}
		if in.WarrantyMonths.Set && !sameInt(in.WarrantyMonths.Value, c.WarrantyMonths) {
			c.WarrantyMonths = in.WarrantyMonths.Value
			validWarranty(&fe, c.WarrantyMonths)
			changes["warranty_months"] = c.WarrantyMonths
		}
		validDays(&fe, c)
		if err := fe.Err(); err != nil {
			return err
		}
		if len(changes) == 0 {
			out = c // an edit that changes nothing is no event
			return nil
		}
		if err := s.checkVehicles(ctx, c); err != nil {
			return err
		}
		if err := s.checkClash(ctx, c); err != nil {
			return err
		}
		prev := c.Version
		c.Version++
		c.UpdatedAt = s.clock.Now()
		if err := s.repo.Update(ctx, c, prev); err != nil {
			return err
		}
		out = c
		return s.events.Append(ctx, domain.NewEvent("contract", c.ID, "contract.updated", actor.UserID, c.UpdatedAt, changes))
	})
	if err != nil {
		return Contract{}, fmt.Errorf("update contract: %w", err)
	}
	return out, nil
}

// InForce is the contract in force on the day of at over every one of the
// vehicles, which are the customer's; ok is false when none covers them.
// Vehicles under different contracts, or some under one and some under
// none, are refused (422): an order is archived under one contract and
// runs by one set of terms. It acts as the system: the work-order service
// has already judged its caller.
func (s *Service) InForce(ctx context.Context, customerID uuid.UUID, vehicleIDs []uuid.UUID, at time.Time) (Contract, bool, error) {
	day := Day(at)
	cs, err := s.repo.Overlapping(ctx, customerID, day, day)
	if err != nil {
		return Contract{}, false, fmt.Errorf("contract in force: %w", err)
	}
	var found *Contract
	var names []string
	uncovered := false
	for _, v := range vehicleIDs {
		i := slices.IndexFunc(cs, func(c Contract) bool { return c.Covers(v) })
		switch {
		case i < 0:
			uncovered = true
		case found == nil:
			found = &cs[i]
			names = append(names, cs[i].Number)
		case found.ID != cs[i].ID && !slices.Contains(names, cs[i].Number):
			names = append(names, cs[i].Number)
		}
	}
	switch {
	case found == nil:
		return Contract{}, false, nil
	case len(names) > 1 || uncovered:
		if uncovered {
			names = append(names, "none")
		}
		return Contract{}, false, domain.Invalid(vehicleField(vehicleIDs),
			fmt.Sprintf("the vehicles fall under different contracts on %s (%s); make one order per contract",
				day.Format(time.DateOnly), strings.Join(names, ", ")))
	}
	return *found, true, nil
}

// vehicleField names the vehicles of a work order's input: one is a
// repair's vehicle_id.
func vehicleField(ids []uuid.UUID) string {
	if len(ids) == 1 {
		return "vehicle_id"
	}
	return "vehicle_ids"
}

// checkVehicles refuses vehicles that are not the customer's (422).
func (s *Service) checkVehicles(ctx context.Context, c Contract) error {
	if c.AllVehicles() {
		return nil
	}
	ok, err := s.dir.VehiclesOfCustomer(ctx, c.CustomerID, c.VehicleIDs)
	if err != nil {
		return err
	}
	if !ok {
		return domain.Invalid("vehicle_ids", "not all vehicles of this customer")
	}
	return nil
}

// checkClash refuses c if another of the customer's contracts would cover
// one of its vehicles on one of its days (409), under a lock per customer
// so that two clashing writes can't both pass.
func (s *Service) checkClash(ctx context.Context, c Contract) error {
	if err := s.repo.LockCustomer(ctx, c.CustomerID); err != nil {
		return err
	}
	others, err := s.repo.Overlapping(ctx, c.CustomerID, c.StartsOn, c.EndsOn)
	if err != nil {
		return err
	}
	for _, o := range others {
		if c.Clashes(o) {
			return domain.Conflict("contract %s already covers some of these vehicles from %s to %s; a vehicle is under one contract on any day",
				o.Number, o.StartsOn.Format(time.DateOnly), o.EndsOn.Format(time.DateOnly))
		}
	}
	return nil
}

func validDays(fe *domain.FieldErrors, c Contract) {
	if c.EndsOn.Before(c.StartsOn) {
		fe.Add("ends_on", "is before starts_on")
	}
}

func validWarranty(fe *domain.FieldErrors, months *int) {
	if months != nil && (*months < 0 || *months > 120) {
		fe.Add("warranty_months", "must be 0 to 120")
	}
}

// validTerms checks each priority's terms: known priorities, positive
// limits of at most a year in whole minutes, resolution no sooner than
// arrival.
func validTerms(fe *domain.FieldErrors, in map[string]Term) map[string]Term {
	out := map[string]Term{}
	for p, t := range in {
		field := "sla." + p
		if !slices.Contains(Priorities, p) {
			fe.Add(field, "not a priority")
			continue
		}
		ok := true
		for name, d := range map[string]time.Duration{"respond_minutes": t.Respond, "resolve_minutes": t.Resolve} {
			if d < time.Minute || d > MaxTermMinutes*time.Minute || d%time.Minute != 0 {
				fe.Add(field+"."+name, fmt.Sprintf("must be 1 to %d minutes", MaxTermMinutes))
				ok = false
			}
		}
		if ok && t.Resolve < t.Respond {
			fe.Add(field+".resolve_minutes", "is less than respond_minutes")
		}
		out[p] = t
	}
	return out
}

// dedupe is ids without repeats, in byte order, as the store keeps them.
func dedupe(ids []uuid.UUID) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.SortFunc(out, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	return out
}

func sameVehicles(a, b []uuid.UUID) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for _, v := range a {
		if !slices.Contains(b, v) {
			return false
		}
	}
	return true
}

func maps(a, b map[string]Term) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func sameInt(a, b *int) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

func vehicleData(vs []uuid.UUID) any {
	if vs == nil {
		return nil
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.String()
	}
	return out
}

func termsData(ts map[string]Term) map[string]any {
	out := map[string]any{}
	for p, t := range ts {
		out[p] = map[string]any{"respond_minutes": int(t.Respond / time.Minute), "resolve_minutes": int(t.Resolve / time.Minute)}
	}
	return out
}

func eventData(c Contract) map[string]any {
	return map[string]any{"number": c.Number, "customer_id": c.CustomerID.String(), "starts_on": c.StartsOn.Format(time.DateOnly),
		"ends_on": c.EndsOn.Format(time.DateOnly), "vehicle_ids": vehicleData(c.VehicleIDs), "sla": termsData(c.SLA),
		"warranty_months": c.WarrantyMonths}
}
