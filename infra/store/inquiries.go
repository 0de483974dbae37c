package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/inquiry"
)

type inquiryRow struct {
	ID          uuid.UUID
	CustomerID  *uuid.UUID
	CallerName  string
	CallerPhone string
	Channel     string
	Question    string
	Answer      *string
	ReplyDueAt  *time.Time
	Status      string
	Version     int
	OwnerID     *uuid.UUID
	TakenBy     *uuid.UUID
	WorkOrderID *uuid.UUID
	CreatedAt   time.Time
	UpdatedAt   time.Time `gorm:"autoUpdateTime:false"`
	AnsweredAt  *time.Time
}

func (inquiryRow) TableName() string { return "inquiries" }

func toInquiryRow(q inquiry.Inquiry) inquiryRow {
	return inquiryRow{ID: q.ID, CustomerID: optID(q.CustomerID), CallerName: q.CallerName, CallerPhone: q.CallerPhone, Channel: string(q.Channel),
		Question: q.Question, Answer: q.Answer, ReplyDueAt: utcPtr(q.ReplyDueAt), Status: string(q.Status), Version: q.Version,
		OwnerID: optID(q.OwnerID), TakenBy: optID(q.TakenBy),
		WorkOrderID: optID(q.WorkOrderID), CreatedAt: q.CreatedAt.UTC(), UpdatedAt: q.UpdatedAt.UTC(), AnsweredAt: utcPtr(q.AnsweredAt)}
}

func (r inquiryRow) domain() inquiry.Inquiry {
	return inquiry.Inquiry{ID: r.ID, CustomerID: idOf(r.CustomerID), CallerName: r.CallerName, CallerPhone: r.CallerPhone,
		Channel: inquiry.Channel(r.Channel), Question: r.Question, Answer: r.Answer, ReplyDueAt: utcPtr(r.ReplyDueAt), Status: inquiry.Status(r.Status),
		Version: r.Version, OwnerID: idOf(r.OwnerID), TakenBy: idOf(r.TakenBy), WorkOrderID: idOf(r.WorkOrderID), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		AnsweredAt: utcPtr(r.AnsweredAt)}
}

// Inquiries stores the inquiry ledger.
type Inquiries struct{ db *DB }

var _ inquiry.Repository = Inquiries{}

// Inquiries returns the inquiry ledger.
func (db *DB) Inquiries() Inquiries { return Inquiries{db} }

// Insert adds an inquiry.
func (s Inquiries) Insert(ctx context.Context, q inquiry.Inquiry) error {
	row := toInquiryRow(q)
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert inquiry: %w", err)
	}
	return nil
}

// Update saves every field of q while its version is still prevVersion.
func (s Inquiries) Update(ctx context.Context, q inquiry.Inquiry, prevVersion int) error {
	row := toInquiryRow(q)
	res := s.db.conn(ctx).Model(&inquiryRow{}).Where("id = ? AND version = ?", q.ID, prevVersion).Select("*").Updates(&row)
	if res.Error != nil {
		return fmt.Errorf("update inquiry: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return domain.Conflict("the inquiry was changed meanwhile; reload it")
	}
	return nil
}

// ByID finds an inquiry.
func (s Inquiries) ByID(ctx context.Context, id uuid.UUID) (inquiry.Inquiry, error) {
	var r inquiryRow
	if err := s.db.conn(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return inquiry.Inquiry{}, notFound(err, "inquiry")
	}
	return r.domain(), nil
}

// List pages through the ledger in the order inquiries came in.
func (s Inquiries) List(ctx context.Context, f inquiry.Filter, p domain.PageRequest) (domain.Page[inquiry.Inquiry], error) {
	q := s.db.conn(ctx).Model(&inquiryRow{})
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.OwnerID != uuid.Nil {
		q = q.Where("owner_id = ?", f.OwnerID)
	}
	if f.Unowned {
		q = q.Where("owner_id IS NULL")
	}
	if f.CustomerID != uuid.Nil {
		q = q.Where("customer_id = ?", f.CustomerID)
	}
	if f.Overdue {
		q = q.Where("status = 'open' AND reply_due_at < ?", f.Now.UTC())
	}
	page, err := pageByID(q, p, func(r inquiryRow) uuid.UUID { return r.ID }, inquiryRow.domain)
	if err != nil {
		return page, fmt.Errorf("list inquiries: %w", err)
	}
	return page, nil
}
