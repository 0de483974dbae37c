package domain

import "fmt"

// MatchVersion judges a change's If-Match (given, nil when absent) against
// the record's current version: 428 without one, 412 when stale. Services
// call it after visibility, role and state (RFC 9110 §13.2.1); what names
// the record in the details ("order", "complaint").
func MatchVersion(what string, current int, given *int) error {
	if given == nil {
		return &Error{Kind: KindPreconditionRequired, Detail: fmt.Sprintf("send If-Match with the %s's current ETag", what)}
	}
	if *given < 1 {
		return &Error{Kind: KindPreconditionFailed,
			Detail: fmt.Sprintf("If-Match names no version of this %s (it is at version %d); send its current ETag", what, current)}
	}
	if *given != current {
		return &Error{Kind: KindPreconditionFailed, Detail: fmt.Sprintf("the %s has changed: version %d, not %d; fetch it again", what, current, *given)}
	}
	return nil
}
