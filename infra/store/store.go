// Package store implements the domain repositories with gorm, on PostgreSQL
// (production) or pure-Go SQLite (the embedded default).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/fieldwork/fieldwork/domain"
)

// Dialect names the database behind a DB.
type Dialect string

// The two footings.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// DB is the database: the gorm handle, the pool under it and its dialect.
type DB struct {
	gorm    *gorm.DB
	sql     *sql.DB
	dialect Dialect
}

var _ domain.Transactor = (*DB)(nil)

// IsPostgres reports whether dsn selects PostgreSQL.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open connects to PostgreSQL when databaseURL is a postgres:// URL, else to
// SQLite in dataDir/fieldwork.db (WAL, busy timeout, foreign keys, a small
// pool: River needs more than one connection).
func Open(ctx context.Context, databaseURL, dataDir string) (*DB, error) {
	cfg := &gorm.Config{
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		SkipDefaultTransaction: true,
		PrepareStmt:            false,
	}
	var (
		g       *gorm.DB
		err     error
		dialect Dialect
	)
	if IsPostgres(databaseURL) {
		dialect = Postgres
		g, err = gorm.Open(postgres.Open(databaseURL), cfg)
	} else {
		if databaseURL != "" {
			return nil, errors.New("DATABASE_URL must be a postgres:// URL; leave it unset for the embedded SQLite database")
		}
		dialect = SQLite
		if err := os.MkdirAll(dataDir, 0o750); err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
		g, err = gorm.Open(sqlite.Open(SQLiteDSN(filepath.Join(dataDir, "fieldwork.db"))), cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dialect, err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dialect, err)
	}
	if dialect == SQLite {
		sqlDB.SetMaxOpenConns(8)
		sqlDB.SetMaxIdleConns(8)
	} else {
		sqlDB.SetMaxOpenConns(8)
		sqlDB.SetMaxIdleConns(8)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	db := &DB{gorm: g, sql: sqlDB, dialect: dialect}
	if err := db.Ping(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return db, nil
}

// SQLiteDSN is the connection string for the SQLite file at path. Writers
// take the lock when their transaction begins (immediate), so two writers
// queue on busy_timeout instead of failing on lock upgrade. Times are
// written in SQLite's sortable text format, the driver's default; the DSN
// must not name _time_format, since the driver then ignores _txlock.
func SQLiteDSN(path string) string {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "foreign_keys(1)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// Dialect tells which database this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// SQL is the pool under gorm, shared with River.
func (db *DB) SQL() *sql.DB { return db.sql }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := db.sql.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", db.dialect, err)
	}
	return nil
}

// Close closes the pool.
func (db *DB) Close() error { return db.sql.Close() }

type txKey struct{}

// InTx runs fn in a transaction carried by ctx; nested calls join it.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return fn(ctx)
	}
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(context.WithValue(ctx, txKey{}, tx))
	})
}

// SQLTx is the *sql.Tx of the transaction in ctx, for River's InsertTx.
func SQLTx(ctx context.Context) (*sql.Tx, bool) {
	g, ok := ctx.Value(txKey{}).(*gorm.DB)
	if !ok {
		return nil, false
	}
	tx, ok := g.Statement.ConnPool.(*sql.Tx)
	return tx, ok
}

// conn is the transaction in ctx, or the pool.
func (db *DB) conn(ctx context.Context) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx.WithContext(ctx)
	}
	return db.gorm.WithContext(ctx)
}
