package photo

import (
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// The service's rules and failure paths, against in-memory fakes; the HTTP
// tests in api/ run the same service against real storage.

var t0 = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)

type fixedClock struct{ now time.Time }

func (c *fixedClock) Now() time.Time { return c.now }

type noTx struct{}

func (noTx) InTx(ctx context.Context, fn func(ctx context.Context) error) error { return fn(ctx) }

type noEvents struct{}

func (noEvents) Append(context.Context, domain.Event) error { return nil }

type memRepo struct{ photos map[uuid.UUID]Photo }

func (r *memRepo) Insert(_ context.Context, p Photo) error { r.photos[p.ID] = p; return nil }

func (r *memRepo) ByID(_ context.Context, id uuid.UUID) (Photo, error) {
	p, ok := r.photos[id]
	if !ok {
		return Photo{}, domain.NotFound("photo")
	}
	return p, nil
}

func (r *memRepo) MarkReady(_ context.Context, id uuid.UUID) (bool, error) {
	p, ok := r.photos[id]
	if !ok || p.Status != Pending {
		return false, nil
	}
	p.Status = Ready
	r.photos[id] = p
	return true, nil
}

func (r *memRepo) List(_ context.Context, orderID uuid.UUID, _ domain.PageRequest) (domain.Page[Photo], error) {
	page := domain.Page[Photo]{Items: []Photo{}}
	for _, p := range r.photos {
		if p.WorkOrderID == orderID {
			page.Items = append(page.Items, p)
		}
	}
	return page, nil
}

func (r *memRepo) StalePending(_ context.Context, cutoff time.Time, limit int) ([]Photo, error) {
	var out []Photo
	for _, p := range r.photos {
		if p.Status == Pending && p.CreatedAt.Before(cutoff) {
			out = append(out, p)
		}
	}
	return out[:min(limit, len(out))], nil
}

func (r *memRepo) DeletePending(_ context.Context, id uuid.UUID) (bool, error) {
	if p, ok := r.photos[id]; !ok || p.Status != Pending {
		return false, nil
	}
	delete(r.photos, id)
	return true, nil
}

type memOrders map[uuid.UUID]Order

// Visible lets staff and finance see everything and others only the order's technician.
func (m memOrders) Visible(ctx context.Context, id uuid.UUID) (Order, error) {
	a, _ := domain.ActorFrom(ctx)
	o, ok := m[id]
	if !ok || !(a.IsStaff() || a.Role == domain.RoleFinance || o.TechnicianID == a.UserID) {
		return Order{}, domain.NotFound("work order")
	}
	return o, nil
}

type memObjects struct {
	objects   map[string][]byte
	deleteErr error
	onOpen    func() // runs before Open looks
}

func (m *memObjects) PresignPut(_ context.Context, key, ct string, size int64, ttl time.Duration) (Upload, error) {
	return Upload{Method: "PUT", URL: "https://store.example/" + key, Headers: map[string]string{"Content-Type": ct}, ExpiresAt: t0.Add(ttl)}, nil
}

func (m *memObjects) PresignGet(_ context.Context, key string, _ time.Duration) (string, error) {
	return "https://store.example/" + key, nil
}

func (m *memObjects) Open(_ context.Context, key string) (io.ReadCloser, int64, error) {
	if m.onOpen != nil {
		m.onOpen()
	}
	b, ok := m.objects[key]
	if !ok {
		return nil, 0, domain.NotFound("object")
	}
	return io.NopCloser(bytes.NewReader(b)), int64(len(b)), nil
}

func (m *memObjects) Put(_ context.Context, key string, r io.Reader, size int64, _ string) error {
	b, err := io.ReadAll(io.LimitReader(r, size))
	if err != nil {
		return err
	}
	m.objects[key] = b
	return nil
}

func (m *memObjects) Delete(_ context.Context, key string) error {
	if m.deleteErr != nil {
		return m.deleteErr
	}
	delete(m.objects, key)
	return nil
}

type serviceFixture struct {
	svc     *Service
	repo    *memRepo
	objects *memObjects
	clock   *fixedClock
	order   Order
	tech    context.Context
}

func newServiceFixture() *serviceFixture {
	fx := &serviceFixture{repo: &memRepo{photos: map[uuid.UUID]Photo{}}, objects: &memObjects{objects: map[string][]byte{}},
		clock: &fixedClock{now: t0}, order: Order{ID: uuid.New(), CustomerID: uuid.New(), TechnicianID: uuid.New()}}
	fx.svc = NewService(fx.repo, memOrders{fx.order.ID: fx.order}, fx.objects, noTx{}, noEvents{}, fx.clock)
	fx.tech = domain.WithActor(context.Background(), domain.Actor{UserID: fx.order.TechnicianID, Role: domain.RoleTechnician})
	return fx
}

var goodJPEG = append(bytes.Clone(jpegHead), "and the rest"...)

func (fx *serviceFixture) uploaded(t *testing.T, data []byte) Photo {
	t.Helper()
	p, _, err := fx.svc.Create(fx.tech, fx.order.ID, NewPhoto{Kind: Before, ContentType: JPEG, SizeBytes: int64(len(goodJPEG)), SHA256: sum(goodJPEG)})
	if err != nil {
		t.Fatal(err)
	}
	fx.objects.objects[p.UploadKey()] = data
	return p
}

func TestCreate_ChecksVisibilityThenRoleThenStateThenInput(t *testing.T) {
	fx := newServiceFixture()
	bad := NewPhoto{Kind: "selfie"}
	finance := domain.WithActor(context.Background(), domain.Actor{UserID: uuid.New(), Role: domain.RoleFinance})
	stranger := domain.WithActor(context.Background(), domain.Actor{UserID: uuid.New(), Role: domain.RoleTechnician})
	manager := domain.WithActor(context.Background(), domain.Actor{UserID: uuid.New(), Role: domain.RoleManager})
	if _, _, err := fx.svc.Create(stranger, fx.order.ID, bad); domain.KindOf(err) != domain.KindNotFound {
		t.Errorf("another technician: %v, want not found", err)
	}
	if _, _, err := fx.svc.Create(finance, fx.order.ID, bad); domain.KindOf(err) != domain.KindForbidden {
		t.Errorf("finance: %v, want forbidden", err)
	}
	final := fx.order
	final.ID, final.Final = uuid.New(), true
	fx.svc.orders = memOrders{fx.order.ID: fx.order, final.ID: final}
	if _, _, err := fx.svc.Create(manager, final.ID, bad); domain.KindOf(err) != domain.KindConflict {
		t.Errorf("closed order: %v, want conflict", err)
	}
	if _, _, err := fx.svc.Create(manager, fx.order.ID, bad); domain.KindOf(err) != domain.KindInvalid {
		t.Errorf("bad input: %v, want invalid", err)
	}
	if _, _, err := fx.svc.Create(context.Background(), fx.order.ID, bad); domain.KindOf(err) != domain.KindUnauthenticated {
		t.Errorf("anonymous: %v, want unauthenticated", err)
	}
	if len(fx.repo.photos) != 0 {
		t.Fatalf("%d photos stored by refused requests", len(fx.repo.photos))
	}
}

func TestComplete_CopiesTheCheckedBytesAndDropsTheUpload(t *testing.T) {
	fx := newServiceFixture()
	p := fx.uploaded(t, goodJPEG)
	got, err := fx.svc.Complete(fx.tech, p.ID)
	if err != nil || got.Status != Ready {
		t.Fatalf("Complete = %+v, %v", got, err)
	}
	if !bytes.Equal(fx.objects.objects[p.ObjectKey], goodJPEG) || slices.Contains(slices.Collect(maps.Keys(fx.objects.objects)), p.UploadKey()) {
		t.Fatalf("objects after completion: %v", slices.Collect(maps.Keys(fx.objects.objects)))
	}
}

func TestComplete_WhenDeletingAMismatchedUploadFails_IsInternal(t *testing.T) {
	fx := newServiceFixture()
	p := fx.uploaded(t, append(bytes.Clone(pngHead), "same length.."...)[:len(goodJPEG)])
	fx.objects.deleteErr = errors.New("store unavailable")
	_, err := fx.svc.Complete(fx.tech, p.ID)
	if domain.KindOf(err) != domain.KindInternal || !errors.Is(err, fx.objects.deleteErr) {
		t.Fatalf("Complete = %v, want an internal error carrying the delete failure", err)
	}
}

func TestComplete_WhenAConcurrentCompletionWon_ReturnsTheReadyPhoto(t *testing.T) {
	fx := newServiceFixture()
	p := fx.uploaded(t, goodJPEG)
	// The other completion finishes between this one's read and its Open.
	fx.objects.onOpen = func() {
		fx.objects.onOpen = nil
		if _, err := fx.svc.Complete(fx.tech, p.ID); err != nil {
			t.Errorf("the other completion: %v", err)
		}
	}
	got, err := fx.svc.Complete(fx.tech, p.ID)
	if err != nil || got.Status != Ready {
		t.Fatalf("Complete = %+v, %v; want the ready photo", got, err)
	}
}

func TestComplete_RefusedAnHourBeforeTheCleanup(t *testing.T) {
	fx := newServiceFixture()
	p := fx.uploaded(t, goodJPEG)
	fx.clock.now = t0.Add(PendingTTL - time.Hour)
	if _, err := fx.svc.Complete(fx.tech, p.ID); domain.KindOf(err) != domain.KindConflict {
		t.Fatalf("Complete after 23 h = %v, want conflict", err)
	}
	if _, ok := fx.objects.objects[p.UploadKey()]; !ok {
		t.Fatal("a refused completion touched the upload")
	}
}

func TestPrune_KeepsThePhotoWhenItsObjectsCannotBeDeleted(t *testing.T) {
	fx := newServiceFixture()
	p := fx.uploaded(t, goodJPEG)
	fx.clock.now = t0.Add(PendingTTL + time.Minute)
	fx.objects.deleteErr = errors.New("store unavailable")
	if n, err := fx.svc.Prune(context.Background()); err == nil || n != 0 {
		t.Fatalf("Prune = %d, %v; want the delete failure", n, err)
	}
	if _, ok := fx.repo.photos[p.ID]; !ok {
		t.Fatal("the photo went though its upload is still there; nothing would find the upload again")
	}
	fx.objects.deleteErr = nil
	if n, err := fx.svc.Prune(context.Background()); err != nil || n != 1 {
		t.Fatalf("Prune again = %d, %v; want 1", n, err)
	}
	if len(fx.repo.photos) != 0 || len(fx.objects.objects) != 0 {
		t.Fatalf("left %d photos, %d objects", len(fx.repo.photos), len(fx.objects.objects))
	}
}
