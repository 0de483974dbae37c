package store

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/fieldwork/fieldwork/domain"
)

// uniqueViolation reports whether err is a unique-constraint violation, and
// of which constraint or column list where the driver says.
func uniqueViolation(err error) (string, bool) {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.ConstraintName, pg.Code == "23505"
	}
	msg := err.Error()
	if i := strings.Index(msg, "UNIQUE constraint failed: "); i >= 0 {
		return msg[i+len("UNIQUE constraint failed: "):], true
	}
	return "", false
}

// notFound maps gorm's record-not-found to the domain's.
func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return domain.NotFound(what)
	}
	return err
}
