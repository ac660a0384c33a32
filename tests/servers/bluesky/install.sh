#!/bin/sh
# tests/servers/bluesky/install.sh - install the real Bluesky reference server
# (@atproto/pds + an in-memory PLC directory, versions pinned in package.json) with npm
# into a cache directory outside the repository.  Idempotent: a second run that finds the
# same package.json installed does nothing.  Prints the directory on stdout.
# usage: [MB_BLUESKY_DIR=/var/cache/mentorbot-test/bluesky] install.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir=${MB_BLUESKY_DIR:-/var/cache/mentorbot-test/bluesky}
command -v npm > /dev/null || { echo "install.sh: npm not found (scripts/install-deps.sh)" >&2; exit 1; }
mkdir -p "$dir"
if cmp -s "$here/package.json" "$dir/package.json" && [ -d "$dir/node_modules/@atproto/pds" ]; then
	cp "$here/start.js" "$dir/start.js"
	echo "$dir"
	exit 0
fi
cp "$here/package.json" "$here/start.js" "$dir/"
(cd "$dir" && npm install --no-audit --no-fund --loglevel=error > /dev/null)
echo "$dir"
