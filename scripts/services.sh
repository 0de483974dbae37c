#!/usr/bin/env bash
# Functions called from traps look unreachable to shellcheck.
# shellcheck disable=SC2317

# Throw-away PostgreSQL 15 and MinIO servers on free loopback ports, for
# scripts that source this file (test.sh, loadtest.sh). start_postgres and
# start_minio export FIELDWORK_TEST_* with their addresses; an EXIT trap
# stops whatever was started and removes its temporary directories.
# The caller sources lib.sh first.

PG_MAJOR=15
# PostgreSQL refuses to run as root, so as root we run it as this user.
PG_USER=fieldwork-test
MINIO_MODULE=github.com/minio/minio
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
MINIO_BIN="$FIELDWORK_CACHE/bin/minio"
S3_ACCESS_KEY=fieldwork-test
S3_SECRET_KEY=fieldwork-test-secret
START_TIMEOUT=60 # seconds each service gets to answer
# Tests trade durability for speed; the load test sets durable settings.
# pg_stat_statements lets tests count the statements a request runs.
PG_SETTINGS="${PG_SETTINGS:-fsync = off
synchronous_commit = off
full_page_writes = off
shared_preload_libraries = 'pg_stat_statements'}"

tmp_dirs=()
pg_bin=""
pg_tmp=""
minio_pid=""

# ---------------------------------------------------------------- cleanup

stop_postgres() {
	[[ -n "$pg_tmp" && -f "$pg_tmp/data/postmaster.pid" ]] || return 0
	run_pg "$pg_bin/pg_ctl" -D "$pg_tmp/data" -m fast -w -t 20 stop >/dev/null 2>&1 ||
		run_pg "$pg_bin/pg_ctl" -D "$pg_tmp/data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
	if [[ -f "$pg_tmp/data/postmaster.pid" ]]; then
		local pid
		pid="$(head -n 1 "$pg_tmp/data/postmaster.pid" 2>/dev/null || true)"
		if [[ "$pid" =~ ^[0-9]+$ ]]; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
}

stop_minio() {
	[[ -n "$minio_pid" ]] || return 0
	kill -TERM "$minio_pid" 2>/dev/null || return 0
	local i
	for ((i = 0; i < 50; i++)); do
		kill -0 "$minio_pid" 2>/dev/null || break
		sleep 0.2
	done
	kill -KILL "$minio_pid" 2>/dev/null || true
	wait "$minio_pid" 2>/dev/null || true
	minio_pid=""
}

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM HUP
	stop_minio
	stop_postgres
	local d
	for d in "${tmp_dirs[@]}"; do
		[[ -n "$d" ]] && rm -rf "$d"
	done
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------- helpers

# new_tmp_dir VAR NAME makes a temporary directory that cleanup removes and
# stores its path in VAR (not printed: a $(...) subshell would lose the record).
new_tmp_dir() {
	local d
	d="$(mktemp -d "${TMPDIR:-/tmp}/fieldwork-$2.XXXXXX")"
	tmp_dirs+=("$d")
	printf -v "$1" '%s' "$d"
}

port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# free_port prints a loopback port nobody listens on, avoiding the ports given.
# It stays below Linux's ephemeral range, where outgoing connections live.
free_port() {
	local p i
	for ((i = 0; i < 200; i++)); do
		p=$((20000 + RANDOM % 12000))
		[[ " $* " == *" $p "* ]] && continue
		port_in_use "$p" || {
			printf '%s\n' "$p"
			return 0
		}
	done
	die "found no free port on 127.0.0.1"
}

# run_pg runs a PostgreSQL program as the unprivileged user when we are root.
run_pg() {
	if [[ $EUID -eq 0 ]]; then
		(cd "$pg_tmp" && runuser -u "$PG_USER" -- "$@")
	else
		(cd "$pg_tmp" && "$@")
	fi
}

# ---------------------------------------------------------------- PostgreSQL

# find_pg_bin prints the bin directory of PostgreSQL $PG_MAJOR, if installed.
find_pg_bin() {
	local candidate
	for candidate in "/usr/lib/postgresql/$PG_MAJOR/bin/initdb" "$(command -v initdb || true)"; do
		[[ -n "$candidate" && -x "$candidate" ]] || continue
		candidate="$(readlink -f "$candidate")"
		if "$candidate" --version 2>/dev/null | grep -Eq "[[:space:]]$PG_MAJOR\."; then
			dirname "$candidate"
			return 0
		fi
	done
	return 1
}

install_postgres() {
	[[ $EUID -eq 0 ]] || die "PostgreSQL $PG_MAJOR is not installed; install it (Debian: sudo apt-get install -y postgresql-$PG_MAJOR)"
	header "Installing PostgreSQL $PG_MAJOR (apt-get)"
	# Keep the package from creating and starting its own 'main' cluster:
	# we only want the binaries.
	local conf=/etc/postgresql-common/createcluster.d/fieldwork-test.conf wrote_conf=""
	if [[ ! -e "$conf" ]]; then
		mkdir -p "$(dirname "$conf")"
		printf 'create_main_cluster = false\n' >"$conf"
		wrote_conf=1
	fi
	local ok=1
	DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "postgresql-$PG_MAJOR" </dev/null ||
		ok=""
	[[ -n "$wrote_conf" ]] && rm -f "$conf"
	[[ -n "$ok" ]] || die "apt-get install postgresql-$PG_MAJOR failed"
}

ensure_pg_user() {
	[[ $EUID -eq 0 ]] || return 0
	id -u "$PG_USER" >/dev/null 2>&1 && return 0
	note "creating system user $PG_USER to run PostgreSQL"
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_USER" ||
		id -u "$PG_USER" >/dev/null 2>&1 || # another run may have just made it
		die "could not create user $PG_USER"
}

pg_locale() {
	if locale -a 2>/dev/null | grep -Eqix 'c\.utf-?8'; then
		printf 'C.UTF-8\n'
	else
		printf 'C\n'
	fi
}

start_postgres() {
	header "Starting PostgreSQL $PG_MAJOR"
	pg_bin="$(find_pg_bin)" || {
		install_postgres
		pg_bin="$(find_pg_bin)" || die "PostgreSQL $PG_MAJOR binaries not found even after installing postgresql-$PG_MAJOR"
	}
	ensure_pg_user

	new_tmp_dir pg_tmp pg
	[[ $EUID -eq 0 ]] && chown "$PG_USER:" "$pg_tmp"
	if ! run_pg test -w "$pg_tmp"; then
		# TMPDIR may sit under a directory the unprivileged user can't enter.
		TMPDIR=/tmp new_tmp_dir pg_tmp pg
		[[ $EUID -eq 0 ]] && chown "$PG_USER:" "$pg_tmp"
	fi
	local data="$pg_tmp/data" log="$pg_tmp/postgres.log" locale
	locale="$(pg_locale)"

	if ! run_pg "$pg_bin/initdb" -D "$data" --auth=trust -U postgres --encoding=UTF8 \
		--locale="$locale" --no-sync --no-instructions >"$pg_tmp/initdb.log" 2>&1; then
		show_log initdb "$pg_tmp/initdb.log"
		die "PostgreSQL initdb failed"
	fi

	local port attempt
	for attempt in 1 2 3; do
		port="$(free_port)"
		run_pg tee "$data/conf.d-fieldwork.conf" >/dev/null <<-EOF
			listen_addresses = '127.0.0.1'
			port = $port
			unix_socket_directories = '$pg_tmp'
			max_connections = 300
			$PG_SETTINGS
		EOF
		grep -q "^include_if_exists = 'conf.d-fieldwork.conf'" "$data/postgresql.conf" ||
			run_pg tee -a "$data/postgresql.conf" >/dev/null <<<"include_if_exists = 'conf.d-fieldwork.conf'"
		if run_pg "$pg_bin/pg_ctl" -D "$data" -l "$log" -w -t "$START_TIMEOUT" start >/dev/null 2>&1; then
			break
		fi
		# Someone may have taken the port between our probe and the bind.
		if [[ $attempt -lt 3 ]] && grep -q 'already in use' "$log" 2>/dev/null; then
			note "port $port was taken, retrying"
			continue
		fi
		show_log PostgreSQL "$log"
		die "PostgreSQL did not start"
	done

	local i
	for ((i = 0; i < START_TIMEOUT * 5; i++)); do
		"$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1 && break
		sleep 0.2
	done
	if ! "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1; then
		show_log PostgreSQL "$log"
		die "PostgreSQL did not become ready on 127.0.0.1:$port within ${START_TIMEOUT}s"
	fi

	export FIELDWORK_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
	note "$("$pg_bin/postgres" --version) on 127.0.0.1:$port (data in $data, locale $locale)"
}

# ---------------------------------------------------------------- MinIO

minio_is_current() {
	[[ -x "$MINIO_BIN" ]] &&
		go version -m "$MINIO_BIN" 2>/dev/null |
		awk -v m="$MINIO_MODULE" -v v="$MINIO_VERSION" '$1 == "mod" && $2 == m && $3 == v { found = 1 } END { exit !found }'
}

build_minio() {
	header "Building MinIO $MINIO_VERSION into $FIELDWORK_CACHE/bin (first run only, about 2 minutes)"
	mkdir -p "$FIELDWORK_CACHE/bin"
	local work stage log
	# Build from an empty directory so no go.mod (least of all ours) is in play.
	new_tmp_dir work minio-build
	stage="$(mktemp -d "$FIELDWORK_CACHE/bin/.minio-build.XXXXXX")"
	tmp_dirs+=("$stage")
	log="$work/build.log"
	if ! (cd "$work" && GOBIN="$stage" GOFLAGS='' GOWORK=off go install "$MINIO_MODULE@$MINIO_VERSION") >"$log" 2>&1; then
		show_log "MinIO build" "$log"
		die "could not build MinIO ($MINIO_MODULE@$MINIO_VERSION)"
	fi
	mv -f "$stage/minio" "$MINIO_BIN"
}

start_minio() {
	minio_is_current || build_minio
	header "Starting MinIO"
	local dir log api console attempt i
	new_tmp_dir dir minio
	log="$dir/minio.log"
	for attempt in 1 2 3; do
		api="$(free_port)"
		console="$(free_port "$api")"
		MINIO_ROOT_USER="$S3_ACCESS_KEY" MINIO_ROOT_PASSWORD="$S3_SECRET_KEY" \
			MINIO_UPDATE=off MINIO_BROWSER_REDIRECT=off \
			"$MINIO_BIN" server --quiet --anonymous \
			--address "127.0.0.1:$api" --console-address "127.0.0.1:$console" \
			"$dir/data" >"$log" 2>&1 </dev/null &
		minio_pid=$!
		for ((i = 0; i < START_TIMEOUT * 5; i++)); do
			kill -0 "$minio_pid" 2>/dev/null || break
			curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$api/minio/health/live" && break
			sleep 0.2
		done
		if curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$api/minio/health/live"; then
			break
		fi
		stop_minio
		if [[ $attempt -lt 3 ]] && grep -qi 'already in use' "$log" 2>/dev/null; then
			note "port $api or $console was taken, retrying"
			continue
		fi
		show_log MinIO "$log"
		if grep -q . "$log" 2>/dev/null && ! port_in_use "$api"; then
			die "MinIO failed to start on 127.0.0.1:$api (see its log above)"
		fi
		die "MinIO did not answer on 127.0.0.1:$api within ${START_TIMEOUT}s"
	done

	export FIELDWORK_TEST_S3_ENDPOINT="127.0.0.1:$api"
	export FIELDWORK_TEST_S3_ACCESS_KEY="$S3_ACCESS_KEY"
	export FIELDWORK_TEST_S3_SECRET_KEY="$S3_SECRET_KEY"
	export FIELDWORK_TEST_S3_USE_SSL=false
	note "MinIO $MINIO_VERSION on 127.0.0.1:$api (console 127.0.0.1:$console, data in $dir/data)"
}

