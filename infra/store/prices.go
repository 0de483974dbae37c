package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/pricelist"
)

type priceItemRow struct {
	ID        uuid.UUID
	Code      string
	Version   int
	Kind      string
	Name      string
	Unit      string
	UnitPrice int64
	ValidFrom string // YYYY-MM-DD: sorts as text on both databases
	CreatedBy uuid.UUID
	CreatedAt time.Time
}

func (priceItemRow) TableName() string { return "price_items" }

func (r priceItemRow) domain() pricelist.Item {
	d, _ := time.Parse(time.DateOnly, r.ValidFrom)
	return pricelist.Item{ID: r.ID, Code: r.Code, Version: r.Version, Kind: pricelist.Kind(r.Kind), Name: r.Name, Unit: pricelist.Unit(r.Unit),
		UnitPrice: r.UnitPrice, ValidFrom: d, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC()}
}

// PriceList stores the price list's versions.
type PriceList struct{ db *DB }

var _ pricelist.Repository = PriceList{}

// PriceList returns the price-list repository.
func (db *DB) PriceList() PriceList { return PriceList{db} }

// Insert adds a version; a code's version already taken is a conflict.
func (s PriceList) Insert(ctx context.Context, it pricelist.Item) error {
	row := priceItemRow{ID: it.ID, Code: it.Code, Version: it.Version, Kind: string(it.Kind), Name: it.Name, Unit: string(it.Unit),
		UnitPrice: it.UnitPrice, ValidFrom: it.ValidFrom.UTC().Format(time.DateOnly), CreatedBy: it.CreatedBy, CreatedAt: it.CreatedAt.UTC()}
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		if _, ok := uniqueViolation(err); ok {
			return domain.Conflict("%s was changed at the same time; read it again", it.Code)
		}
		return fmt.Errorf("insert price item: %w", err)
	}
	return nil
}

// ByID finds a version.
func (s PriceList) ByID(ctx context.Context, id uuid.UUID) (pricelist.Item, error) {
	var r priceItemRow
	if err := s.db.conn(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return pricelist.Item{}, notFound(err, "price item")
	}
	return r.domain(), nil
}

// Latest is the code's newest version.
func (s PriceList) Latest(ctx context.Context, code string) (pricelist.Item, error) {
	var r priceItemRow
	if err := s.db.conn(ctx).Where("code = ?", code).Order("valid_from DESC, version DESC").Take(&r).Error; err != nil {
		return pricelist.Item{}, notFound(err, "price item")
	}
	return r.domain(), nil
}

// On is the code's version in force on the day.
func (s PriceList) On(ctx context.Context, code string, day time.Time) (pricelist.Item, error) {
	var r priceItemRow
	err := s.db.conn(ctx).Where("code = ? AND valid_from <= ?", code, day.UTC().Format(time.DateOnly)).
		Order("valid_from DESC, version DESC").Take(&r).Error
	if err != nil {
		return pricelist.Item{}, notFound(err, "price item")
	}
	return r.domain(), nil
}

// List pages through versions in creation order.
func (s PriceList) List(ctx context.Context, f pricelist.Filter, p domain.PageRequest) (domain.Page[pricelist.Item], error) {
	q := s.db.conn(ctx).Model(&priceItemRow{})
	if f.Code != "" {
		q = q.Where("code = ?", f.Code)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", string(f.Kind))
	}
	if f.On != nil {
		day := f.On.UTC().Format(time.DateOnly)
		// In force on the day: from on or before it, and no later version of
		// the code from on or before it either.
		q = q.Where(`valid_from <= ? AND NOT EXISTS (SELECT 1 FROM price_items w WHERE w.code = price_items.code AND w.valid_from <= ?
			AND (w.valid_from > price_items.valid_from OR (w.valid_from = price_items.valid_from AND w.version > price_items.version)))`, day, day)
	}
	page, err := pageByID(q, p, func(r priceItemRow) uuid.UUID { return r.ID }, priceItemRow.domain)
	if err != nil {
		return page, fmt.Errorf("list price items: %w", err)
	}
	return page, nil
}
