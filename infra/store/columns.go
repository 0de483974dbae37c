package store

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Conversions between domain values and column values, and the pattern that
// searches the search_text columns: helpers shared by the rows and queries
// of several aggregates, kept here rather than in whichever file used them
// first.

// optID is a nullable id column: NULL for the zero id.
func optID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

// idOf reads a nullable id column: the zero id for NULL.
func idOf(p *uuid.UUID) uuid.UUID {
	if p == nil {
		return uuid.Nil
	}
	return *p
}

// utcPtr reads a nullable timestamp column in UTC.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// dateText is a nullable date column, as YYYY-MM-DD text.
func dateText(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format(time.DateOnly)
	return &s
}

// parseDate reads a nullable YYYY-MM-DD date column.
func parseDate(s *string) *time.Time {
	if s == nil {
		return nil
	}
	d, err := time.Parse(time.DateOnly, *s)
	if err != nil {
		return nil
	}
	return &d
}

// deref reads a nullable text column: empty for NULL.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// skillsJSON is a skills column: a JSON array of strings, never null.
func skillsJSON(skills []string) string {
	if skills == nil {
		skills = []string{}
	}
	b, _ := json.Marshal(skills)
	return string(b)
}

// parseSkills reads a skills column.
func parseSkills(s string) []string {
	out := []string{}
	_ = json.Unmarshal([]byte(s), &out)
	return out
}

// likeContains is a LIKE pattern matching s anywhere, wildcards escaped;
// use it with ESCAPE '\'.
func likeContains(s string) string {
	r := []rune{}
	for _, c := range domain.SearchText(s) {
		if c == '%' || c == '_' || c == '\\' {
			r = append(r, '\\')
		}
		r = append(r, c)
	}
	return "%" + string(r) + "%"
}
