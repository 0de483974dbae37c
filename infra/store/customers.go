package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/customer"
)

type customerRow struct {
	ID          uuid.UUID
	Name        string
	ContactName string
	Phone       string
	Address     string
	Notes       *string
	SearchText  string
	SmsOptOut   bool
	CreatedAt   time.Time
	UpdatedAt   time.Time `gorm:"autoUpdateTime:false"` // the service's clock, not gorm's
}

func (customerRow) TableName() string { return "customers" }

func toCustomerRow(c customer.Customer) customerRow {
	return customerRow{ID: c.ID, Name: c.Name, ContactName: c.ContactName, Phone: c.Phone, Address: c.Address, Notes: c.Notes,
		SearchText: c.SearchText(), SmsOptOut: c.SMSOptOut, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

func (r customerRow) domain() customer.Customer {
	return customer.Customer{ID: r.ID, Name: r.Name, ContactName: r.ContactName, Phone: r.Phone, Address: r.Address, Notes: r.Notes, SMSOptOut: r.SmsOptOut,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// Customers stores customers.
type Customers struct{ db *DB }

var _ customer.Repository = Customers{}

// Customers returns the customer repository.
func (db *DB) Customers() Customers { return Customers{db} }

// Insert adds a customer.
func (s Customers) Insert(ctx context.Context, c customer.Customer) error {
	row := toCustomerRow(c)
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert customer: %w", err)
	}
	return nil
}

// Update saves every field of c; a missing customer is not found.
func (s Customers) Update(ctx context.Context, c customer.Customer) error {
	row := toCustomerRow(c)
	// Select("*") keeps Save from inserting the row when no row matched.
	res := s.db.conn(ctx).Select("*").Save(&row)
	if res.Error != nil {
		return fmt.Errorf("update customer: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("customer")
	}
	return nil
}

// ByID finds a customer.
func (s Customers) ByID(ctx context.Context, id uuid.UUID) (customer.Customer, error) {
	var r customerRow
	if err := s.db.conn(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return customer.Customer{}, notFound(err, "customer")
	}
	return r.domain(), nil
}

// CustomerExists reports whether a customer exists.
func (s Customers) CustomerExists(ctx context.Context, id uuid.UUID) (bool, error) {
	// Every create asks, so the statement is written by hand.
	var n int64
	if err := s.db.sqlConn(ctx).QueryRowContext(ctx, "SELECT count(*) FROM customers WHERE id = $1", id).Scan(&n); err != nil {
		return false, fmt.Errorf("check customer: %w", err)
	}
	return n > 0, nil
}

// List pages through customers in creation order.
func (s Customers) List(ctx context.Context, f customer.Filter, p domain.PageRequest) (domain.Page[customer.Customer], error) {
	q := s.db.conn(ctx).Model(&customerRow{})
	if f.OnlyID != uuid.Nil {
		q = q.Where("id = ?", f.OnlyID)
	}
	if f.Query != "" {
		q = q.Where(`search_text LIKE ? ESCAPE '\'`, likeContains(f.Query))
	}
	page, err := pageByID(q, p, func(r customerRow) uuid.UUID { return r.ID }, customerRow.domain)
	if err != nil {
		return page, fmt.Errorf("list customers: %w", err)
	}
	return page, nil
}
