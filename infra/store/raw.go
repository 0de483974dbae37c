package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// The hot read paths (the per-request session check, reading a work order)
// scan rows by hand through the pool under gorm: gorm's reflective scanning
// of a 48-column row cost a quarter of a GET's CPU under load. The writes
// every work-order change makes (the order, its counter, its event, the
// idempotency key) are written by hand too. The rest, and the
// filter-building of lists, stay on gorm.

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// sqlConn is the *sql.Tx of the transaction in ctx, or the pool.
func (db *DB) sqlConn(ctx context.Context) queryer {
	if tx, ok := SQLTx(ctx); ok {
		return tx
	}
	return db.sql
}

// placeholders is "$1, $2, …" for n arguments. Both databases take $n.
func placeholders(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(i+1))
	}
	return b.String()
}

// rowsOf runs a gorm-built query and returns its rows for scanning by hand.
func rowsOf(q *gorm.DB) (*sql.Rows, error) {
	return q.Rows()
}
