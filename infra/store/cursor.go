package store

import (
	"encoding/base64"
	"encoding/json"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/fieldwork/fieldwork/domain"
)

// Cursors are base64url JSON arrays of the last row's sort key: opaque to
// clients, and a list can add sort keys without breaking old ones.

func encodeCursor(keys ...string) string {
	b, _ := json.Marshal(keys)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(c string, n int) ([]string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	var keys []string
	if err == nil {
		err = json.Unmarshal(raw, &keys)
	}
	if err != nil || len(keys) != n {
		return nil, domain.BadRequest("cursor", "malformed cursor")
	}
	return keys, nil
}

// afterID decodes an id-only cursor; the zero UUID means the first page.
func afterID(c string) (uuid.UUID, error) {
	if c == "" {
		return uuid.Nil, nil
	}
	keys, err := decodeCursor(c, 1)
	if err != nil {
		return uuid.Nil, err
	}
	id, err := uuid.Parse(keys[0])
	if err != nil {
		return uuid.Nil, domain.BadRequest("cursor", "malformed cursor")
	}
	return id, nil
}

// pageByID runs q ordered by id after the cursor and cuts one page.
func pageByID[R any, T any](q *gorm.DB, p domain.PageRequest, id func(R) uuid.UUID, conv func(R) T) (domain.Page[T], error) {
	after, err := afterID(p.After)
	if err != nil {
		return domain.Page[T]{}, err
	}
	if after != uuid.Nil {
		q = q.Where("id > ?", after)
	}
	var rows []R
	if err := q.Order("id").Limit(p.Limit + 1).Find(&rows).Error; err != nil {
		return domain.Page[T]{}, err
	}
	page := domain.Page[T]{Items: make([]T, 0, min(len(rows), p.Limit))}
	for i, r := range rows {
		if i == p.Limit {
			page.Next = encodeCursor(id(rows[i-1]).String())
			break
		}
		page.Items = append(page.Items, conv(r))
	}
	return page, nil
}
