package store_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/idempotency"
	"github.com/fieldwork/fieldwork/infra/store"
)

// The idempotency-key ledger's contract, on every footing.

func TestIdempotency(t *testing.T) {
	runContract(t, []contractCase{
		{"ClaimThenGet", testIdemClaim},
		{"ClaimOfAHeldKeyReturnsTheHolder", testIdemClaimHeld},
		{"ClaimReplacesAnExpiredKey", testIdemClaimExpired},
		{"GetMissingIsNotFound", testIdemGetMissing},
		{"TakeOverOnlyAStaleInProgressKeyOnce", testIdemTakeOver},
		{"CompleteStoresTheResponse", testIdemComplete},
		{"ReleaseOnlyInProgress", testIdemRelease},
		{"Prune", testIdemPrune},
	})
}

func idemRecord(userID uuid.UUID, key, hash string, at time.Time) idempotency.Record {
	return idempotency.Record{UserID: userID, Key: key, Method: "POST", Path: "/v1/work-orders", RequestHash: hash,
		State: idempotency.InProgress, CreatedAt: at, ExpiresAt: at.Add(24 * time.Hour)}
}

func claim(t *testing.T, db *store.DB, rec idempotency.Record) (idempotency.Record, bool) {
	t.Helper()
	held, ok, err := db.Idempotency().Claim(t.Context(), rec)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	return held, ok
}

func readKey(t *testing.T, db *store.DB, userID uuid.UUID, key string) idempotency.Record {
	t.Helper()
	rec, err := db.Idempotency().Get(t.Context(), userID, key)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return rec
}

func testIdemClaim(t *testing.T, db *store.DB) {
	u := domain.NewID()
	want := idemRecord(u, "k1", "h1", t0)
	in := want
	in.CreatedAt = t0.In(cst)
	if _, ok := claim(t, db, in); !ok {
		t.Fatal("Claim of a new key = false, want true")
	}
	checkDeep(t, "Get", readKey(t, db, u, "k1"), want)
	// Keys are per user.
	if _, ok := claim(t, db, idemRecord(domain.NewID(), "k1", "h2", t0)); !ok {
		t.Error("Claim of another user's key = false, want true")
	}
}

func testIdemClaimHeld(t *testing.T, db *store.DB) {
	u := domain.NewID()
	first := idemRecord(u, "k1", "h1", t0)
	claim(t, db, first)
	second := idemRecord(u, "k1", "h2", t0.Add(time.Minute))
	held, ok := claim(t, db, second)
	if ok {
		t.Fatal("Claim of a held key = true, want false")
	}
	checkDeep(t, "the holder", held, first)
	checkDeep(t, "Get after the second Claim", readKey(t, db, u, "k1"), first)
}

func testIdemClaimExpired(t *testing.T, db *store.DB) {
	u := domain.NewID()
	old := idemRecord(u, "k1", "h1", t0)
	claim(t, db, old)
	// At the expiry exactly, the old key is gone.
	fresh := idemRecord(u, "k1", "h2", old.ExpiresAt)
	if _, ok := claim(t, db, fresh); !ok {
		t.Fatal("Claim of an expired key = false, want true")
	}
	checkDeep(t, "Get after replacing", readKey(t, db, u, "k1"), fresh)
	// Just before the expiry it still holds.
	early := idemRecord(u, "k1", "h3", fresh.ExpiresAt.Add(-time.Microsecond))
	if held, ok := claim(t, db, early); ok || held.RequestHash != "h2" {
		t.Errorf("Claim before the expiry = %v, held %q; want false, held by h2", ok, held.RequestHash)
	}
}

func testIdemGetMissing(t *testing.T, db *store.DB) {
	_, err := db.Idempotency().Get(t.Context(), domain.NewID(), "nope")
	checkNotFound(t, "Get(missing)", err)
}

// The take-over guard: a retry takes over a key whose first request died,
// and of two retries taking over at once only one wins.
func testIdemTakeOver(t *testing.T, db *store.DB) {
	u := domain.NewID()
	rec := idemRecord(u, "k1", "h1", t0)
	claim(t, db, rec)
	takeOver := func(what string, staleBefore, now time.Time, want bool) {
		t.Helper()
		if ok, err := db.Idempotency().TakeOver(t.Context(), u, "k1", staleBefore, now); err != nil || ok != want {
			t.Errorf("%s: TakeOver = %v, %v; want %v", what, ok, err, want)
		}
	}
	takeOver("a key started at the cutoff", t0, t0.Add(time.Minute), false)
	now := t0.Add(2 * time.Minute)
	takeOver("a stale key", t0.Add(time.Minute), now.In(cst), true)
	takeOver("the same stale key again, from the same read", t0.Add(time.Minute), now.Add(time.Second), false)
	want := rec
	want.CreatedAt = now
	checkDeep(t, "after the take-overs", readKey(t, db, u, "k1"), want)

	done := want
	done.State, done.Status = idempotency.Done, 201
	if err := db.Idempotency().Complete(t.Context(), done); err != nil {
		t.Fatal(err)
	}
	takeOver("a completed key", now.Add(time.Hour), now.Add(time.Hour), false)
	if got := readKey(t, db, u, "k1"); !got.CreatedAt.Equal(now) || got.State != idempotency.Done {
		t.Errorf("a completed key after TakeOver: created %v, state %s", got.CreatedAt, got.State)
	}
	if ok, err := db.Idempotency().TakeOver(t.Context(), u, "missing", now, now); ok || err != nil {
		t.Errorf("TakeOver(missing) = %v, %v; want false", ok, err)
	}
}

func testIdemComplete(t *testing.T, db *store.DB) {
	u := domain.NewID()
	rec := idemRecord(u, "k1", "h1", t0)
	claim(t, db, rec)
	rec.State, rec.Status = idempotency.Done, 201
	rec.Header = map[string]string{"Location": "/v1/work-orders/1", "Etag": `"1"`}
	rec.Body = []byte(`{"id":"1","number":"WO-1"}`)
	if err := db.Idempotency().Complete(t.Context(), rec); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	checkDeep(t, "Get after Complete", readKey(t, db, u, "k1"), rec)
	if held, ok := claim(t, db, idemRecord(u, "k1", "h1", t0.Add(time.Minute))); ok {
		t.Error("Claim of a completed key = true, want false")
	} else {
		checkDeep(t, "the completed holder", held, rec)
	}
}

func testIdemRelease(t *testing.T, db *store.DB) {
	u := domain.NewID()
	claim(t, db, idemRecord(u, "k1", "h1", t0))
	if err := db.Idempotency().Release(t.Context(), u, "k1"); err != nil {
		t.Fatalf("Release: %v", err)
	}
	_, err := db.Idempotency().Get(t.Context(), u, "k1")
	checkNotFound(t, "Get after Release", err)

	done := idemRecord(u, "k2", "h2", t0)
	claim(t, db, done)
	done.State, done.Status = idempotency.Done, 200
	if err := db.Idempotency().Complete(t.Context(), done); err != nil {
		t.Fatal(err)
	}
	if err := db.Idempotency().Release(t.Context(), u, "k2"); err != nil {
		t.Fatalf("Release of a completed key: %v", err)
	}
	if got := readKey(t, db, u, "k2"); got.State != idempotency.Done {
		t.Errorf("a completed key after Release: state %s, want done", got.State)
	}
}

func testIdemPrune(t *testing.T, db *store.DB) {
	u := domain.NewID()
	claim(t, db, idemRecord(u, "old", "h", t0))
	claim(t, db, idemRecord(u, "edge", "h", t0.Add(time.Hour)))
	claim(t, db, idemRecord(u, "young", "h", t0.Add(2*time.Hour)))
	n, err := db.Idempotency().Prune(t.Context(), t0.Add(25*time.Hour))
	if err != nil || n != 1 {
		t.Errorf("Prune = %d, %v; want 1 (expired before now; at now is kept)", n, err)
	}
	_, err = db.Idempotency().Get(t.Context(), u, "old")
	checkNotFound(t, "Get(pruned)", err)
	readKey(t, db, u, "edge")
	readKey(t, db, u, "young")
}
