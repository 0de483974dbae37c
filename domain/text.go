package domain

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text trims s and checks its length in characters and that it has no control
// characters other than newline and tab. Errors name field.
func Text(fe *FieldErrors, field, s string, min, max int) string {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case !utf8.ValidString(s):
		fe.Add(field, "must be valid UTF-8")
	case n < min && min == 1:
		fe.Add(field, "must not be blank")
	case n < min:
		fe.Add(field, "is too short")
	case n > max:
		fe.Add(field, "is too long")
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) >= 0:
		fe.Add(field, "must not contain control characters")
	}
	return s
}

// OptionalText is Text for an optional field: nil or blank stays nil.
func OptionalText(fe *FieldErrors, field string, s *string, max int) *string {
	if s == nil || strings.TrimSpace(*s) == "" {
		return nil
	}
	v := Text(fe, field, *s, 1, max)
	return &v
}

// Phone normalizes a phone number: digits with an optional leading plus;
// spaces and dashes are dropped.
func Phone(fe *FieldErrors, field, s string) string {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-':
		default:
			fe.Add(field, "must be digits, with an optional leading +")
			return s
		}
	}
	out := b.String()
	digits := strings.TrimPrefix(out, "+")
	if len(digits) < 5 || len(digits) > 18 {
		fe.Add(field, "must have 5 to 18 digits")
	}
	return out
}

// OptionalPhone is Phone for an optional field.
func OptionalPhone(fe *FieldErrors, field string, s *string) *string {
	if s == nil || strings.TrimSpace(*s) == "" {
		return nil
	}
	v := Phone(fe, field, *s)
	return &v
}

// SearchText is the lower-cased haystack a list's q filter matches against.
func SearchText(parts ...string) string {
	return strings.ToLower(strings.Join(parts, "\x1f"))
}

// Patch is a PATCH field: absent, null, or a value.
type Patch[T any] struct {
	Set   bool
	Value *T // nil with Set means "clear"
}

// Some is a patch that sets a value.
func Some[T any](v T) Patch[T] { return Patch[T]{Set: true, Value: &v} }

// NormalizeUsername is the stored form of a username: trimmed, lower case.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// MaxSkills bounds a skill list.
const MaxSkills = 20

// Skills normalizes a list of skill tags: trimmed, lower case, unique, sorted.
func Skills(fe *FieldErrors, field string, in []string) []string {
	out := []string{}
	for _, sk := range in {
		sk = strings.ToLower(Text(fe, field, sk, 1, 50))
		if !slices.Contains(out, sk) {
			out = append(out, sk)
		}
	}
	if len(out) > MaxSkills {
		fe.Add(field, "at most 20 skills")
	}
	slices.Sort(out)
	return out
}
