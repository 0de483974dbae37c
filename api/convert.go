package api

import (
	"github.com/google/uuid"
	"github.com/oapi-codegen/nullable"

	"github.com/fieldwork/fieldwork/domain"
)

// nullableOf is the JSON form of an optional value: null when absent.
func nullableOf[T any](p *T) nullable.Nullable[T] {
	if p == nil {
		return nullable.NewNullNullable[T]()
	}
	return nullable.NewNullableWithValue(*p)
}

// patchOf reads a PATCH member: absent, null (clear), or a value.
func patchOf[T any](n nullable.Nullable[T]) domain.Patch[T] {
	if !n.IsSpecified() {
		return domain.Patch[T]{}
	}
	if n.IsNull() {
		return domain.Patch[T]{Set: true}
	}
	return domain.Some(n.MustGet())
}

// pageRequest reads the limit and cursor query parameters.
func pageRequest(limit *int32, cursor *string) domain.PageRequest {
	p := domain.PageRequest{}
	if limit != nil {
		p.Limit = int(*limit)
	}
	if cursor != nil {
		p.After = *cursor
	}
	return p
}

// nextCursor is the JSON next_cursor: null on the last page.
func nextCursor(next string) nullable.Nullable[string] {
	if next == "" {
		return nullable.NewNullNullable[string]()
	}
	return nullable.NewNullableWithValue(next)
}

// mapItems converts a page's items.
func mapItems[T, U any](in []T, f func(T) U) []U {
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// nullableID is an optional id: null when zero.
func nullableID(id uuid.UUID) nullable.Nullable[uuid.UUID] {
	if id == uuid.Nil {
		return nullable.NewNullNullable[uuid.UUID]()
	}
	return nullable.NewNullableWithValue(id)
}

// malformed is the 400 for input a domain type's parser refused: it is
// malformed however far the schema got, so it is never a 422.
func malformed(field string, err error) error {
	return domain.BadRequest(field, err.Error())
}
