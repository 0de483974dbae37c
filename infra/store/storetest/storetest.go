// Package storetest gives tests a fresh database on each footing: a SQLite
// file always, and a throw-away PostgreSQL database when
// FIELDWORK_TEST_DATABASE_URL points at a cluster (scripts/test.sh starts one).
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/fieldwork/fieldwork/infra/store"
)

// Footing is one storage configuration to run a test on.
type Footing struct {
	Name        string
	DatabaseURL string // empty for SQLite
	DataDir     string
}

// Required reports whether a missing service fails the test instead of skipping it.
func Required() bool {
	return os.Getenv("FIELDWORK_TEST_REQUIRE_ALL") == "1" || os.Getenv("CI") == "true"
}

// Footings returns SQLite and, when available, PostgreSQL, each fresh.
func Footings(t testing.TB) []Footing {
	t.Helper()
	fs := []Footing{{Name: "sqlite", DataDir: t.TempDir()}}
	if u := PostgresURL(t); u != "" {
		fs = append(fs, Footing{Name: "postgres", DatabaseURL: u, DataDir: t.TempDir()})
	}
	return fs
}

// PostgresURL creates an empty database in the test cluster and returns its
// URL; it is dropped when the test ends. Without a cluster it returns "" (or
// fails the test when all footings are required).
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("FIELDWORK_TEST_DATABASE_URL")
	if admin == "" {
		if Required() {
			t.Fatal("FIELDWORK_TEST_DATABASE_URL is not set: run the tests with `make test`, which starts PostgreSQL")
		}
		t.Log("FIELDWORK_TEST_DATABASE_URL not set: PostgreSQL footing not run (use `make test`)")
		return ""
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "test_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		_ = db.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		_, _ = db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		_ = db.Close()
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Open opens and migrates the footing's database, closing it at the end.
func Open(t testing.TB, f Footing) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), f.DatabaseURL, f.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}
