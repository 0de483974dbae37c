package domain_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/fieldwork/fieldwork/domain"
)

func TestError_IsMatchesSentinelOfSameKind(t *testing.T) {
	t.Parallel()
	sentinels := map[domain.Kind]error{
		domain.KindInvalid:              domain.ErrInvalid,
		domain.KindNotFound:             domain.ErrNotFound,
		domain.KindConflict:             domain.ErrConflict,
		domain.KindForbidden:            domain.ErrForbidden,
		domain.KindUnauthenticated:      domain.ErrUnauthenticated,
		domain.KindPreconditionFailed:   domain.ErrPreconditionFailed,
		domain.KindPreconditionRequired: domain.ErrPreconditionRequired,
		domain.KindRateLimited:          domain.ErrRateLimited,
		domain.KindBadRequest:           domain.ErrBadRequest,
	}
	tests := []struct {
		name string
		err  error
		kind domain.Kind
	}{
		{name: "NotFound", err: domain.NotFound("user"), kind: domain.KindNotFound},
		{name: "Conflict", err: domain.Conflict("plate %s taken", "粤B12345"), kind: domain.KindConflict},
		{name: "Forbidden", err: domain.Forbidden("no"), kind: domain.KindForbidden},
		{name: "Unauthenticated", err: domain.Unauthenticated("who?"), kind: domain.KindUnauthenticated},
		{name: "RateLimited", err: domain.RateLimited("slow down", time.Minute), kind: domain.KindRateLimited},
		{name: "BadRequest", err: domain.BadRequest("cursor", "malformed"), kind: domain.KindBadRequest},
		{name: "Invalid", err: domain.Invalid("name", "must not be blank"), kind: domain.KindInvalid},
		{name: "WrappedOnce", err: fmt.Errorf("get user: %w", domain.NotFound("user")), kind: domain.KindNotFound},
		{name: "WrappedTwice", err: fmt.Errorf("a: %w", fmt.Errorf("b: %w", domain.Conflict("x"))), kind: domain.KindConflict},
		{name: "Joined", err: errors.Join(errors.New("other"), domain.Forbidden("no")), kind: domain.KindForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for kind, sentinel := range sentinels {
				if got, want := errors.Is(tt.err, sentinel), kind == tt.kind; got != want {
					t.Errorf("errors.Is(%v, sentinel of kind %d) = %v, want %v", tt.err, kind, got, want)
				}
			}
			if got := domain.KindOf(tt.err); got != tt.kind {
				t.Errorf("KindOf(%v) = %d, want %d", tt.err, got, tt.kind)
			}
		})
	}
}

func TestError_IsDoesNotMatchSpecificTargets(t *testing.T) {
	t.Parallel()
	// Only the detail-less sentinels match by kind; two specific errors of the
	// same kind are different errors.
	if errors.Is(domain.NotFound("user"), domain.NotFound("user")) {
		t.Error("errors.Is(NotFound(user), NotFound(user)) = true, want false: specific targets compare by identity")
	}
	if errors.Is(domain.ErrNotFound, domain.NotFound("user")) {
		t.Error("errors.Is(ErrNotFound, NotFound(user)) = true, want false")
	}
	if errors.Is(domain.Invalid("a", "b"), domain.Invalid("a", "b")) {
		t.Error("errors.Is(Invalid, Invalid) = true, want false")
	}
	if errors.Is(errors.New("not found"), domain.ErrNotFound) {
		t.Error("a plain error matched ErrNotFound")
	}
}

func TestKindOf_NonDomainErrorsAreInternal(t *testing.T) {
	t.Parallel()
	for name, err := range map[string]error{
		"Nil":     nil,
		"Plain":   errors.New("disk on fire"),
		"Wrapped": fmt.Errorf("x: %w", errors.New("y")),
	} {
		if got := domain.KindOf(err); got != domain.KindInternal {
			t.Errorf("%s: KindOf(%v) = %d, want KindInternal", name, err, got)
		}
	}
}

func TestError_AsKeepsDetailFieldsAndRetryAfter(t *testing.T) {
	t.Parallel()
	var e *domain.Error
	if !errors.As(fmt.Errorf("login: %w", domain.RateLimited("too many", 90*time.Second)), &e) {
		t.Fatal("errors.As found no *domain.Error")
	}
	if e.RetryAfter != 90*time.Second || e.Detail != "too many" {
		t.Errorf("RateLimited = %+v, want detail %q, RetryAfter 90s", e, "too many")
	}
	if !errors.As(domain.BadRequest("cursor", "malformed cursor"), &e) {
		t.Fatal("errors.As found no *domain.Error")
	}
	if want := []domain.FieldError{{Field: "cursor", Message: "malformed cursor"}}; len(e.Fields) != 1 || e.Fields[0] != want[0] {
		t.Errorf("BadRequest fields = %v, want %v", e.Fields, want)
	}
	if got, want := e.Error(), "cursor: malformed cursor"; got != want {
		t.Errorf("BadRequest Error() = %q, want %q", got, want)
	}
}

func TestError_MessageListsFieldsWhenNoDetail(t *testing.T) {
	t.Parallel()
	var fe domain.FieldErrors
	fe.Add("name", "must not be blank")
	fe.Add("phone", "must have 5 to 18 digits")
	err := fe.Err()
	if got, want := err.Error(), "name: must not be blank; phone: must have 5 to 18 digits"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := domain.NotFound("vehicle").Error(), "vehicle not found"; got != want {
		t.Errorf("NotFound Error() = %q, want %q", got, want)
	}
}

func TestFieldErrors_Err(t *testing.T) {
	t.Parallel()
	t.Run("NilWhenEmpty", func(t *testing.T) {
		t.Parallel()
		var fe domain.FieldErrors
		// A typed nil in an error interface would be != nil: check the interface.
		if err := fe.Err(); err != nil {
			t.Errorf("empty FieldErrors.Err() = %#v, want nil", err)
		}
		if err := (domain.FieldErrors{}).Err(); err != nil {
			t.Errorf("FieldErrors{}.Err() = %#v, want nil", err)
		}
	})
	t.Run("InvalidListingEveryFailure", func(t *testing.T) {
		t.Parallel()
		var fe domain.FieldErrors
		fe.Add("a", "bad")
		fe.Add("b", "worse")
		err := fe.Err()
		if !errors.Is(err, domain.ErrInvalid) {
			t.Fatalf("Err() = %v, want ErrInvalid", err)
		}
		var e *domain.Error
		if !errors.As(err, &e) || len(e.Fields) != 2 || e.Fields[0].Field != "a" || e.Fields[1].Field != "b" {
			t.Errorf("Err() fields = %+v, want a then b", e)
		}
	})
}

func TestParseRole(t *testing.T) {
	t.Parallel()
	for _, r := range domain.Roles {
		got, err := domain.ParseRole(string(r))
		if err != nil || got != r {
			t.Errorf("ParseRole(%q) = %q, %v; want %q", r, got, err, r)
		}
	}
	for _, s := range []string{"", "Admin", "root", " admin"} {
		if _, err := domain.ParseRole(s); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("ParseRole(%q) err = %v, want ErrInvalid", s, err)
		}
	}
}
