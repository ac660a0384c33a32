#!/bin/bash
# tests/ops/test_dist.sh - the distribution files in dist/:
#  - mandoc_lint: `mandoc -Tlint -Wall` prints nothing for mentorbot.8 and
#    mentorbot.ini.5 (the cross-references between them are resolved in a private
#    mount namespace where both pages are in /usr/share/man, as once installed);
#  - unit_verify: `systemd-analyze verify` of mentorbot.service is clean (a copy whose
#    ExecStart names the built binary, and with MANPATH holding the two pages, since
#    neither is installed here);
#  - unit_security: `systemd-analyze security --offline=true` scores it below 2.0
#    ("OK"); the score is printed.
# Prints "PASS name" / "FAIL name: why" / "SKIP name: why".
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mentorbot-dist.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
MAN8=dist/mentorbot.8 MAN5=dist/mentorbot.ini.5 UNIT=dist/mentorbot.service

# a man tree with the two pages and its mandoc.db
mkdir -p "$TMP/man/man5" "$TMP/man/man8"
cp "$MAN8" "$TMP/man/man8/"
cp "$MAN5" "$TMP/man/man5/"

# --- mandoc -Tlint -Wall
if ! command -v mandoc > /dev/null; then
	echo "SKIP dist::mandoc_lint: mandoc not installed"
else
	makewhatis "$TMP/man" 2> /dev/null
	if unshare -m true 2> /dev/null; then
		out=$(unshare -m sh -c 'mount -t overlay overlay -o lowerdir="$1":/usr/share/man /usr/share/man &&
			mandoc -Tlint -Wall "$2" "$3"' sh "$TMP/man" "$MAN8" "$MAN5" 2>&1)
		how="cross-references resolved"
	else
		# without a mount namespace only "referenced manual not found" of the two pages
		# themselves is left out, unless they are installed
		out=$(mandoc -Tlint -Wall "$MAN8" "$MAN5" 2>&1 |
			grep -v 'STYLE: referenced manual not found: Xr mentorbot\(\.ini\)\? [58]')
		how="references between the two pages not checked: no mount namespace"
	fi
	if [ -z "$out" ]; then
		echo "PASS dist::mandoc_lint ($how)"
	else
		echo "$out" | head -n 20 | sed 's/^/    | /'
		echo "FAIL dist::mandoc_lint: $(echo "$out" | wc -l) lines from mandoc -Tlint -Wall"
	fi
fi

# --- systemd-analyze verify
if ! command -v systemd-analyze > /dev/null; then
	echo "SKIP dist::unit_verify: systemd-analyze not installed"
	echo "SKIP dist::unit_security: systemd-analyze not installed"
	exit 0
fi
EXE=${MENTORBOT:-$ROOT/mentorbot}
case $EXE in /*) ;; *) EXE=$ROOT/$EXE ;; esac
if [ ! -x "$EXE" ]; then
	echo "SKIP dist::unit_verify: $EXE not built"
else
	grep -q '^ExecStart=/usr/sbin/mentorbot run -c /etc/mentorbot/mentorbot.ini$' "$UNIT" ||
		echo "FAIL dist::unit_execstart: ExecStart is not /usr/sbin/mentorbot run -c /etc/mentorbot/mentorbot.ini"
	sed "s|^ExecStart=/usr/sbin/mentorbot |ExecStart=$EXE |" "$UNIT" > "$TMP/mentorbot.service"
	out=$(MANPATH="$TMP/man:" systemd-analyze verify "$TMP/mentorbot.service" 2>&1)
	rc=$?
	if [ "$rc" = 0 ] && [ -z "$out" ]; then
		echo "PASS dist::unit_verify"
	else
		echo "$out" | head -n 20 | sed 's/^/    | /'
		echo "FAIL dist::unit_verify: exit $rc"
	fi
fi

# --- systemd-analyze security
out=$(systemd-analyze security --offline=true --no-pager "$UNIT" 2>&1)
score=$(echo "$out" | sed -n 's/.*Overall exposure level for mentorbot.service: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p')
if [ -z "$score" ]; then
	echo "$out" | tail -n 5 | sed 's/^/    | /'
	echo "FAIL dist::unit_security: no score"
elif awk -v s="${score%% *}" 'BEGIN { exit !(s < 2.0) }'; then
	echo "PASS dist::unit_security (systemd-analyze security: $score)"
else
	echo "$out" | grep '✗' | sed 's/^/    | /'
	echo "FAIL dist::unit_security: exposure $score, above 2.0"
fi
