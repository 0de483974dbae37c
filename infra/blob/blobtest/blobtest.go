// Package blobtest gives tests a fresh bucket on the MinIO that
// scripts/test.sh starts (FIELDWORK_TEST_S3_*).
package blobtest

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"testing"

	"github.com/fieldwork/fieldwork/infra/blob"
)

// MinIO returns the test server's coordinates with a new bucket name (the
// store creates it). Without a server it returns false, or fails the test
// when every footing is required (FIELDWORK_TEST_REQUIRE_ALL=1 or CI=true).
func MinIO(t testing.TB) (blob.S3Config, bool) {
	t.Helper()
	endpoint := os.Getenv("FIELDWORK_TEST_S3_ENDPOINT")
	if endpoint == "" {
		if os.Getenv("FIELDWORK_TEST_REQUIRE_ALL") == "1" || os.Getenv("CI") == "true" {
			t.Fatal("FIELDWORK_TEST_S3_ENDPOINT is not set: run the tests with `make test`, which starts MinIO")
		}
		t.Log("FIELDWORK_TEST_S3_ENDPOINT not set: MinIO footing not run (use `make test`)")
		return blob.S3Config{}, false
	}
	useSSL := false
	if v := os.Getenv("FIELDWORK_TEST_S3_USE_SSL"); v != "" {
		var err error
		if useSSL, err = strconv.ParseBool(v); err != nil {
			t.Fatalf("FIELDWORK_TEST_S3_USE_SSL=%q: %v", v, err)
		}
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return blob.S3Config{
		Endpoint:  endpoint,
		AccessKey: os.Getenv("FIELDWORK_TEST_S3_ACCESS_KEY"),
		SecretKey: os.Getenv("FIELDWORK_TEST_S3_SECRET_KEY"),
		Bucket:    "test-" + hex.EncodeToString(b),
		UseSSL:    useSSL,
	}, true
}
