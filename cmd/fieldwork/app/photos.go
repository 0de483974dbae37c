package app

import (
	"context"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/photo"
	"github.com/fieldwork/fieldwork/domain/workorder"
	"github.com/fieldwork/fieldwork/infra/blob"
	"github.com/fieldwork/fieldwork/infra/store"
)

// newPhotos wires the photo service to the store, the blob store and the
// work-order service, whose visibility rules it borrows.
func newPhotos(db *store.DB, blobs blob.Store, orders *workorder.Service, clock domain.Clock) *photo.Service {
	return photo.NewService(db.Photos(), photoOrders{orders}, photoObjects{blobs}, db, db.Events(), clock)
}

// photoOrders answers the photo service's work-order questions through the
// work-order service, so there is one rule for who sees an order.
type photoOrders struct{ orders *workorder.Service }

var _ photo.Orders = photoOrders{}

// Visible implements photo.Orders.
func (a photoOrders) Visible(ctx context.Context, id uuid.UUID) (photo.Order, error) {
	o, err := a.orders.Get(ctx, id)
	if err != nil {
		return photo.Order{}, err
	}
	return photo.Order{ID: o.ID, CustomerID: o.CustomerID, TechnicianID: o.TechnicianID,
		Final: o.Status == workorder.Closed || o.Status == workorder.Cancelled}, nil
}

// photoObjects adapts a blob.Store to photo.Objects.
type photoObjects struct{ blobs blob.Store }

var _ photo.Objects = photoObjects{}

// PresignPut implements photo.Objects.
func (a photoObjects) PresignPut(ctx context.Context, key, contentType string, size int64, ttl time.Duration) (photo.Upload, error) {
	p, err := a.blobs.PresignPut(ctx, key, contentType, size, ttl)
	if err != nil {
		return photo.Upload{}, err
	}
	return photo.Upload{Method: p.Method, URL: p.URL, Headers: p.Headers, ExpiresAt: p.ExpiresAt}, nil
}

// PresignGet implements photo.Objects.
func (a photoObjects) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	p, err := a.blobs.PresignGet(ctx, key, ttl)
	return p.URL, err
}

// Open implements photo.Objects.
func (a photoObjects) Open(ctx context.Context, key string) (io.ReadCloser, int64, error) {
	r, info, err := a.blobs.Get(ctx, key)
	return r, info.Size, err
}

// Put implements photo.Objects.
func (a photoObjects) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	return a.blobs.Put(ctx, key, r, size, contentType)
}

// Delete implements photo.Objects.
func (a photoObjects) Delete(ctx context.Context, key string) error {
	return a.blobs.Delete(ctx, key)
}
