#!/usr/bin/env bash
# Lints openapi.yaml with Spectral (spectral:oas + the OWASP API ruleset, see
# .spectral.yaml). Spectral is installed with npm into a cache outside the
# repository, pinned to exact versions, the first time it is needed.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SPECTRAL_CLI_VERSION=6.16.3
SPECTRAL_OWASP_VERSION=2.0.1

spectral_dir="$FIELDWORK_CACHE/spectral"
modules="$spectral_dir/node_modules"

# installed_version prints the version of an installed npm package, or nothing.
installed_version() {
	local pkg_json="$modules/$1/package.json"
	[[ -f "$pkg_json" ]] || return 0
	node -p "require(process.argv[1]).version" "$pkg_json" 2>/dev/null || true
}

install_spectral() {
	command -v npm >/dev/null || die "npm is not installed; it is needed to install Spectral (apt-get install -y npm)"
	note "installing @stoplight/spectral-cli@$SPECTRAL_CLI_VERSION and @stoplight/spectral-owasp-ruleset@$SPECTRAL_OWASP_VERSION into $spectral_dir"
	mkdir -p "$FIELDWORK_CACHE"
	# Install into a staging directory and swap it in, so an interrupted
	# install never leaves a half-populated cache behind.
	local stage
	stage="$(mktemp -d "$FIELDWORK_CACHE/spectral.tmp.XXXXXX")"
	printf '{"name":"fieldwork-spectral","private":true}\n' >"$stage/package.json"
	if ! npm install --prefix "$stage" --save-exact --no-audit --no-fund --loglevel=error \
		"@stoplight/spectral-cli@$SPECTRAL_CLI_VERSION" \
		"@stoplight/spectral-owasp-ruleset@$SPECTRAL_OWASP_VERSION" </dev/null >&2; then
		rm -rf "$stage"
		die "npm install of Spectral failed"
	fi
	rm -rf "$spectral_dir"
	chmod 755 "$stage"
	mv "$stage" "$spectral_dir"
}

command -v node >/dev/null || die "node is not installed; it is needed to run Spectral (apt-get install -y nodejs npm)"

if [[ "$(installed_version @stoplight/spectral-cli)" != "$SPECTRAL_CLI_VERSION" ||
	"$(installed_version @stoplight/spectral-owasp-ruleset)" != "$SPECTRAL_OWASP_VERSION" ||
	! -x "$modules/.bin/spectral" ]]; then
	install_spectral
fi

cd "$REPO_ROOT"
# NODE_PATH lets .spectral.yaml's `extends: "@stoplight/spectral-owasp-ruleset"`
# resolve to the cached package rather than to a node_modules in the repo.
NODE_PATH="$modules" "$modules/.bin/spectral" lint openapi.yaml \
	--ruleset .spectral.yaml --fail-severity=error
