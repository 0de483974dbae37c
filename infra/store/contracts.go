package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/contract"
	"github.com/fieldwork/fieldwork/domain/workorder"
)

type contractRow struct {
	ID             uuid.UUID
	Number         string
	CustomerID     uuid.UUID
	StartsOn       string
	EndsOn         string
	AllVehicles    bool
	SLA            string `gorm:"column:sla"`
	WarrantyMonths *int
	Version        int
	CreatedBy      uuid.UUID
	CreatedAt      time.Time
	UpdatedAt      time.Time `gorm:"autoUpdateTime:false"`
}

func (contractRow) TableName() string { return "contracts" }

type contractVehicleRow struct {
	ContractID uuid.UUID
	VehicleID  uuid.UUID
}

func (contractVehicleRow) TableName() string { return "contract_vehicles" }

// slaTerm is one priority's terms as stored, in whole minutes, as the API
// shows them.
type slaTerm struct {
	RespondMinutes int64 `json:"respond_minutes"`
	ResolveMinutes int64 `json:"resolve_minutes"`
}

// termsJSON stores terms per priority as {"urgent": {"respond_minutes": …}}.
func termsJSON(ts map[string]contract.Term) string {
	out := map[string]slaTerm{}
	for p, t := range ts {
		out[p] = slaTerm{RespondMinutes: int64(t.Respond / time.Minute), ResolveMinutes: int64(t.Resolve / time.Minute)}
	}
	b, _ := json.Marshal(out) // a map of plain structs always marshals
	return string(b)
}

func parseTerms(s string) (map[string]contract.Term, error) {
	var in map[string]slaTerm
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, fmt.Errorf("read SLA terms: %w", err)
	}
	out := make(map[string]contract.Term, len(in))
	for p, t := range in {
		out[p] = contract.Term{Respond: time.Duration(t.RespondMinutes) * time.Minute, Resolve: time.Duration(t.ResolveMinutes) * time.Minute}
	}
	return out, nil
}

func toContractRow(c contract.Contract) contractRow {
	return contractRow{ID: c.ID, Number: c.Number, CustomerID: c.CustomerID, StartsOn: c.StartsOn.Format(time.DateOnly),
		EndsOn: c.EndsOn.Format(time.DateOnly), AllVehicles: c.AllVehicles(), SLA: termsJSON(c.SLA), WarrantyMonths: c.WarrantyMonths,
		Version: c.Version, CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

func (r contractRow) domain(vehicles []uuid.UUID) (contract.Contract, error) {
	starts, err1 := time.Parse(time.DateOnly, r.StartsOn)
	ends, err2 := time.Parse(time.DateOnly, r.EndsOn)
	if err1 != nil || err2 != nil {
		return contract.Contract{}, fmt.Errorf("contract %s: bad days %q, %q", r.ID, r.StartsOn, r.EndsOn)
	}
	terms, err := parseTerms(r.SLA)
	if err != nil {
		return contract.Contract{}, err
	}
	c := contract.Contract{ID: r.ID, Number: r.Number, CustomerID: r.CustomerID, StartsOn: starts, EndsOn: ends, SLA: terms,
		WarrantyMonths: r.WarrantyMonths, Version: r.Version, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if !r.AllVehicles {
		c.VehicleIDs = vehicles
		if c.VehicleIDs == nil {
			c.VehicleIDs = []uuid.UUID{}
		}
	}
	return c, nil
}

// Contracts stores service contracts and the vehicles they name.
type Contracts struct{ db *DB }

var _ contract.Repository = Contracts{}

// Contracts returns the contract repository.
func (db *DB) Contracts() Contracts { return Contracts{db} }

// Insert adds a contract with its vehicles; a taken number is a conflict.
func (s Contracts) Insert(ctx context.Context, c contract.Contract) error {
	row := toContractRow(c)
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		if _, ok := uniqueViolation(err); ok {
			return domain.Conflict("contract number %s is taken", c.Number)
		}
		return fmt.Errorf("insert contract: %w", err)
	}
	return s.saveVehicles(ctx, c)
}

// saveVehicles writes the vehicles a contract names, replacing any before.
func (s Contracts) saveVehicles(ctx context.Context, c contract.Contract) error {
	conn := s.db.conn(ctx)
	if err := conn.Where("contract_id = ?", c.ID).Delete(&contractVehicleRow{}).Error; err != nil {
		return fmt.Errorf("save contract vehicles: %w", err)
	}
	if len(c.VehicleIDs) == 0 {
		return nil
	}
	rows := make([]contractVehicleRow, len(c.VehicleIDs))
	for i, v := range c.VehicleIDs {
		rows[i] = contractVehicleRow{ContractID: c.ID, VehicleID: v}
	}
	if err := conn.Create(&rows).Error; err != nil {
		return fmt.Errorf("save contract vehicles: %w", err)
	}
	return nil
}

// Update saves c if nobody saved another version in between.
func (s Contracts) Update(ctx context.Context, c contract.Contract, prevVersion int) error {
	row := toContractRow(c)
	res := s.db.conn(ctx).Model(&contractRow{}).Where("id = ? AND version = ?", c.ID, prevVersion).
		Select("*").Omit("id", "number", "customer_id", "created_by", "created_at").Updates(&row)
	if res.Error != nil {
		return fmt.Errorf("update contract: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return &domain.Error{Kind: domain.KindPreconditionFailed, Detail: "the contract changed meanwhile; fetch it again"}
	}
	return s.saveVehicles(ctx, c)
}

// ByID finds a contract.
func (s Contracts) ByID(ctx context.Context, id uuid.UUID) (contract.Contract, error) {
	var r contractRow
	if err := s.db.conn(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return contract.Contract{}, notFound(err, "contract")
	}
	out, err := s.withVehicles(ctx, []contractRow{r})
	if err != nil {
		return contract.Contract{}, err
	}
	return out[0], nil
}

// List pages through contracts in creation order.
func (s Contracts) List(ctx context.Context, f contract.Filter, p domain.PageRequest) (domain.Page[contract.Contract], error) {
	q := s.db.conn(ctx).Model(&contractRow{})
	if f.CustomerID != uuid.Nil {
		q = q.Where("customer_id = ?", f.CustomerID)
	}
	if f.ActiveOn != nil {
		d := f.ActiveOn.Format(time.DateOnly)
		q = q.Where("starts_on <= ? AND ends_on >= ?", d, d)
	}
	page, err := pageByID(q, p, func(r contractRow) uuid.UUID { return r.ID }, func(r contractRow) contractRow { return r })
	if err != nil {
		return domain.Page[contract.Contract]{}, fmt.Errorf("list contracts: %w", err)
	}
	items, err := s.withVehicles(ctx, page.Items)
	if err != nil {
		return domain.Page[contract.Contract]{}, err
	}
	return domain.Page[contract.Contract]{Items: items, Next: page.Next}, nil
}

// Overlapping lists the customer's contracts in force on any day from from
// to to, oldest first.
func (s Contracts) Overlapping(ctx context.Context, customerID uuid.UUID, from, to time.Time) ([]contract.Contract, error) {
	var rows []contractRow
	err := s.db.conn(ctx).Where("customer_id = ? AND starts_on <= ? AND ends_on >= ?", customerID, to.Format(time.DateOnly), from.Format(time.DateOnly)).
		Order("id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("contracts in force: %w", err)
	}
	return s.withVehicles(ctx, rows)
}

// LockCustomer takes a transaction-scoped advisory lock on the customer's
// contracts on PostgreSQL. SQLite needs none: its write transactions are
// immediate, so writers already take turns.
func (s Contracts) LockCustomer(ctx context.Context, customerID uuid.UUID) error {
	if s.db.dialect != Postgres {
		return nil
	}
	if err := s.db.conn(ctx).Exec("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", "contracts:"+customerID.String()).Error; err != nil {
		return fmt.Errorf("lock contracts: %w", err)
	}
	return nil
}

// withVehicles loads the vehicles of many contracts in one query.
func (s Contracts) withVehicles(ctx context.Context, rows []contractRow) ([]contract.Contract, error) {
	ids := make([]uuid.UUID, 0, len(rows))
	for _, r := range rows {
		if !r.AllVehicles {
			ids = append(ids, r.ID)
		}
	}
	byContract := map[uuid.UUID][]uuid.UUID{}
	if len(ids) > 0 {
		var vs []contractVehicleRow
		if err := s.db.conn(ctx).Where("contract_id IN ?", ids).Order("contract_id, vehicle_id").Find(&vs).Error; err != nil {
			return nil, fmt.Errorf("load contract vehicles: %w", err)
		}
		for _, v := range vs {
			byContract[v.ContractID] = append(byContract[v.ContractID], v.VehicleID)
		}
	}
	out := make([]contract.Contract, len(rows))
	for i, r := range rows {
		c, err := r.domain(byContract[r.ID])
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// orderTerm is one priority's terms as a work order keeps them: Go
// durations, exact whatever FIELDWORK_SLA said.
type orderTerm struct {
	Respond string `json:"respond"`
	Resolve string `json:"resolve"`
}

// orderTermsJSON stores the SLA terms a work order was created under.
func orderTermsJSON(t *workorder.SLATerms) *string {
	if t == nil {
		return nil
	}
	out := map[string]orderTerm{}
	for _, p := range workorder.Priorities {
		respond, resolve := t.For(p)
		out[string(p)] = orderTerm{Respond: respond.String(), Resolve: resolve.String()}
	}
	b, _ := json.Marshal(out) // a map of plain structs always marshals
	s := string(b)
	return &s
}

// parseOrderTerms reads them back; nil (no contract) stays nil.
func parseOrderTerms(s *string) *workorder.SLATerms {
	if s == nil {
		return nil
	}
	var in map[string]orderTerm
	if err := json.Unmarshal([]byte(*s), &in); err != nil {
		return nil
	}
	t := workorder.SLATerms{Respond: map[workorder.Priority]time.Duration{}, Resolve: map[workorder.Priority]time.Duration{}}
	for p, v := range in {
		respond, err1 := time.ParseDuration(v.Respond)
		resolve, err2 := time.ParseDuration(v.Resolve)
		if err1 != nil || err2 != nil {
			return nil
		}
		t.Respond[workorder.Priority(p)], t.Resolve[workorder.Priority(p)] = respond, resolve
	}
	return &t
}
