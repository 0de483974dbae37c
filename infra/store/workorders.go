package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/workorder"
)

type workOrderRow struct {
	ID               uuid.UUID
	Number           string
	Type             string
	Status           string
	Version          int
	CustomerID       uuid.UUID
	SiteAddress      string
	SiteLat          *float64
	SiteLng          *float64
	Description      string
	FaultSymptoms    *string
	Priority         string
	ContactName      *string
	ContactPhone     *string
	ProductModel     *string
	PurchaseDate     *string
	RequiredSkills   string
	TechnicianID     *uuid.UUID
	ContractorName   *string
	ContractorPhone  *string
	ContractorReason *string
	CheckinLat       *float64
	CheckinLng       *float64
	CheckinAccuracyM *float64
	CheckinDistanceM *float64
	CheckinFar       bool
	CheckinAt        *time.Time
	Resolution       *string
	HoldReason       *string
	HeldFrom         *string
	CreatedBy        uuid.UUID
	CreatedAt        time.Time
	UpdatedAt        time.Time `gorm:"autoUpdateTime:false"`
	ChangeSeq        int64
	RespondBy        time.Time
	ResolveBy        time.Time
	ResolveDeadline  time.Time
	PausedSeconds    int64
	ApprovedAt       *time.Time
	DepartedAt       *time.Time
	ArrivedAt        *time.Time
	CompletedAt      *time.Time
	ClosedAt         *time.Time
	CancelledAt      *time.Time
	HoldStartedAt    *time.Time
	// The warranty recorded when a repair order was approved.
	WarrantyRecorded   bool
	WarrantyTerminalID *uuid.UUID
	WarrantyIn         bool
	WarrantyEndsOn     *string
	FeedbackRating     *int
	FeedbackComment    *string
	FeedbackBy         *uuid.UUID
	FeedbackAt         *time.Time
	// The contract the order was created under, and its terms then.
	ContractID *uuid.UUID
	SLATerms   *string `gorm:"column:sla_terms"`
}

func (workOrderRow) TableName() string { return "work_orders" }

type workOrderVehicleRow struct {
	WorkOrderID uuid.UUID
	VehicleID   uuid.UUID
	Position    int
}

func (workOrderVehicleRow) TableName() string { return "work_order_vehicles" }

type assignmentRow struct {
	WorkOrderID  uuid.UUID
	TechnicianID uuid.UUID
	AssignedAt   time.Time
}

func (assignmentRow) TableName() string { return "work_order_assignments" }

func toWorkOrderRow(o workorder.Order) workOrderRow {
	r := workOrderRow{
		ID: o.ID, Number: o.Number, Type: string(o.Type), Status: string(o.Status), Version: o.Version, CustomerID: o.CustomerID,
		SiteAddress: o.Site.Address, SiteLat: o.Site.Lat, SiteLng: o.Site.Lng, Description: o.Description, FaultSymptoms: o.FaultSymptoms,
		Priority: string(o.Priority), ContactName: o.ContactName, ContactPhone: o.ContactPhone, ProductModel: o.ProductModel,
		RequiredSkills: skillsJSON(o.RequiredSkills), Resolution: o.Resolution, HoldReason: o.HoldReason,
		CreatedBy: o.CreatedBy, CreatedAt: o.CreatedAt.UTC(), UpdatedAt: o.UpdatedAt.UTC(), ChangeSeq: o.ChangeSeq,
		RespondBy: o.Times.RespondBy.UTC(), ResolveBy: o.Times.ResolveBy.UTC(),
		ResolveDeadline: o.Times.ResolveBy.Add(o.Times.Paused).UTC(), PausedSeconds: int64(o.Times.Paused / time.Second),
		ApprovedAt: utcPtr(o.Times.ApprovedAt), DepartedAt: utcPtr(o.Times.DepartedAt), ArrivedAt: utcPtr(o.Times.ArrivedAt),
		CompletedAt: utcPtr(o.Times.CompletedAt), ClosedAt: utcPtr(o.Times.ClosedAt), CancelledAt: utcPtr(o.Times.CancelledAt),
		HoldStartedAt: utcPtr(o.Times.HoldStartedAt),
	}
	if o.PurchaseDate != nil {
		d := o.PurchaseDate.Format(time.DateOnly)
		r.PurchaseDate = &d
	}
	if o.TechnicianID != uuid.Nil {
		r.TechnicianID = &o.TechnicianID
	}
	if c := o.Contractor; c != nil {
		r.ContractorName, r.ContractorPhone, r.ContractorReason = &c.Name, &c.Phone, &c.Reason
	}
	if o.HeldFrom != "" {
		h := string(o.HeldFrom)
		r.HeldFrom = &h
	}
	if fb := o.Feedback; fb != nil {
		r.FeedbackRating, r.FeedbackComment, r.FeedbackBy, r.FeedbackAt = &fb.Rating, fb.Comment, optID(fb.By), utcPtr(&fb.At)
	}
	if w := o.Warranty; w != nil {
		r.WarrantyRecorded, r.WarrantyTerminalID, r.WarrantyIn, r.WarrantyEndsOn = true, optID(w.TerminalID), w.InWarranty, dateText(w.EndsOn)
	}
	if ci := o.CheckIn; ci != nil {
		r.CheckinLat, r.CheckinLng, r.CheckinAccuracyM, r.CheckinDistanceM = &ci.Lat, &ci.Lng, ci.AccuracyM, ci.DistanceM
		r.CheckinFar, r.CheckinAt = ci.Far, utcPtr(&ci.At)
	}
	r.ContractID, r.SLATerms = optID(o.ContractID), orderTermsJSON(o.Terms)
	return r
}

func (r workOrderRow) domain(vehicles []uuid.UUID) workorder.Order {
	o := workorder.Order{
		ID: r.ID, Number: r.Number, Type: workorder.Type(r.Type), Status: workorder.Status(r.Status), Version: r.Version,
		CustomerID: r.CustomerID, VehicleIDs: vehicles, Site: workorder.Site{Address: r.SiteAddress, Lat: r.SiteLat, Lng: r.SiteLng},
		Description: r.Description, FaultSymptoms: r.FaultSymptoms, Priority: workorder.Priority(r.Priority),
		ContactName: r.ContactName, ContactPhone: r.ContactPhone, ProductModel: r.ProductModel,
		Resolution: r.Resolution, HoldReason: r.HoldReason, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), ChangeSeq: r.ChangeSeq,
		Times: workorder.Times{
			// The deadline keeps the time on hold exactly; paused_seconds
			// (whole seconds, for reports) would lose the fraction the SLA
			// filters in List still see.
			RespondBy: r.RespondBy.UTC(), ResolveBy: r.ResolveBy.UTC(), Paused: r.ResolveDeadline.Sub(r.ResolveBy),
			ApprovedAt: utcPtr(r.ApprovedAt), DepartedAt: utcPtr(r.DepartedAt), ArrivedAt: utcPtr(r.ArrivedAt),
			CompletedAt: utcPtr(r.CompletedAt), ClosedAt: utcPtr(r.ClosedAt), CancelledAt: utcPtr(r.CancelledAt),
			HoldStartedAt: utcPtr(r.HoldStartedAt),
		},
	}
	o.RequiredSkills = parseSkills(r.RequiredSkills)
	if r.PurchaseDate != nil {
		if d, err := time.Parse(time.DateOnly, *r.PurchaseDate); err == nil {
			o.PurchaseDate = &d
		}
	}
	if r.TechnicianID != nil {
		o.TechnicianID = *r.TechnicianID
	}
	if r.ContractorName != nil {
		o.Contractor = &workorder.Contractor{Name: *r.ContractorName, Phone: deref(r.ContractorPhone), Reason: deref(r.ContractorReason)}
	}
	if r.HeldFrom != nil {
		o.HeldFrom = workorder.Status(*r.HeldFrom)
	}
	if r.FeedbackRating != nil && r.FeedbackAt != nil {
		o.Feedback = &workorder.Feedback{Rating: *r.FeedbackRating, Comment: r.FeedbackComment, By: idOf(r.FeedbackBy), At: r.FeedbackAt.UTC()}
	}
	if r.WarrantyRecorded {
		o.Warranty = &workorder.WarrantySnapshot{TerminalID: idOf(r.WarrantyTerminalID), InWarranty: r.WarrantyIn, EndsOn: parseDate(r.WarrantyEndsOn)}
	}
	if r.CheckinAt != nil && r.CheckinLat != nil && r.CheckinLng != nil {
		o.CheckIn = &workorder.CheckIn{Lat: *r.CheckinLat, Lng: *r.CheckinLng, AccuracyM: r.CheckinAccuracyM,
			DistanceM: r.CheckinDistanceM, Far: r.CheckinFar, At: r.CheckinAt.UTC()}
	}
	o.ContractID, o.Terms = idOf(r.ContractID), parseOrderTerms(r.SLATerms)
	return o
}

// workOrderColumns are the columns scanWorkOrder reads, in its order.
const workOrderColumns = "id, number, type, status, version, customer_id, site_address, site_lat, site_lng, description, fault_symptoms, priority, contact_name, contact_phone, product_model, purchase_date, required_skills, technician_id, contractor_name, contractor_phone, contractor_reason, checkin_lat, checkin_lng, checkin_accuracy_m, checkin_distance_m, checkin_far, checkin_at, resolution, hold_reason, held_from, created_by, created_at, updated_at, change_seq, respond_by, resolve_by, resolve_deadline, paused_seconds, approved_at, departed_at, arrived_at, completed_at, closed_at, cancelled_at, hold_started_at, warranty_recorded, warranty_terminal_id, warranty_in, warranty_ends_on, feedback_rating, feedback_comment, feedback_by, feedback_at, contract_id, sla_terms"

// scanWorkOrder reads one row of workOrderColumns.
func scanWorkOrder(sc interface{ Scan(dest ...any) error }) (workOrderRow, error) {
	var r workOrderRow
	err := sc.Scan(&r.ID, &r.Number, &r.Type, &r.Status, &r.Version, &r.CustomerID, &r.SiteAddress, &r.SiteLat, &r.SiteLng, &r.Description, &r.FaultSymptoms, &r.Priority, &r.ContactName, &r.ContactPhone, &r.ProductModel, &r.PurchaseDate, &r.RequiredSkills, &r.TechnicianID, &r.ContractorName, &r.ContractorPhone, &r.ContractorReason, &r.CheckinLat, &r.CheckinLng, &r.CheckinAccuracyM, &r.CheckinDistanceM, &r.CheckinFar, &r.CheckinAt, &r.Resolution, &r.HoldReason, &r.HeldFrom, &r.CreatedBy, &r.CreatedAt, &r.UpdatedAt, &r.ChangeSeq, &r.RespondBy, &r.ResolveBy, &r.ResolveDeadline, &r.PausedSeconds, &r.ApprovedAt, &r.DepartedAt, &r.ArrivedAt, &r.CompletedAt, &r.ClosedAt, &r.CancelledAt, &r.HoldStartedAt, &r.WarrantyRecorded, &r.WarrantyTerminalID, &r.WarrantyIn, &r.WarrantyEndsOn, &r.FeedbackRating, &r.FeedbackComment, &r.FeedbackBy, &r.FeedbackAt, &r.ContractID, &r.SLATerms)
	return r, err
}

// values are r's values in workOrderColumns' order.
func (r *workOrderRow) values() []any {
	return []any{r.ID, r.Number, r.Type, r.Status, r.Version, r.CustomerID, r.SiteAddress, r.SiteLat, r.SiteLng, r.Description, r.FaultSymptoms, r.Priority, r.ContactName, r.ContactPhone, r.ProductModel, r.PurchaseDate, r.RequiredSkills, r.TechnicianID, r.ContractorName, r.ContractorPhone, r.ContractorReason, r.CheckinLat, r.CheckinLng, r.CheckinAccuracyM, r.CheckinDistanceM, r.CheckinFar, r.CheckinAt, r.Resolution, r.HoldReason, r.HeldFrom, r.CreatedBy, r.CreatedAt, r.UpdatedAt, r.ChangeSeq, r.RespondBy, r.ResolveBy, r.ResolveDeadline, r.PausedSeconds, r.ApprovedAt, r.DepartedAt, r.ArrivedAt, r.CompletedAt, r.ClosedAt, r.CancelledAt, r.HoldStartedAt, r.WarrantyRecorded, r.WarrantyTerminalID, r.WarrantyIn, r.WarrantyEndsOn, r.FeedbackRating, r.FeedbackComment, r.FeedbackBy, r.FeedbackAt, r.ContractID, r.SLATerms}
}

// workOrderFixed are the columns an order never changes after its insert.
var workOrderFixed = map[string]bool{"id": true, "number": true, "type": true, "customer_id": true, "created_by": true, "created_at": true}

// scanWorkOrders reads every row and closes rows.
func scanWorkOrders(rows *sql.Rows) ([]workOrderRow, error) {
	defer rows.Close()
	var out []workOrderRow
	for rows.Next() {
		r, err := scanWorkOrder(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// WorkOrders stores work orders, their vehicles and assignment history.
type WorkOrders struct{ db *DB }

var _ workorder.Repository = WorkOrders{}

// WorkOrders returns the work-order repository.
func (db *DB) WorkOrders() WorkOrders { return WorkOrders{db} }

// Insert adds an order with its vehicles, its vehicles in one statement.
func (s WorkOrders) Insert(ctx context.Context, o workorder.Order) error {
	row := toWorkOrderRow(o)
	values := row.values()
	c := s.db.sqlConn(ctx)
	if _, err := c.ExecContext(ctx, "INSERT INTO work_orders ("+workOrderColumns+") VALUES ("+placeholders(len(values))+")", values...); err != nil {
		return fmt.Errorf("insert work order: %w", err)
	}
	if len(o.VehicleIDs) == 0 {
		return nil
	}
	var q strings.Builder
	q.WriteString("INSERT INTO work_order_vehicles (work_order_id, vehicle_id, position) VALUES ")
	args := make([]any, 0, 3*len(o.VehicleIDs))
	for i, v := range o.VehicleIDs {
		if i > 0 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "($%d, $%d, $%d)", 3*i+1, 3*i+2, 3*i+3)
		args = append(args, o.ID, v, i)
	}
	if _, err := c.ExecContext(ctx, q.String(), args...); err != nil {
		return fmt.Errorf("insert work order vehicles: %w", err)
	}
	return nil
}

// Update saves o if nobody saved another version in between.
func (s WorkOrders) Update(ctx context.Context, o workorder.Order, prevVersion int) error {
	row := toWorkOrderRow(o)
	values := row.values()
	var q strings.Builder
	q.WriteString("UPDATE work_orders SET ")
	args := make([]any, 0, len(values)+2)
	for i, col := range strings.Split(workOrderColumns, ", ") {
		if workOrderFixed[col] {
			continue
		}
		if len(args) > 0 {
			q.WriteString(", ")
		}
		args = append(args, values[i])
		q.WriteString(col + " = $" + strconv.Itoa(len(args)))
	}
	args = append(args, o.ID, prevVersion)
	fmt.Fprintf(&q, " WHERE id = $%d AND version = $%d", len(args)-1, len(args))
	res, err := s.db.sqlConn(ctx).ExecContext(ctx, q.String(), args...)
	if err != nil {
		return fmt.Errorf("update work order: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("update work order: %w", err)
	}
	if n != 1 {
		return &domain.Error{Kind: domain.KindPreconditionFailed, Detail: "the order changed meanwhile; fetch it again"}
	}
	return nil
}

// ByID finds an order.
func (s WorkOrders) ByID(ctx context.Context, id uuid.UUID) (workorder.Order, error) {
	r, err := scanWorkOrder(s.db.sqlConn(ctx).QueryRowContext(ctx,
		"SELECT "+workOrderColumns+" FROM work_orders WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return workorder.Order{}, domain.NotFound("work order")
	}
	if err != nil {
		return workorder.Order{}, fmt.Errorf("read work order: %w", err)
	}
	out, err := s.withVehicles(ctx, []workOrderRow{r})
	if err != nil {
		return workorder.Order{}, err
	}
	return out[0], nil
}

// ByIDs reads the orders among ids that exist, in two queries.
func (s WorkOrders) ByIDs(ctx context.Context, ids []uuid.UUID) ([]workorder.Order, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.sqlConn(ctx).QueryContext(ctx, "SELECT "+workOrderColumns+" FROM work_orders WHERE id IN ("+placeholders(len(ids))+")", args...)
	if err != nil {
		return nil, fmt.Errorf("read work orders: %w", err)
	}
	found, err := scanWorkOrders(rows)
	if err != nil {
		return nil, fmt.Errorf("read work orders: %w", err)
	}
	return s.withVehicles(ctx, found)
}

// withVehicles loads the vehicles of many orders in one query.
func (s WorkOrders) withVehicles(ctx context.Context, rows []workOrderRow) ([]workorder.Order, error) {
	ids := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	byOrder := map[uuid.UUID][]uuid.UUID{}
	if len(ids) > 0 {
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		rows, err := s.db.sqlConn(ctx).QueryContext(ctx,
			"SELECT work_order_id, vehicle_id FROM work_order_vehicles WHERE work_order_id IN ("+placeholders(len(ids))+") ORDER BY work_order_id, position", args...)
		if err != nil {
			return nil, fmt.Errorf("load work order vehicles: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var o, v uuid.UUID
			if err := rows.Scan(&o, &v); err != nil {
				return nil, fmt.Errorf("load work order vehicles: %w", err)
			}
			byOrder[o] = append(byOrder[o], v)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("load work order vehicles: %w", err)
		}
	}
	out := make([]workorder.Order, len(rows))
	for i, r := range rows {
		vs := byOrder[r.ID]
		if vs == nil {
			vs = []uuid.UUID{}
		}
		out[i] = r.domain(vs)
	}
	return out, nil
}

const openStatuses = "('requested', 'approved', 'assigned', 'accepted', 'en_route', 'on_site', 'on_hold')"

// List pages through orders by the filter. SLA filters mirror
// workorder.Order.Breached and AtRisk; a test holds them to it.
func (s WorkOrders) List(ctx context.Context, f workorder.Filter, p domain.PageRequest) (domain.Page[workorder.Order], error) {
	q := s.db.conn(ctx).Model(&workOrderRow{})
	if len(f.Statuses) > 0 {
		ss := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			ss[i] = string(st)
		}
		q = q.Where("status IN ?", ss)
	}
	if f.Type != "" {
		q = q.Where("type = ?", string(f.Type))
	}
	if f.CustomerID != uuid.Nil {
		q = q.Where("customer_id = ?", f.CustomerID)
	}
	if f.TechnicianID != uuid.Nil {
		q = q.Where("technician_id = ?", f.TechnicianID)
	}
	if f.Priority != "" {
		q = q.Where("priority = ?", string(f.Priority))
	}
	if f.CreatedFrom != nil {
		q = q.Where("created_at >= ?", f.CreatedFrom.UTC())
	}
	if f.CreatedTo != nil {
		q = q.Where("created_at < ?", f.CreatedTo.UTC())
	}
	if f.VisibleTo != uuid.Nil {
		q = q.Where("(technician_id = ? OR EXISTS (SELECT 1 FROM work_order_assignments a WHERE a.work_order_id = work_orders.id AND a.technician_id = ?))",
			f.VisibleTo, f.VisibleTo)
	}
	now := f.Now.UTC()
	breached := `(COALESCE(arrived_at, CASE WHEN status IN ('completed', 'closed') THEN completed_at END, cancelled_at, @now) > respond_by OR
		CASE WHEN status = 'on_hold' THEN hold_started_at > resolve_deadline
		     ELSE COALESCE(CASE WHEN status IN ('completed', 'closed') THEN completed_at END, cancelled_at, @now) > resolve_deadline END)`
	switch f.SLA {
	case "breached":
		q = q.Where(breached, map[string]any{"now": now})
	case "at_risk":
		q = q.Where("status IN "+openStatuses+" AND NOT "+breached+
			" AND ((arrived_at IS NULL AND respond_by <= @soon) OR (status <> 'on_hold' AND resolve_deadline <= @soon))",
			map[string]any{"now": now, "soon": now.Add(workorder.AtRiskWindow)})
	}
	var rows []workOrderRow
	switch f.Sort {
	case "respond_by":
		if p.After != "" {
			keys, err := decodeCursor(p.After, 2)
			if err != nil {
				return domain.Page[workorder.Order]{}, err
			}
			at, err1 := time.Parse(time.RFC3339Nano, keys[0])
			id, err2 := uuid.Parse(keys[1])
			if err1 != nil || err2 != nil {
				return domain.Page[workorder.Order]{}, domain.BadRequest("cursor", "malformed cursor")
			}
			q = q.Where("(respond_by > ? OR (respond_by = ? AND id > ?))", at, at, id)
		}
		q = q.Order("respond_by, id")
	default:
		if p.After != "" {
			after, err := afterID(p.After)
			if err != nil {
				return domain.Page[workorder.Order]{}, err
			}
			q = q.Where("id < ?", after)
		}
		q = q.Order("id DESC")
	}
	sqlRows, err := rowsOf(q.Select(workOrderColumns).Limit(p.Limit + 1))
	if err == nil {
		rows, err = scanWorkOrders(sqlRows)
	}
	if err != nil {
		return domain.Page[workorder.Order]{}, fmt.Errorf("list work orders: %w", err)
	}
	page := domain.Page[workorder.Order]{}
	if len(rows) > p.Limit {
		rows = rows[:p.Limit]
		last := rows[len(rows)-1]
		if f.Sort == "respond_by" {
			page.Next = encodeCursor(last.RespondBy.UTC().Format(time.RFC3339Nano), last.ID.String())
		} else {
			page.Next = encodeCursor(last.ID.String())
		}
	}
	items, err := s.withVehicles(ctx, rows)
	if err != nil {
		return domain.Page[workorder.Order]{}, err
	}
	page.Items = items
	return page, nil
}

// nextCounter increments a named counter in the caller's transaction. The
// row lock it takes is held to commit, so values are handed out in commit
// order across instances.
func (s WorkOrders) nextCounter(ctx context.Context, name string) (int64, error) {
	for range 2 {
		var v int64
		err := s.db.sqlConn(ctx).QueryRowContext(ctx, "UPDATE counters SET value = value + 1 WHERE name = $1 RETURNING value", name).Scan(&v)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("counter %s: %w", name, err)
		}
		if v > 0 {
			return v, nil
		}
		if err := s.db.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&counterRow{Name: name, Value: 0}).Error; err != nil {
			return 0, fmt.Errorf("counter %s: %w", name, err)
		}
	}
	return 0, fmt.Errorf("counter %s: not created", name)
}

type counterRow struct {
	Name  string
	Value int64
}

func (counterRow) TableName() string { return "counters" }

// NextNumber is the next order number of the year.
func (s WorkOrders) NextNumber(ctx context.Context, year int) (int64, error) {
	return s.nextCounter(ctx, "work_order_number_"+strconv.Itoa(year))
}

// NextChangeSeq is the next change sequence.
func (s WorkOrders) NextChangeSeq(ctx context.Context) (int64, error) {
	return s.nextCounter(ctx, "work_order_change_seq")
}

// MaxChangeSeq is the latest change sequence handed out and committed.
func (s WorkOrders) MaxChangeSeq(ctx context.Context) (int64, error) {
	var r counterRow
	err := s.db.conn(ctx).Take(&r, "name = ?", "work_order_change_seq").Error
	if err != nil && err != gorm.ErrRecordNotFound {
		return 0, fmt.Errorf("change sequence: %w", err)
	}
	return r.Value, nil
}

// AddAssignment records that a technician was given the order.
func (s WorkOrders) AddAssignment(ctx context.Context, orderID, technicianID uuid.UUID, at time.Time) error {
	row := assignmentRow{WorkOrderID: orderID, TechnicianID: technicianID, AssignedAt: at.UTC()}
	if err := s.db.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return fmt.Errorf("record assignment: %w", err)
	}
	return nil
}

// EverAssigned reports whether the technician was ever given the order.
func (s WorkOrders) EverAssigned(ctx context.Context, orderID, technicianID uuid.UUID) (bool, error) {
	var n int64
	err := s.db.conn(ctx).Model(&assignmentRow{}).Where("work_order_id = ? AND technician_id = ?", orderID, technicianID).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("check assignment: %w", err)
	}
	return n > 0, nil
}

// Changes lists the technician's orders changed after a sequence.
func (s WorkOrders) Changes(ctx context.Context, technicianID uuid.UUID, after int64, limit int) ([]workorder.Order, error) {
	sqlRows, err := rowsOf(s.db.conn(ctx).Model(&workOrderRow{}).Select(workOrderColumns).
		Where("change_seq > ? AND id IN (SELECT work_order_id FROM work_order_assignments WHERE technician_id = ?)", after, technicianID).
		Order("change_seq").Limit(limit))
	var rows []workOrderRow
	if err == nil {
		rows, err = scanWorkOrders(sqlRows)
	}
	if err != nil {
		return nil, fmt.Errorf("sync changes: %w", err)
	}
	return s.withVehicles(ctx, rows)
}

// OpenAssigned lists the orders now assigned to the technician and not finished.
func (s WorkOrders) OpenAssigned(ctx context.Context, technicianID uuid.UUID, limit int) ([]workorder.Order, error) {
	sqlRows, err := rowsOf(s.db.conn(ctx).Model(&workOrderRow{}).Select(workOrderColumns).
		Where("technician_id = ? AND status IN "+openStatuses, technicianID).Order("change_seq").Limit(limit))
	var rows []workOrderRow
	if err == nil {
		rows, err = scanWorkOrders(sqlRows)
	}
	if err != nil {
		return nil, fmt.Errorf("sync open orders: %w", err)
	}
	return s.withVehicles(ctx, rows)
}

type locationRow struct {
	UserID     uuid.UUID
	Lat, Lng   float64
	AccuracyM  *float64
	RecordedAt time.Time
}

func (locationRow) TableName() string { return "technician_locations" }

// SaveLocation upserts the latest position; an older report loses.
func (s WorkOrders) SaveLocation(ctx context.Context, technicianID uuid.UUID, p workorder.Position, recordedAt time.Time) error {
	row := locationRow{UserID: technicianID, Lat: p.Lat, Lng: p.Lng, AccuracyM: p.AccuracyM, RecordedAt: recordedAt.UTC()}
	err := s.db.conn(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"lat", "lng", "accuracy_m", "recorded_at"}),
		Where:     clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "technician_locations.recorded_at < excluded.recorded_at"}}},
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("save location: %w", err)
	}
	return nil
}

// OpenOrderCounts counts each technician's open orders, in one query.
func (s WorkOrders) OpenOrderCounts(ctx context.Context) (map[uuid.UUID]int, error) {
	var rows []struct {
		TechnicianID uuid.UUID
		N            int
	}
	err := s.db.conn(ctx).Model(&workOrderRow{}).Select("technician_id, count(*) AS n").
		Where("technician_id IS NOT NULL AND status IN " + openStatuses).Group("technician_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count open orders: %w", err)
	}
	out := make(map[uuid.UUID]int, len(rows))
	for _, r := range rows {
		out[r.TechnicianID] = r.N
	}
	return out, nil
}

// OfCustomer reports whether the work order belongs to the customer.
func (s WorkOrders) OfCustomer(ctx context.Context, orderID, customerID uuid.UUID) (bool, error) {
	var n int64
	if err := s.db.conn(ctx).Model(&workOrderRow{}).Where("id = ? AND customer_id = ?", orderID, customerID).Count(&n).Error; err != nil {
		return false, fmt.Errorf("check work order: %w", err)
	}
	return n > 0, nil
}
