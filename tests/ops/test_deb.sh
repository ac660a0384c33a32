#!/bin/bash
# tests/ops/test_deb.sh - the Debian package, as CI builds it:
#  - deb_build: `dpkg-buildpackage -us -uc -b` in a clean clone of the committed tree
#    gives ../mentorbot_<version>_<arch>.deb;
#  - deb_lintian: lintian reports no error (E:) about it; the warnings are counted;
#  - deb_install: `dpkg -i` on this machine (root) gives /usr/sbin/mentorbot, the system
#    user mentorbot, /var/lib/mentorbot (0750 mentorbot:mentorbot), the templates, both
#    man pages, the unit (enabled), the example configuration as the only conffile, and
#    the installed binary finds its templates with no [bot] templates key.
# The package stays installed: tests/integration/test_ops_installed_package.py runs
# the installed bot against the test servers and then removes it (dpkg -r).
# Prints "PASS name" / "FAIL name: why" / "SKIP name: why"; exit 1 when the package
# could not be built or installed (the integration test calls this script then).
# env: MB_DEB_OUT=DIR keeps the build there (default: a temporary directory, removed).
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)

skip() { echo "SKIP deb::$1: $2"; }
for c in dpkg-buildpackage dh git; do
	command -v "$c" > /dev/null || { skip build "'$c' not installed (scripts/install-deps.sh)"; exit 0; }
done
if [ "$(id -u)" != 0 ]; then skip install "needs root for dpkg -i"; exit 0; fi

OUT=${MB_DEB_OUT:-}
if [ -z "$OUT" ]; then
	OUT=$(mktemp -d "${TMPDIR:-/tmp}/mentorbot-deb.XXXXXX")
	trap 'rm -rf "$OUT"' EXIT
fi
rm -rf "$OUT/src"
if ! git clone -q "$ROOT" "$OUT/src" 2> "$OUT/clone.log"; then
	echo "FAIL deb::build: git clone: $(head -n 3 "$OUT/clone.log" | tr '\n' ' ')"
	exit 1
fi
VERSION=$(cd "$OUT/src" && dpkg-parsechangelog -S Version)
ARCH=$(dpkg --print-architecture)
DEB=$OUT/mentorbot_${VERSION}_${ARCH}.deb
t0=$(date +%s)
if ! (cd "$OUT/src" && dpkg-buildpackage -us -uc -b > "$OUT/build.log" 2>&1) || [ ! -f "$DEB" ]; then
	tail -n 25 "$OUT/build.log" | sed 's/^/    | /'
	echo "FAIL deb::build: dpkg-buildpackage -us -uc -b gave no $(basename "$DEB")"
	exit 1
fi
echo "PASS deb::build ($(basename "$DEB"), $(($(date +%s) - t0)) s)"

if command -v lintian > /dev/null; then
	lintian "$DEB" > "$OUT/lintian.log" 2>&1
	errors=$(grep -c '^E: ' "$OUT/lintian.log")
	warnings=$(grep -c '^W: ' "$OUT/lintian.log")
	if [ "$errors" = 0 ]; then
		echo "PASS deb::lintian (0 errors, $warnings warnings)"
	else
		grep '^E: ' "$OUT/lintian.log" | head -n 20 | sed 's/^/    | /'
		echo "FAIL deb::lintian: $errors errors"
	fi
else
	skip lintian "lintian not installed"
fi

# dpkg takes a lock of its own: another package manager on the machine (an apt-get of
# another job) makes it fail at once, so wait for that lock for up to 5 minutes.
dpkg_waiting() {
	local i
	for i in $(seq 1 60); do
		dpkg "$@" > "$OUT/dpkg.log" 2>&1 && return 0
		grep -q 'lock' "$OUT/dpkg.log" || return 1
		sleep 5
	done
	return 1
}
if ! dpkg_waiting -i "$DEB"; then
	tail -n 20 "$OUT/dpkg.log" | sed 's/^/    | /'
	echo "FAIL deb::install: dpkg -i failed"
	exit 1
fi
problems=()
[ -x /usr/sbin/mentorbot ] || problems+=("no /usr/sbin/mentorbot")
getent passwd mentorbot > /dev/null || problems+=("no user mentorbot")
getent group mentorbot > /dev/null || problems+=("no group mentorbot")
st=$(stat -c '%a %U:%G' /var/lib/mentorbot 2>/dev/null)
[ "$st" = "750 mentorbot:mentorbot" ] || problems+=("/var/lib/mentorbot is '$st'")
for f in /usr/share/mentorbot/templates/en/cli.txt /usr/share/mentorbot/templates/de/cli.txt \
	/usr/share/man/man8/mentorbot.8.gz /usr/share/man/man5/mentorbot.ini.5.gz \
	/lib/systemd/system/mentorbot.service /etc/mentorbot/mentorbot.ini.example; do
	[ -f "$f" ] || problems+=("no $f")
done
n=$(find /usr/share/mentorbot/templates -name '*.txt' | wc -l)
want=$(ls "$ROOT"/templates/de/*.txt "$ROOT"/templates/en/*.txt | wc -l)
[ "$n" = "$want" ] || problems+=("$n templates installed, $want in the tree")
[ -L /etc/systemd/system/multi-user.target.wants/mentorbot.service ] || problems+=("the unit is not enabled")
conffiles=$(dpkg-query -W -f='${Conffiles}' mentorbot | awk 'NF { print $1 }' | tr '\n' ' ')
[ "$conffiles" = "/etc/mentorbot/mentorbot.ini.example " ] || problems+=("conffiles: '$conffiles'")
cfg=$OUT/minimal.ini
cat > "$cfg" <<EOF
[bot]
database = $OUT/state.db
[imap]
url = imap://127.0.0.1:10143/INBOX
user = bot@example.test
password = pass
[smtp]
url = smtp://127.0.0.1:10025
from = MentorBot <bot@example.test>
EOF
out=$(cd / && /usr/sbin/mentorbot check-config -c "$cfg" 2>&1) || problems+=("check-config: $out")
if [ "${#problems[@]}" = 0 ]; then
	echo "PASS deb::install (user $(id -u mentorbot):$(id -g mentorbot), $n templates, unit enabled)"
else
	echo "FAIL deb::install: $(printf '%s; ' "${problems[@]}")"
	exit 1
fi
