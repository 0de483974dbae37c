package store

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/fieldwork/fieldwork/migrations"
)

// Migrate applies the embedded migrations of this database's dialect.
func (db *DB) Migrate(ctx context.Context) error {
	dialect, dir := goose.DialectPostgres, "postgres"
	if db.dialect == SQLite {
		dialect, dir = goose.DialectSQLite3, "sqlite"
	}
	fsys, err := fs.Sub(migrations.FS, dir)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	var opts []goose.ProviderOption
	if db.dialect == Postgres {
		// Instances starting side by side take turns.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return fmt.Errorf("migrations: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, db.sql, fsys, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", db.dialect, err)
	}
	return nil
}
