#!/bin/sh
# Install the Debian packages mentorbot needs to build, test, benchmark and
# run its demo.  Idempotent: does nothing when everything is present.
# Needs root (or sudo) only when something is missing.
# usage: install-deps.sh [bench]
set -eu

PKGS="build-essential pkg-config clang clang-format
libetpan-dev libcurl4-gnutls-dev libjansson-dev libsqlite3-dev libgnutls28-dev libical-dev libstrophe-dev libseccomp-dev
dovecot-imapd dovecot-lmtpd opensmtpd prosody lua-unbound openssl curl ca-certificates
python3 python3-slixmpp python3-icalendar tzdata python3-matrix-nio python3-dkim
libinih-dev mandoc lintian debhelper fakeroot dpkg-dev systemd systemd-container python3-regex
chromium tidy python3-feedparser"
# the Bluesky reference server of the tests (tests/servers/bluesky/install.sh) runs on Node
# with npm; a machine without node gets Debian's
command -v node > /dev/null || PKGS="$PKGS nodejs npm"
# "install-deps.sh bench": also what only the benchmarks compare against
[ "${1:-}" = bench ] && PKGS="$PKGS python3-scipy"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
# Keep packaged daemons from starting system-wide instances while installing
# (Docker-style images have no init; elsewhere this is a no-op).
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
