# shellcheck shell=bash
# Helpers shared by scripts/test.sh and scripts/lint-spec.sh; source, don't run.

# Tools built or installed for the checks live here, outside the repository,
# so they survive `git clean` and are shared between clones.
FIELDWORK_CACHE="${FIELDWORK_CACHE:-$HOME/.cache/fieldwork}"

# REPO_ROOT is the top of the work tree, whatever directory the script ran from.
# shellcheck disable=SC2034 # used by the scripts that source this file
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# header prints a section line that stands out in CI logs.
header() {
	printf '\n==> %s\n' "$*"
}

# note prints a progress line under the current header.
note() {
	printf '    %s\n' "$*"
}

# die prints a loud error and exits non-zero.
die() {
	printf '\n!!! ERROR: %s\n\n' "$*" >&2
	exit 1
}

# show_log prints the last lines of a log file on stderr, framed.
show_log() {
	local name="$1" file="$2" lines="${3:-40}"
	printf -- '--- last %s lines of %s (%s) ---\n' "$lines" "$name" "$file" >&2
	if [[ -f "$file" ]]; then
		tail -n "$lines" "$file" >&2
	else
		printf '(no log file)\n' >&2
	fi
	printf -- '--- end of %s ---\n' "$name" >&2
}

# in_ci reports whether we run under CI (CI=true or CI=1).
in_ci() {
	[[ "${CI:-}" == "true" || "${CI:-}" == "1" ]]
}
