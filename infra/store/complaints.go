package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/complaint"
)

type complaintRow struct {
	ID               uuid.UUID
	CustomerID       uuid.UUID
	WorkOrderID      *uuid.UUID
	Channel          string
	Category         string
	Severity         string
	Description      string
	Status           string
	Version          int
	OwnerID          uuid.UUID
	AcknowledgeBy    time.Time
	ResolveBy        time.Time
	Escalated        bool
	Resolution       *string
	CustomerInformed bool
	CreatedAt        time.Time
	UpdatedAt        time.Time `gorm:"autoUpdateTime:false"`
	AcknowledgedAt   *time.Time
	ResolvedAt       *time.Time
	ClosedAt         *time.Time
}

func (complaintRow) TableName() string { return "complaints" }

func toComplaintRow(c complaint.Complaint) complaintRow {
	return complaintRow{ID: c.ID, CustomerID: c.CustomerID, WorkOrderID: optID(c.WorkOrderID), Channel: c.Channel, Category: c.Category,
		Severity: string(c.Severity), Description: c.Description, Status: string(c.Status), Version: c.Version, OwnerID: c.OwnerID,
		AcknowledgeBy: c.AcknowledgeBy.UTC(), ResolveBy: c.ResolveBy.UTC(), Escalated: c.Escalated, Resolution: c.Resolution,
		CustomerInformed: c.CustomerInformed, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(), AcknowledgedAt: utcPtr(c.AcknowledgedAt),
		ResolvedAt: utcPtr(c.ResolvedAt), ClosedAt: utcPtr(c.ClosedAt)}
}

func (r complaintRow) domain() complaint.Complaint {
	return complaint.Complaint{ID: r.ID, CustomerID: r.CustomerID, WorkOrderID: idOf(r.WorkOrderID), Channel: r.Channel, Category: r.Category,
		Severity: complaint.Severity(r.Severity), Description: r.Description, Status: complaint.Status(r.Status), Version: r.Version,
		OwnerID: r.OwnerID, AcknowledgeBy: r.AcknowledgeBy.UTC(), ResolveBy: r.ResolveBy.UTC(), Escalated: r.Escalated, Resolution: r.Resolution,
		CustomerInformed: r.CustomerInformed, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), AcknowledgedAt: utcPtr(r.AcknowledgedAt),
		ResolvedAt: utcPtr(r.ResolvedAt), ClosedAt: utcPtr(r.ClosedAt)}
}

// Complaints stores complaints.
type Complaints struct{ db *DB }

var _ complaint.Repository = Complaints{}

// Complaints returns the complaint repository.
func (db *DB) Complaints() Complaints { return Complaints{db} }

// Insert files a complaint.
func (s Complaints) Insert(ctx context.Context, c complaint.Complaint) error {
	row := toComplaintRow(c)
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert complaint: %w", err)
	}
	return nil
}

// Update saves c if nobody saved another version in between.
func (s Complaints) Update(ctx context.Context, c complaint.Complaint, prevVersion int) error {
	row := toComplaintRow(c)
	res := s.db.conn(ctx).Model(&complaintRow{}).Where("id = ? AND version = ?", c.ID, prevVersion).
		Select("*").Omit("id", "customer_id", "created_at").Updates(&row)
	if res.Error != nil {
		return fmt.Errorf("update complaint: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return &domain.Error{Kind: domain.KindPreconditionFailed, Detail: "the complaint changed meanwhile; fetch it again"}
	}
	return nil
}

// ByID finds a complaint.
func (s Complaints) ByID(ctx context.Context, id uuid.UUID) (complaint.Complaint, error) {
	var r complaintRow
	if err := s.db.conn(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return complaint.Complaint{}, notFound(err, "complaint")
	}
	return r.domain(), nil
}

const overdueComplaint = "((status = 'open' AND (acknowledge_by < @now OR resolve_by < @now)) OR (status = 'acknowledged' AND resolve_by < @now))"

// List pages through complaints in the order they were filed.
func (s Complaints) List(ctx context.Context, f complaint.Filter, p domain.PageRequest) (domain.Page[complaint.Complaint], error) {
	q := s.db.conn(ctx).Model(&complaintRow{})
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.Severity != "" {
		q = q.Where("severity = ?", string(f.Severity))
	}
	if f.CustomerID != uuid.Nil {
		q = q.Where("customer_id = ?", f.CustomerID)
	}
	if f.Overdue {
		q = q.Where(overdueComplaint, map[string]any{"now": f.Now.UTC()})
	}
	page, err := pageByID(q, p, func(r complaintRow) uuid.UUID { return r.ID }, complaintRow.domain)
	if err != nil {
		return page, fmt.Errorf("list complaints: %w", err)
	}
	return page, nil
}

// DueForEscalation lists overdue complaints not yet escalated.
func (s Complaints) DueForEscalation(ctx context.Context, now time.Time, limit int) ([]complaint.Complaint, error) {
	var rows []complaintRow
	err := s.db.conn(ctx).Where("NOT escalated AND "+overdueComplaint, map[string]any{"now": now.UTC()}).Order("id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("complaints due for escalation: %w", err)
	}
	out := make([]complaint.Complaint, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}
