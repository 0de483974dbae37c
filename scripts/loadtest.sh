#!/usr/bin/env bash
# The performance run behind docs/performance.md:
#
#   scripts/loadtest.sh [loadtest flags]     e.g. -orders 100000 -duration 10s
#
# Starts a throw-away PostgreSQL 15 with durable settings (fsync on) and the
# memory a production server would give it, and a MinIO for photos, seeds it with cmd/loadtest
# (1,000,000 work orders by default) and prints the Markdown report. Traffic
# stays on 127.0.0.1; every scenario is bounded in count and time.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PG_SETTINGS="shared_buffers = 2GB
effective_cache_size = 8GB
work_mem = 16MB
maintenance_work_mem = 1GB
max_wal_size = 8GB
checkpoint_timeout = 30min
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = top"
# shellcheck source=scripts/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/services.sh"

cd "$REPO_ROOT"
start_postgres
start_minio
db="${FIELDWORK_TEST_DATABASE_URL/\/postgres\?/\/loadtest?}"
"$pg_bin/psql" -q "$FIELDWORK_TEST_DATABASE_URL" -c "CREATE DATABASE loadtest"
header "go run ./cmd/loadtest $*"
go run ./cmd/loadtest -database-url "$db" "$@"
