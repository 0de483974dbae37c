package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/feenotice"
)

type feeNoticeRow struct {
	ID               uuid.UUID
	WorkOrderID      uuid.UUID
	Status           string
	Total            int64
	CreatedBy        uuid.UUID
	CreatedAt        time.Time
	DecidedAt        *time.Time
	DecidedBy        *uuid.UUID
	AcceptedVia      *string
	SignedBy         *string
	SignaturePhotoID *uuid.UUID
	DeclineReason    *string
}

func (feeNoticeRow) TableName() string { return "fee_notices" }

func (r feeNoticeRow) domain(lines []feenotice.Line) feenotice.Notice {
	n := feenotice.Notice{ID: r.ID, WorkOrderID: r.WorkOrderID, Status: feenotice.Status(r.Status), Lines: lines, Total: r.Total,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), DecidedAt: utcPtr(r.DecidedAt), DecidedBy: r.DecidedBy, SignedBy: r.SignedBy,
		SignaturePhotoID: r.SignaturePhotoID, DeclineReason: r.DeclineReason}
	if r.AcceptedVia != nil {
		v := feenotice.Via(*r.AcceptedVia)
		n.AcceptedVia = &v
	}
	return n
}

type feeNoticeLineRow struct {
	NoticeID    uuid.UUID
	LineID      uuid.UUID
	Position    int
	Kind        string
	Description string
	Amount      int64
	Charged     int64
}

func (feeNoticeLineRow) TableName() string { return "fee_notice_lines" }

// FeeNotices stores fee notices.
type FeeNotices struct{ db *DB }

var _ feenotice.Repository = FeeNotices{}

// FeeNotices returns the fee-notice repository.
func (db *DB) FeeNotices() FeeNotices { return FeeNotices{db} }

// LockOrder takes a transaction-scoped advisory lock on the order's notices
// on PostgreSQL; SQLite's immediate transactions already take turns.
func (s FeeNotices) LockOrder(ctx context.Context, orderID uuid.UUID) error {
	if s.db.dialect != Postgres {
		return nil
	}
	if err := s.db.conn(ctx).Exec("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", "fee_notices:"+orderID.String()).Error; err != nil {
		return fmt.Errorf("lock fee notices: %w", err)
	}
	return nil
}

// Insert records a notice with its lines.
func (s FeeNotices) Insert(ctx context.Context, n feenotice.Notice) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		row := feeNoticeRow{ID: n.ID, WorkOrderID: n.WorkOrderID, Status: string(n.Status), Total: n.Total, CreatedBy: n.CreatedBy,
			CreatedAt: n.CreatedAt.UTC()}
		if err := s.db.conn(ctx).Create(&row).Error; err != nil {
			return fmt.Errorf("insert fee notice: %w", err)
		}
		lines := make([]feeNoticeLineRow, len(n.Lines))
		for i, l := range n.Lines {
			lines[i] = feeNoticeLineRow{NoticeID: n.ID, LineID: l.LineID, Position: i, Kind: l.Kind, Description: l.Description,
				Amount: l.Amount, Charged: l.Charged}
		}
		if len(lines) > 0 {
			if err := s.db.conn(ctx).CreateInBatches(&lines, 200).Error; err != nil {
				return fmt.Errorf("insert fee notice lines: %w", err)
			}
		}
		return nil
	})
}

func (s FeeNotices) lines(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]feenotice.Line, error) {
	out := map[uuid.UUID][]feenotice.Line{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []feeNoticeLineRow
	if err := s.db.conn(ctx).Where("notice_id IN ?", ids).Order("notice_id, position").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("fee notice lines: %w", err)
	}
	for _, r := range rows {
		out[r.NoticeID] = append(out[r.NoticeID], feenotice.Line{LineID: r.LineID, Kind: r.Kind, Description: r.Description,
			Amount: r.Amount, Charged: r.Charged})
	}
	return out, nil
}

// ByID finds a notice with its lines.
func (s FeeNotices) ByID(ctx context.Context, id uuid.UUID) (feenotice.Notice, error) {
	var r feeNoticeRow
	if err := s.db.conn(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return feenotice.Notice{}, notFound(err, "fee notice")
	}
	ls, err := s.lines(ctx, []uuid.UUID{id})
	if err != nil {
		return feenotice.Notice{}, err
	}
	return r.domain(ls[id]), nil
}

// List pages through an order's notices, oldest first.
func (s FeeNotices) List(ctx context.Context, orderID uuid.UUID, p domain.PageRequest) (domain.Page[feenotice.Notice], error) {
	q := s.db.conn(ctx).Model(&feeNoticeRow{}).Where("work_order_id = ?", orderID)
	page, err := pageByID(q, p, func(r feeNoticeRow) uuid.UUID { return r.ID }, func(r feeNoticeRow) feenotice.Notice { return r.domain(nil) })
	if err != nil {
		return page, fmt.Errorf("list fee notices: %w", err)
	}
	ids := make([]uuid.UUID, len(page.Items))
	for i, n := range page.Items {
		ids[i] = n.ID
	}
	ls, err := s.lines(ctx, ids)
	if err != nil {
		return page, err
	}
	for i := range page.Items {
		page.Items[i].Lines = ls[page.Items[i].ID]
	}
	return page, nil
}

// Covered are the order's lines on accepted notices.
func (s FeeNotices) Covered(ctx context.Context, orderID uuid.UUID) (map[uuid.UUID]bool, error) {
	var ids []uuid.UUID
	err := s.db.conn(ctx).Table("fee_notice_lines AS l").Joins("JOIN fee_notices AS n ON n.id = l.notice_id").
		Where("n.work_order_id = ? AND n.status = ?", orderID, string(feenotice.Accepted)).Pluck("l.line_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("covered lines: %w", err)
	}
	out := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// SupersedePending marks the order's pending notices superseded.
func (s FeeNotices) SupersedePending(ctx context.Context, orderID uuid.UUID) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	c := s.db.conn(ctx)
	if err := c.Model(&feeNoticeRow{}).Where("work_order_id = ? AND status = ?", orderID, string(feenotice.Pending)).Order("id").Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("pending fee notices: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	if err := c.Model(&feeNoticeRow{}).Where("id IN ? AND status = ?", ids, string(feenotice.Pending)).
		Update("status", string(feenotice.Superseded)).Error; err != nil {
		return nil, fmt.Errorf("supersede fee notices: %w", err)
	}
	return ids, nil
}

// Decide saves the decision while the notice is still pending.
func (s FeeNotices) Decide(ctx context.Context, n feenotice.Notice) (bool, error) {
	var via *string
	if n.AcceptedVia != nil {
		v := string(*n.AcceptedVia)
		via = &v
	}
	res := s.db.conn(ctx).Model(&feeNoticeRow{}).Where("id = ? AND status = ?", n.ID, string(feenotice.Pending)).
		Updates(map[string]any{"status": string(n.Status), "decided_at": utcPtr(n.DecidedAt), "decided_by": n.DecidedBy, "accepted_via": via,
			"signed_by": n.SignedBy, "signature_photo_id": n.SignaturePhotoID, "decline_reason": n.DeclineReason})
	if res.Error != nil {
		return false, fmt.Errorf("decide fee notice: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}
