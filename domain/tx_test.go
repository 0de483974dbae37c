package domain_test

import (
	"testing"
	"time"

	"github.com/fieldwork/fieldwork/domain"
)

func TestPageRequest_Normalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		limit     int
		wantLimit int
	}{
		{name: "ZeroIsDefault", limit: 0, wantLimit: domain.DefaultLimit},
		{name: "NegativeIsDefault", limit: -5, wantLimit: domain.DefaultLimit},
		{name: "OneKept", limit: 1, wantLimit: 1},
		{name: "MaxKept", limit: domain.MaxLimit, wantLimit: domain.MaxLimit},
		{name: "AboveMaxCapped", limit: domain.MaxLimit + 1, wantLimit: domain.MaxLimit},
		{name: "FarAboveMaxCapped", limit: 1 << 30, wantLimit: domain.MaxLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := domain.PageRequest{Limit: tt.limit, After: "cursor"}.Normalize()
			if got.Limit != tt.wantLimit || got.After != "cursor" {
				t.Errorf("Normalize(Limit %d) = %+v, want Limit %d and After kept", tt.limit, got, tt.wantLimit)
			}
		})
	}
}

func TestSystemClock_IsUTCMicroseconds(t *testing.T) {
	t.Parallel()
	now := domain.SystemClock{}.Now()
	if now.Location() != time.UTC {
		t.Errorf("SystemClock.Now() location = %v, want UTC", now.Location())
	}
	if now.Nanosecond()%1000 != 0 {
		t.Errorf("SystemClock.Now() = %v has sub-microsecond digits", now)
	}
}

func TestNewID_IsTimeOrdered(t *testing.T) {
	t.Parallel()
	// Keyset paging relies on ids sorting in creation order.
	prev := domain.NewID()
	for range 1000 {
		id := domain.NewID()
		if id.Version() != 7 {
			t.Fatalf("NewID version = %d, want 7", id.Version())
		}
		if id.String() <= prev.String() {
			t.Fatalf("NewID %s not after %s", id, prev)
		}
		prev = id
	}
}
