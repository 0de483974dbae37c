#!/usr/bin/env bash
# Functions called from traps and from a loop over names look unreachable to shellcheck.
# shellcheck disable=SC2317

# The project's one test command (`make test`, and what CI runs).
#
#   scripts/test.sh                      static checks, then go test ./...
#   scripts/test.sh -run Foo ./api/...   extra arguments go to go test as they are
#   FIELDWORK_TEST_FAST=1 scripts/test.sh ./domain/...
#                                        skip the static checks (never under CI)
#
# It starts a throw-away PostgreSQL 15 cluster and a MinIO server on free
# loopback ports, exports their addresses in FIELDWORK_TEST_* variables and
# sets FIELDWORK_TEST_REQUIRE_ALL=1, so a test fails rather than skips when a
# service is missing. Whatever it started is stopped, and its temporary
# directories removed, however it exits. Its exit code is go test's.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# shellcheck source=scripts/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/services.sh"

# ---------------------------------------------------------------- static checks

failed_checks=()

check_gofmt() {
	header "gofmt -l (tracked and new .go files)"
	local files=() f
	while IFS= read -r -d '' f; do
		[[ -f "$f" ]] && files+=("$f")
	done < <(git ls-files -z --cached --others --exclude-standard -- '*.go')
	if [[ ${#files[@]} -eq 0 ]]; then
		note "no .go files"
		return 0
	fi
	local out
	out="$(gofmt -l "${files[@]}" 2>&1)" || true
	if [[ -n "$out" ]]; then
		printf '%s\n' "$out"
		note "these files need gofmt -w"
		return 1
	fi
}

check_vet() {
	header "go vet ./..."
	go vet ./...
}

check_generate() {
	header "go generate ./... (api/gen must match what is committed)"
	go generate ./... || return 1
	local ok=0 untracked
	if ! git diff --quiet -- api/gen; then
		git --no-pager diff --stat -- api/gen
		git --no-pager diff -- api/gen | head -n 100
		note "api/gen differs from the committed code after go generate: commit the regenerated files"
		ok=1
	fi
	untracked="$(git ls-files --others --exclude-standard -- api/gen)"
	if [[ -n "$untracked" ]]; then
		printf '%s\n' "$untracked"
		note "go generate produced files under api/gen that are not committed"
		ok=1
	fi
	return "$ok"
}

check_spec() {
	header "Spectral lint of openapi.yaml"
	"$REPO_ROOT/scripts/lint-spec.sh"
}

run_static_checks() {
	local check
	for check in check_gofmt check_vet check_generate check_spec; do
		# Each check reports failure through its exit status (errexit is off
		# inside an `if`), and runs in a subshell so a die ends only that check.
		if ! (set -e && "$check"); then
			failed_checks+=("${check#check_}")
		fi
	done
	if [[ ${#failed_checks[@]} -gt 0 ]]; then
		die "static checks failed: ${failed_checks[*]}"
	fi
}

# ---------------------------------------------------------------- tools

# ensure_tour_tools installs curl and jq, which the README's tour
# (docs/tour.sh, run by cmd/fieldwork's tests) needs, when they are missing.
ensure_tour_tools() {
	local missing=() tool
	for tool in curl jq; do
		command -v "$tool" >/dev/null || missing+=("$tool")
	done
	[[ ${#missing[@]} -eq 0 ]] && return 0
	[[ $EUID -eq 0 ]] || die "${missing[*]} not installed; the tour test needs them (Debian: sudo apt-get install -y ${missing[*]})"
	header "Installing ${missing[*]} (apt-get)"
	DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null ||
		die "apt-get install ${missing[*]} failed"
}

# ---------------------------------------------------------------- main

cd "$REPO_ROOT"

fast=""
case "${FIELDWORK_TEST_FAST:-}" in
"" | 0 | false) ;;
*)
	if in_ci; then
		note "FIELDWORK_TEST_FAST is ignored under CI: running every check"
	else
		fast=1
	fi
	;;
esac

if [[ -n "$fast" ]]; then
	header "Static checks skipped (FIELDWORK_TEST_FAST=$FIELDWORK_TEST_FAST)"
else
	run_static_checks
fi

ensure_tour_tools
start_postgres
start_minio
export FIELDWORK_TEST_REQUIRE_ALL=1

if [[ $# -eq 0 ]]; then
	set -- ./...
fi
header "go test -count=1 -timeout 20m $*"
# The tests get a temporary directory of their own, so that whatever they
# leave behind is seen (and removed with it on exit).
new_tmp_dir test_tmp go-test
# Our defaults come first so that a -timeout among the arguments wins.
rc=0
TMPDIR="$test_tmp" go test -count=1 -timeout 20m "$@" || rc=$?
if [[ $rc -eq 0 ]]; then
	header "Nothing left in the tests' temporary directory"
	left="$(find "$test_tmp" -mindepth 1 -maxdepth 1 -printf '%P\n' | sort)"
	if [[ -n "$left" ]]; then
		du -sh "$test_tmp"/* 2>/dev/null | sed "s|$test_tmp/||"
		die "the tests left files in the temporary directory (each test should use t.TempDir or remove its own)"
	fi
fi
exit "$rc"
