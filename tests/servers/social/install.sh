#!/bin/sh
# tests/servers/social/install.sh - install the Mastodon client library (npm masto, the
# version pinned in package.json) with npm into a cache directory outside the repository,
# for tests/servers/social/check_masto.mjs (tests/integration/test_social_mastodon_client_lib.py).
# Idempotent: a second run that finds the same package.json installed does nothing.  Prints
# the directory on stdout.
# usage: [MB_SOCIAL_DIR=/var/cache/mentorbot-test/social] install.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir=${MB_SOCIAL_DIR:-/var/cache/mentorbot-test/social}
command -v npm > /dev/null || { echo "install.sh: npm not found (scripts/install-deps.sh)" >&2; exit 1; }
mkdir -p "$dir"
if cmp -s "$here/package.json" "$dir/package.json" && [ -d "$dir/node_modules/masto" ]; then
	cp "$here/check_masto.mjs" "$dir/check_masto.mjs"
	echo "$dir"
	exit 0
fi
cp "$here/package.json" "$here/check_masto.mjs" "$dir/"
(cd "$dir" && npm install --no-audit --no-fund --loglevel=error > /dev/null)
echo "$dir"
