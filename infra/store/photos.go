package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/photo"
)

type photoRow struct {
	ID          uuid.UUID
	WorkOrderID uuid.UUID
	Kind        string
	ContentType string
	SizeBytes   int64
	Sha256      string `gorm:"column:sha256"`
	Status      string
	ObjectKey   string
	UploadedBy  uuid.UUID
	CreatedAt   time.Time
}

func (photoRow) TableName() string { return "photos" }

func toPhotoRow(p photo.Photo) photoRow {
	return photoRow{ID: p.ID, WorkOrderID: p.WorkOrderID, Kind: string(p.Kind), ContentType: string(p.ContentType),
		SizeBytes: p.SizeBytes, Sha256: p.SHA256, Status: string(p.Status), ObjectKey: p.ObjectKey,
		UploadedBy: p.UploadedBy, CreatedAt: p.CreatedAt.UTC()}
}

func (r photoRow) domain() photo.Photo {
	return photo.Photo{ID: r.ID, WorkOrderID: r.WorkOrderID, Kind: photo.Kind(r.Kind), ContentType: photo.ContentType(r.ContentType),
		SizeBytes: r.SizeBytes, SHA256: r.Sha256, Status: photo.Status(r.Status), ObjectKey: r.ObjectKey,
		UploadedBy: r.UploadedBy, CreatedAt: r.CreatedAt.UTC()}
}

// Photos stores work-order photos.
type Photos struct{ db *DB }

var _ photo.Repository = Photos{}

// Photos returns the photo repository.
func (db *DB) Photos() Photos { return Photos{db} }

// Insert adds a photo.
func (s Photos) Insert(ctx context.Context, p photo.Photo) error {
	row := toPhotoRow(p)
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert photo: %w", err)
	}
	return nil
}

// ByID finds a photo.
func (s Photos) ByID(ctx context.Context, id uuid.UUID) (photo.Photo, error) {
	var r photoRow
	if err := s.db.conn(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return photo.Photo{}, notFound(err, "photo")
	}
	return r.domain(), nil
}

// MarkReady makes a pending photo ready; false when it was not pending.
func (s Photos) MarkReady(ctx context.Context, id uuid.UUID) (bool, error) {
	res := s.db.conn(ctx).Model(&photoRow{}).Where("id = ? AND status = ?", id, string(photo.Pending)).
		Update("status", string(photo.Ready))
	if res.Error != nil {
		return false, fmt.Errorf("mark photo ready: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// List pages through an order's photos in creation order.
func (s Photos) List(ctx context.Context, workOrderID uuid.UUID, p domain.PageRequest) (domain.Page[photo.Photo], error) {
	q := s.db.conn(ctx).Model(&photoRow{}).Where("work_order_id = ?", workOrderID)
	page, err := pageByID(q, p, func(r photoRow) uuid.UUID { return r.ID }, photoRow.domain)
	if err != nil {
		return page, fmt.Errorf("list photos: %w", err)
	}
	return page, nil
}

// StalePending lists photos pending since before cutoff, oldest first.
func (s Photos) StalePending(ctx context.Context, cutoff time.Time, limit int) ([]photo.Photo, error) {
	var rows []photoRow
	err := s.db.conn(ctx).Where("status = ? AND created_at < ?", string(photo.Pending), cutoff.UTC()).
		Order("created_at, id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list stale photos: %w", err)
	}
	out := make([]photo.Photo, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// DeletePending deletes a photo if it is still pending.
func (s Photos) DeletePending(ctx context.Context, id uuid.UUID) (bool, error) {
	res := s.db.conn(ctx).Where("id = ? AND status = ?", id, string(photo.Pending)).Delete(&photoRow{})
	if res.Error != nil {
		return false, fmt.Errorf("delete photo: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ReadyPhotos reports whether every id is a ready photo of the work order;
// repeated ids count once, and no ids at all is trivially true. Custody
// records cite photos by id through it.
func (s Photos) ReadyPhotos(ctx context.Context, workOrderID uuid.UUID, ids []uuid.UUID) (bool, error) {
	unique := slices.Clone(ids)
	slices.SortFunc(unique, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	unique = slices.Compact(unique)
	if len(unique) == 0 {
		return true, nil
	}
	var n int64
	err := s.db.conn(ctx).Model(&photoRow{}).
		Where("work_order_id = ? AND status = ? AND id IN ?", workOrderID, string(photo.Ready), unique).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("check photos: %w", err)
	}
	return n == int64(len(unique)), nil
}
