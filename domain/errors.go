// Package domain holds what every aggregate shares: errors, the acting user,
// roles, paging and the transaction boundary. It imports only the standard
// library and uuid.
package domain

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind classifies an error by what the caller can do about it.
type Kind int

// The kinds of domain error; the API layer maps each to one HTTP status.
const (
	KindInternal             Kind = iota
	KindInvalid                   // well-formed input that breaks a rule (422)
	KindNotFound                  // missing, or not visible to the actor (404)
	KindConflict                  // clashes with the current state (409)
	KindForbidden                 // the actor's role may not do this (403)
	KindUnauthenticated           // no valid credentials (401)
	KindPreconditionFailed        // a stale version (412)
	KindPreconditionRequired      // a version is required and was not given (428)
	KindRateLimited               // too many attempts (429)
	KindBadRequest                // malformed input the schema could not catch (400)
)

// Sentinels for errors.Is; they match any *Error of the same kind.
var (
	ErrInvalid              = &Error{Kind: KindInvalid}
	ErrNotFound             = &Error{Kind: KindNotFound}
	ErrConflict             = &Error{Kind: KindConflict}
	ErrForbidden            = &Error{Kind: KindForbidden}
	ErrUnauthenticated      = &Error{Kind: KindUnauthenticated}
	ErrPreconditionFailed   = &Error{Kind: KindPreconditionFailed}
	ErrPreconditionRequired = &Error{Kind: KindPreconditionRequired}
	ErrRateLimited          = &Error{Kind: KindRateLimited}
	ErrBadRequest           = &Error{Kind: KindBadRequest}
)

// FieldError names one offending input field.
type FieldError struct {
	Field   string
	Message string
}

// Error is a domain error with a detail that is safe to show to the caller.
type Error struct {
	Kind       Kind
	Detail     string
	Fields     []FieldError
	RetryAfter time.Duration
	// Extra carries problem extension members, e.g. a work order's current state.
	Extra map[string]any
}

func (e *Error) Error() string {
	if e.Detail == "" && len(e.Fields) > 0 {
		parts := make([]string, len(e.Fields))
		for i, f := range e.Fields {
			parts[i] = f.Field + ": " + f.Message
		}
		return strings.Join(parts, "; ")
	}
	return e.Detail
}

// Is makes errors.Is(err, ErrNotFound) true for every not-found error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.Detail == "" && t.Fields == nil
}

// NotFound says that a thing does not exist or is not visible to the actor.
func NotFound(what string) error {
	return &Error{Kind: KindNotFound, Detail: what + " not found"}
}

// Conflict says that the request clashes with the current state.
func Conflict(format string, args ...any) error {
	return &Error{Kind: KindConflict, Detail: fmt.Sprintf(format, args...)}
}

// Forbidden says that the actor's role may not do this.
func Forbidden(format string, args ...any) error {
	return &Error{Kind: KindForbidden, Detail: fmt.Sprintf(format, args...)}
}

// Unauthenticated says that the credentials are missing or no longer valid.
func Unauthenticated(detail string) error {
	return &Error{Kind: KindUnauthenticated, Detail: detail}
}

// RateLimited says to come back after d.
func RateLimited(detail string, d time.Duration) error {
	return &Error{Kind: KindRateLimited, Detail: detail, RetryAfter: d}
}

// BadRequest says that the input is malformed.
func BadRequest(field, message string) error {
	return &Error{Kind: KindBadRequest, Detail: field + ": " + message, Fields: []FieldError{{Field: field, Message: message}}}
}

// FieldErrors collects validation failures; Err returns nil when there are none.
type FieldErrors []FieldError

// Add records one failure.
func (fe *FieldErrors) Add(field, message string) {
	*fe = append(*fe, FieldError{Field: field, Message: message})
}

// Err is an invalid-input error listing every failure, or nil.
func (fe FieldErrors) Err() error {
	if len(fe) == 0 {
		return nil
	}
	return &Error{Kind: KindInvalid, Fields: fe}
}

// Invalid is a single-field validation error.
func Invalid(field, message string) error {
	return FieldErrors{{Field: field, Message: message}}.Err()
}

// KindOf reports the kind of err, KindInternal for anything not a domain error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}
