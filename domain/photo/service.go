package photo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Lifetimes of URLs and of unfinished uploads.
const (
	// UploadTTL is how long an upload URL works.
	UploadTTL = 15 * time.Minute
	// DownloadTTL is how long a download URL works: a second under five
	// minutes, because stores round an expiry up to the whole second.
	DownloadTTL = 5*time.Minute - time.Second
	// PendingTTL is how long a photo may stay pending before the clean-up
	// job deletes it with its objects.
	PendingTTL = 24 * time.Hour
	// completeWindow is how long after its creation a pending photo may be
	// completed: an hour short of PendingTTL, so that a completion never
	// races the clean-up job.
	completeWindow = PendingTTL - time.Hour
	pruneBatch     = 100
)

// Repository is the storage the photo service needs.
type Repository interface {
	Insert(ctx context.Context, p Photo) error
	ByID(ctx context.Context, id uuid.UUID) (Photo, error)
	// MarkReady makes a pending photo ready; false when it is not pending
	// (already ready, or gone).
	MarkReady(ctx context.Context, id uuid.UUID) (bool, error)
	// List pages through a work order's photos in creation order.
	List(ctx context.Context, workOrderID uuid.UUID, p domain.PageRequest) (domain.Page[Photo], error)
	// StalePending lists photos pending since before cutoff, oldest first,
	// at most limit.
	StalePending(ctx context.Context, cutoff time.Time, limit int) ([]Photo, error)
	// DeletePending deletes a photo that is still pending; false otherwise.
	DeletePending(ctx context.Context, id uuid.UUID) (bool, error)
}

// Order is what the photo service needs to know of a work order.
type Order struct {
	ID           uuid.UUID
	CustomerID   uuid.UUID
	TechnicianID uuid.UUID // the technician assigned now; zero when none
	// Final is true for a closed or cancelled order, which takes no new photos.
	Final bool
}

// Orders answers work-order questions on behalf of the actor in the context.
type Orders interface {
	// Visible returns the order if the actor may see it, else a not-found
	// error: staff and finance see every order, customer users their own
	// customer's, technicians the orders they have ever been assigned.
	Visible(ctx context.Context, id uuid.UUID) (Order, error)
}

// Upload is a request a client makes without credentials of its own.
type Upload struct {
	Method string
	URL    string
	// Headers must be sent with the request exactly as given.
	Headers   map[string]string
	ExpiresAt time.Time
}

// Objects is the object storage the photo service needs.
type Objects interface {
	// PresignPut is a URL through which exactly size bytes of contentType
	// can be uploaded to key until ttl passes.
	PresignPut(ctx context.Context, key, contentType string, size int64, ttl time.Duration) (Upload, error)
	// PresignGet is a URL through which key can be downloaded until ttl passes.
	PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error)
	// Open reads an object and tells its size; a missing key is not found.
	Open(ctx context.Context, key string) (io.ReadCloser, int64, error)
	// Put stores exactly size bytes from r under key; a failed Put leaves
	// whatever was there before.
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	// Delete removes an object; a missing one is not an error.
	Delete(ctx context.Context, key string) error
}

// Service runs photo uploads, checks and downloads.
type Service struct {
	repo      Repository
	orders    Orders
	objects   Objects
	tx        domain.Transactor
	events    domain.EventLog
	clock     domain.Clock
	uploadTTL time.Duration
}

// NewService wires the photo service.
func NewService(repo Repository, orders Orders, objects Objects, tx domain.Transactor, events domain.EventLog, clock domain.Clock) *Service {
	return &Service{repo: repo, orders: orders, objects: objects, tx: tx, events: events, clock: clock, uploadTTL: UploadTTL}
}

// WithUploadTTL is a copy of the service whose upload URLs live d; tests
// use it to see a URL expire without waiting UploadTTL.
func (s *Service) WithUploadTTL(d time.Duration) *Service {
	c := *s
	c.uploadTTL = d
	return &c
}

// mayAdd reports whether the actor may add photos to the order and
// complete their uploads: staff on any order, a technician on the order
// assigned to it now.
func mayAdd(a domain.Actor, o Order) bool {
	return a.IsStaff() || a.Role == domain.RoleTechnician && o.TechnicianID == a.UserID
}

// visible is the order if the actor may see it, and the actor.
func (s *Service) visible(ctx context.Context, orderID uuid.UUID) (domain.Actor, Order, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return domain.Actor{}, Order{}, err
	}
	o, err := s.orders.Visible(ctx, orderID)
	return actor, o, err
}

// photo loads a photo and its order, answering not found for both a
// missing photo and one whose order the actor may not see.
func (s *Service) photo(ctx context.Context, id uuid.UUID) (domain.Actor, Order, Photo, error) {
	if _, err := domain.MustActor(ctx); err != nil {
		return domain.Actor{}, Order{}, Photo{}, err
	}
	p, err := s.repo.ByID(ctx, id)
	if err != nil {
		return domain.Actor{}, Order{}, Photo{}, err
	}
	actor, o, err := s.visible(ctx, p.WorkOrderID)
	if errors.Is(err, domain.ErrNotFound) {
		err = domain.NotFound("photo")
	}
	return actor, o, p, err
}

// Create records a pending photo and returns where to upload its bytes.
func (s *Service) Create(ctx context.Context, orderID uuid.UUID, in NewPhoto) (Photo, Upload, error) {
	actor, o, err := s.visible(ctx, orderID)
	if err != nil {
		return Photo{}, Upload{}, err
	}
	if !mayAdd(actor, o) {
		return Photo{}, Upload{}, domain.Forbidden("only staff and the order's technician may add photos")
	}
	if o.Final {
		return Photo{}, Upload{}, domain.Conflict("a closed or cancelled work order takes no new photos")
	}
	if err := in.check(); err != nil {
		return Photo{}, Upload{}, err
	}
	id := domain.NewID()
	p := Photo{ID: id, WorkOrderID: o.ID, Kind: in.Kind, ContentType: in.ContentType, SizeBytes: in.SizeBytes, SHA256: in.SHA256,
		Status: Pending, ObjectKey: objectKey(o.ID, id), UploadedBy: actor.UserID, CreatedAt: s.clock.Now()}
	up, err := s.objects.PresignPut(ctx, p.UploadKey(), string(p.ContentType), p.SizeBytes, s.uploadTTL)
	if err != nil {
		return Photo{}, Upload{}, fmt.Errorf("create photo: %w", err)
	}
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.Insert(ctx, p); err != nil {
			return err
		}
		return s.events.Append(ctx, domain.NewEvent("photo", p.ID, "photo.created", actor.UserID, p.CreatedAt, map[string]any{
			"work_order_id": p.WorkOrderID.String(), "kind": string(p.Kind), "content_type": string(p.ContentType),
			"size_bytes": p.SizeBytes, "sha256": p.SHA256,
		}))
	})
	if err != nil {
		return Photo{}, Upload{}, fmt.Errorf("create photo: %w", err)
	}
	return p, up, nil
}

// Complete checks the uploaded bytes against what was declared and makes
// the photo ready. On a mismatch the upload is deleted and the photo stays
// pending, so the uploader may PUT again while its URL lasts; the error
// names the mismatch. Completing a ready photo returns it unchanged.
func (s *Service) Complete(ctx context.Context, id uuid.UUID) (Photo, error) {
	actor, o, p, err := s.photo(ctx, id)
	if err != nil {
		return Photo{}, err
	}
	if !mayAdd(actor, o) {
		return Photo{}, domain.Forbidden("only staff and the order's technician may complete photos")
	}
	if p.Status == Ready {
		return p, nil
	}
	if s.clock.Now().Sub(p.CreatedAt) >= completeWindow {
		return Photo{}, domain.Conflict("the photo has been pending too long and is about to be deleted; start a new one")
	}
	if err := s.promote(ctx, p); err != nil {
		// A concurrent completion may have finished first and deleted the
		// upload this one was reading.
		if again, rerr := s.repo.ByID(ctx, id); rerr == nil && again.Status == Ready {
			return again, nil
		}
		return Photo{}, fmt.Errorf("complete photo %s: %w", id, err)
	}
	now := s.clock.Now()
	var marked bool
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if marked, err = s.repo.MarkReady(ctx, p.ID); err != nil || !marked {
			return err
		}
		return s.events.Append(ctx, domain.NewEvent("photo", p.ID, "photo.ready", actor.UserID, now, nil))
	})
	if err != nil {
		return Photo{}, fmt.Errorf("complete photo %s: %w", id, err)
	}
	if marked {
		p.Status = Ready
	} else if p, err = s.repo.ByID(ctx, id); err != nil { // a concurrent completion won
		return Photo{}, err
	}
	// The upload is only garbage now: what is served is the checked copy.
	// Deleting it can fail without harm, so a failure does not fail the
	// completion that has already committed.
	_ = s.objects.Delete(ctx, p.UploadKey())
	return p, nil
}

// promote streams the upload through the checker into the photo's object.
// A mismatch deletes the upload and returns the invalid-input error naming
// it; the object is then untouched, since a failed Put stores nothing.
func (s *Service) promote(ctx context.Context, p Photo) error {
	r, size, err := s.objects.Open(ctx, p.UploadKey())
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Invalid("upload", "not found: PUT the bytes to the upload URL first")
	}
	if err != nil {
		return err
	}
	defer r.Close()
	// A mismatch deletes the upload; if that fails, the failure is what
	// the caller hears (a 500, logged), since the upload is still there.
	mismatch := func(err error) error {
		if derr := s.objects.Delete(ctx, p.UploadKey()); derr != nil {
			return fmt.Errorf("%v; delete the upload: %w", err, derr)
		}
		return err
	}
	if size != p.SizeBytes {
		return mismatch(domain.Invalid("size_bytes", fmt.Sprintf("the upload is %d bytes, not the declared %d", size, p.SizeBytes)))
	}
	c := newChecker(r, p)
	err = s.objects.Put(ctx, p.ObjectKey, c, p.SizeBytes, string(p.ContentType))
	if m := c.Mismatch(); m != nil {
		return mismatch(m)
	}
	return err
}

// Download returns a URL the photo's bytes can be fetched from for at most
// five minutes. A pending photo has none yet: conflict.
func (s *Service) Download(ctx context.Context, id uuid.UUID) (string, error) {
	_, _, p, err := s.photo(ctx, id)
	if err != nil {
		return "", err
	}
	if p.Status != Ready {
		return "", domain.Conflict("the photo's upload is not complete")
	}
	u, err := s.objects.PresignGet(ctx, p.ObjectKey, DownloadTTL)
	if err != nil {
		return "", fmt.Errorf("download photo %s: %w", id, err)
	}
	return u, nil
}

// List pages through the photos of an order the actor may see, pending and
// ready, in creation order.
func (s *Service) List(ctx context.Context, orderID uuid.UUID, p domain.PageRequest) (domain.Page[Photo], error) {
	if _, _, err := s.visible(ctx, orderID); err != nil {
		return domain.Page[Photo]{}, err
	}
	return s.repo.List(ctx, orderID, p.Normalize())
}

// Prune deletes photos pending for longer than PendingTTL, with their
// objects; it is the "pending_photos" clean-up task. Objects go first, so a
// failure leaves the photo to be found again by the next run.
func (s *Service) Prune(ctx context.Context) (int64, error) {
	now := s.clock.Now()
	var n int64
	for {
		stale, err := s.repo.StalePending(ctx, now.Add(-PendingTTL), pruneBatch)
		if err != nil {
			return n, fmt.Errorf("prune photos: %w", err)
		}
		for _, p := range stale {
			for _, key := range []string{p.UploadKey(), p.ObjectKey} {
				if err := s.objects.Delete(ctx, key); err != nil {
					return n, fmt.Errorf("prune photo %s: %w", p.ID, err)
				}
			}
			var deleted bool
			err := s.tx.InTx(ctx, func(ctx context.Context) error {
				var err error
				if deleted, err = s.repo.DeletePending(ctx, p.ID); err != nil || !deleted {
					return err
				}
				return s.events.Append(ctx, domain.NewEvent("photo", p.ID, "photo.expired", uuid.Nil, now,
					map[string]any{"work_order_id": p.WorkOrderID.String()}))
			})
			if err != nil {
				return n, fmt.Errorf("prune photo %s: %w", p.ID, err)
			}
			if deleted {
				n++
			}
		}
		if len(stale) < pruneBatch {
			return n, nil
		}
	}
}
