package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/custody"
)

type terminalModelRow struct {
	ID             uuid.UUID
	Name           string
	Manufacturer   string
	WarrantyMonths int
	CreatedAt      time.Time
}

func (terminalModelRow) TableName() string { return "terminal_models" }

func (r terminalModelRow) domain() custody.TerminalModel {
	return custody.TerminalModel{ID: r.ID, Name: r.Name, Manufacturer: r.Manufacturer, WarrantyMonths: r.WarrantyMonths, CreatedAt: r.CreatedAt.UTC()}
}

type terminalRow struct {
	ID               uuid.UUID
	Serial           string
	Imei             string
	ModelID          uuid.UUID
	Firmware         *string
	Status           string
	CustomerID       *uuid.UUID
	VehicleID        *uuid.UUID
	InstalledAt      *time.Time
	FirstInstalledOn *string
	WarrantyMonths   *int
	Label            *string
	CreatedAt        time.Time
	UpdatedAt        time.Time `gorm:"autoUpdateTime:false"`
}

func (terminalRow) TableName() string { return "terminals" }

func toTerminalRow(t custody.Terminal) terminalRow {
	return terminalRow{ID: t.ID, Serial: t.Serial, Imei: t.IMEI, ModelID: t.ModelID, Firmware: t.Firmware, Status: string(t.Status),
		CustomerID: optID(t.CustomerID), VehicleID: optID(t.VehicleID), InstalledAt: utcPtr(t.InstalledAt),
		FirstInstalledOn: dateText(t.FirstInstalledOn), WarrantyMonths: t.WarrantyMonths, Label: t.Label, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC()}
}

func (r terminalRow) domain() custody.Terminal {
	return custody.Terminal{ID: r.ID, Serial: r.Serial, IMEI: r.Imei, ModelID: r.ModelID, Firmware: r.Firmware, Status: custody.TerminalStatus(r.Status),
		CustomerID: idOf(r.CustomerID), VehicleID: idOf(r.VehicleID), InstalledAt: utcPtr(r.InstalledAt),
		FirstInstalledOn: parseDate(r.FirstInstalledOn), WarrantyMonths: r.WarrantyMonths, Label: r.Label, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

type simRow struct {
	ID          uuid.UUID
	Iccid       string
	Msisdn      string
	Carrier     string
	Status      string
	CustomerID  *uuid.UUID
	VehicleID   *uuid.UUID
	InstalledAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time `gorm:"autoUpdateTime:false"`
}

func (simRow) TableName() string { return "sims" }

func toSimRow(s custody.Sim) simRow {
	return simRow{ID: s.ID, Iccid: s.ICCID, Msisdn: s.MSISDN, Carrier: s.Carrier, Status: string(s.Status), CustomerID: optID(s.CustomerID),
		VehicleID: optID(s.VehicleID), InstalledAt: utcPtr(s.InstalledAt), CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC()}
}

func (r simRow) domain() custody.Sim {
	return custody.Sim{ID: r.ID, ICCID: r.Iccid, MSISDN: r.Msisdn, Carrier: r.Carrier, Status: custody.SimStatus(r.Status),
		CustomerID: idOf(r.CustomerID), VehicleID: idOf(r.VehicleID), InstalledAt: utcPtr(r.InstalledAt), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

type custodyActionRow struct {
	ID           uuid.UUID
	WorkOrderID  uuid.UUID
	Action       string
	VehicleID    uuid.UUID
	TerminalID   *uuid.UUID
	SimID        *uuid.UUID
	OldID        *uuid.UUID
	NewID        *uuid.UUID
	Reason       *string
	PhotoIds     string
	TechnicianID uuid.UUID
	At           time.Time
}

func (custodyActionRow) TableName() string { return "custody_actions" }

// Custody stores terminals, SIM cards, models and on-site actions.
type Custody struct{ db *DB }

var _ custody.Repository = Custody{}

// Custody returns the custody repository.
func (db *DB) Custody() Custody { return Custody{db} }

// InsertModel adds a terminal model; a name the manufacturer has is a conflict.
func (s Custody) InsertModel(ctx context.Context, m custody.TerminalModel) error {
	row := terminalModelRow{ID: m.ID, Name: m.Name, Manufacturer: m.Manufacturer, WarrantyMonths: m.WarrantyMonths, CreatedAt: m.CreatedAt.UTC()}
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		if _, ok := uniqueViolation(err); ok {
			return domain.Conflict("%s already has a model named %s", m.Manufacturer, m.Name)
		}
		return fmt.Errorf("insert terminal model: %w", err)
	}
	return nil
}

// Model finds a terminal model.
func (s Custody) Model(ctx context.Context, id uuid.UUID) (custody.TerminalModel, error) {
	var r terminalModelRow
	if err := s.db.conn(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return custody.TerminalModel{}, notFound(err, "terminal model")
	}
	return r.domain(), nil
}

// ListModels pages through models in creation order.
func (s Custody) ListModels(ctx context.Context, p domain.PageRequest) (domain.Page[custody.TerminalModel], error) {
	return pageByID(s.db.conn(ctx).Model(&terminalModelRow{}), p, func(r terminalModelRow) uuid.UUID { return r.ID }, terminalModelRow.domain)
}

// InsertTerminal adds a terminal; a taken serial or IMEI is a conflict.
func (s Custody) InsertTerminal(ctx context.Context, t custody.Terminal) error {
	row := toTerminalRow(t)
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		if _, ok := uniqueViolation(err); ok {
			return domain.Conflict("a terminal with serial %s or IMEI %s is registered already", t.Serial, t.IMEI)
		}
		return fmt.Errorf("insert terminal: %w", err)
	}
	return nil
}

// Terminal finds a terminal.
func (s Custody) Terminal(ctx context.Context, id uuid.UUID) (custody.Terminal, error) {
	var r terminalRow
	if err := s.db.conn(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return custody.Terminal{}, notFound(err, "terminal")
	}
	return r.domain(), nil
}

func unitFilter(q *gorm.DB, f custody.UnitFilter, search string) *gorm.DB {
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.CustomerID != uuid.Nil {
		q = q.Where("customer_id = ?", f.CustomerID)
	}
	if f.VehicleID != uuid.Nil {
		q = q.Where("vehicle_id = ?", f.VehicleID)
	}
	if f.Query != "" {
		q = q.Where(search, likeContains(f.Query), likeContains(f.Query))
	}
	return q
}

// ListTerminals pages through terminals in registration order.
func (s Custody) ListTerminals(ctx context.Context, f custody.UnitFilter, p domain.PageRequest) (domain.Page[custody.Terminal], error) {
	q := unitFilter(s.db.conn(ctx).Model(&terminalRow{}), f, `(lower(serial) LIKE ? ESCAPE '\' OR imei LIKE ? ESCAPE '\')`)
	return pageByID(q, p, func(r terminalRow) uuid.UUID { return r.ID }, terminalRow.domain)
}

// InsertSim adds a SIM card; a taken ICCID is a conflict.
func (s Custody) InsertSim(ctx context.Context, sim custody.Sim) error {
	row := toSimRow(sim)
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		if _, ok := uniqueViolation(err); ok {
			return domain.Conflict("a SIM card with ICCID %s is registered already", sim.ICCID)
		}
		return fmt.Errorf("insert SIM: %w", err)
	}
	return nil
}

// Sim finds a SIM card.
func (s Custody) Sim(ctx context.Context, id uuid.UUID) (custody.Sim, error) {
	var r simRow
	if err := s.db.conn(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return custody.Sim{}, notFound(err, "SIM card")
	}
	return r.domain(), nil
}

// ListSims pages through SIM cards in registration order.
func (s Custody) ListSims(ctx context.Context, f custody.UnitFilter, p domain.PageRequest) (domain.Page[custody.Sim], error) {
	q := unitFilter(s.db.conn(ctx).Model(&simRow{}), f, `(iccid LIKE ? ESCAPE '\' OR msisdn LIKE ? ESCAPE '\')`)
	return pageByID(q, p, func(r simRow) uuid.UUID { return r.ID }, simRow.domain)
}

// moved maps a lost race or a broken one-unit-per-vehicle rule to "not moved".
func moved(res *gorm.DB) (bool, error) {
	if res.Error != nil {
		if _, ok := uniqueViolation(res.Error); ok {
			return false, nil
		}
		return false, res.Error
	}
	return res.RowsAffected == 1, nil
}

// MoveTerminal saves t if it is still where the caller found it.
func (s Custody) MoveTerminal(ctx context.Context, t custody.Terminal, from custody.TerminalStatus, fromVehicle uuid.UUID) (bool, error) {
	row := toTerminalRow(t)
	q := s.db.conn(ctx).Model(&terminalRow{}).Where("id = ? AND status = ?", t.ID, string(from))
	if fromVehicle != uuid.Nil {
		q = q.Where("vehicle_id = ?", fromVehicle)
	}
	ok, err := moved(q.Select("*").Omit("id", "serial", "imei", "model_id", "created_at").Updates(&row))
	if err != nil {
		return false, fmt.Errorf("move terminal: %w", err)
	}
	return ok, nil
}

// MoveSim saves sim if it is still where the caller found it.
func (s Custody) MoveSim(ctx context.Context, sim custody.Sim, from custody.SimStatus, fromVehicle uuid.UUID) (bool, error) {
	row := toSimRow(sim)
	q := s.db.conn(ctx).Model(&simRow{}).Where("id = ? AND status = ?", sim.ID, string(from))
	if fromVehicle != uuid.Nil {
		q = q.Where("vehicle_id = ?", fromVehicle)
	}
	ok, err := moved(q.Select("*").Omit("id", "iccid", "created_at").Updates(&row))
	if err != nil {
		return false, fmt.Errorf("move SIM: %w", err)
	}
	return ok, nil
}

// InstalledTerminal finds the terminal installed on a vehicle.
func (s Custody) InstalledTerminal(ctx context.Context, vehicleID uuid.UUID) (custody.Terminal, bool, error) {
	var rows []terminalRow
	if err := s.db.conn(ctx).Where("vehicle_id = ? AND status = 'installed'", vehicleID).Limit(1).Find(&rows).Error; err != nil {
		return custody.Terminal{}, false, fmt.Errorf("terminal on vehicle: %w", err)
	}
	if len(rows) == 0 {
		return custody.Terminal{}, false, nil
	}
	return rows[0].domain(), true, nil
}

// InstalledOn finds the units installed on a vehicle.
func (s Custody) InstalledOn(ctx context.Context, vehicleID uuid.UUID) (uuid.UUID, uuid.UUID, error) {
	var ids []uuid.UUID
	if err := s.db.conn(ctx).Model(&terminalRow{}).Where("vehicle_id = ? AND status = 'installed'", vehicleID).Pluck("id", &ids).Error; err != nil {
		return uuid.Nil, uuid.Nil, fmt.Errorf("units on vehicle: %w", err)
	}
	var sims []uuid.UUID
	if err := s.db.conn(ctx).Model(&simRow{}).Where("vehicle_id = ? AND status = 'installed'", vehicleID).Pluck("id", &sims).Error; err != nil {
		return uuid.Nil, uuid.Nil, fmt.Errorf("units on vehicle: %w", err)
	}
	var t, sim uuid.UUID
	if len(ids) > 0 {
		t = ids[0]
	}
	if len(sims) > 0 {
		sim = sims[0]
	}
	return t, sim, nil
}

// InsertAction records an installation or a swap.
func (s Custody) InsertAction(ctx context.Context, a custody.Action) error {
	photos, err := json.Marshal(a.PhotoIDs)
	if err != nil {
		return err
	}
	row := custodyActionRow{ID: a.ID, WorkOrderID: a.WorkOrderID, VehicleID: a.VehicleID, PhotoIds: string(photos),
		TechnicianID: a.TechnicianID, At: a.At.UTC()}
	if a.Install {
		row.Action, row.TerminalID, row.SimID = "install", optID(a.TerminalID), optID(a.SimID)
	} else {
		row.Action, row.OldID, row.NewID, row.Reason = "swap_"+string(a.Kind), optID(a.OldID), optID(a.NewID), &a.Reason
	}
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("record %s: %w", row.Action, err)
	}
	return nil
}

// Actions lists the orders' installations and swaps in one query. It is
// on every work-order read, so it scans by hand (see raw.go).
func (s Custody) Actions(ctx context.Context, orderIDs []uuid.UUID) (map[uuid.UUID][]custody.Action, error) {
	out := map[uuid.UUID][]custody.Action{}
	if len(orderIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(orderIDs))
	for i, id := range orderIDs {
		args[i] = id
	}
	rows, err := s.db.sqlConn(ctx).QueryContext(ctx, `SELECT id, work_order_id, action, vehicle_id, terminal_id, sim_id, old_id, new_id,
		reason, photo_ids, technician_id, at FROM custody_actions WHERE work_order_id IN (`+placeholders(len(orderIDs))+`) ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list installs and swaps: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r custodyActionRow
		if err := rows.Scan(&r.ID, &r.WorkOrderID, &r.Action, &r.VehicleID, &r.TerminalID, &r.SimID, &r.OldID, &r.NewID,
			&r.Reason, &r.PhotoIds, &r.TechnicianID, &r.At); err != nil {
			return nil, fmt.Errorf("list installs and swaps: %w", err)
		}
		a := custody.Action{ID: r.ID, WorkOrderID: r.WorkOrderID, VehicleID: r.VehicleID, TechnicianID: r.TechnicianID, At: r.At.UTC(),
			TerminalID: idOf(r.TerminalID), SimID: idOf(r.SimID), OldID: idOf(r.OldID), NewID: idOf(r.NewID)}
		_ = json.Unmarshal([]byte(r.PhotoIds), &a.PhotoIDs)
		switch r.Action {
		case "install":
			a.Install = true
		case "swap_terminal":
			a.Kind = custody.KindTerminal
		case "swap_sim":
			a.Kind = custody.KindSim
		}
		if r.Reason != nil {
			a.Reason = *r.Reason
		}
		out[r.WorkOrderID] = append(out[r.WorkOrderID], a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list installs and swaps: %w", err)
	}
	return out, nil
}
