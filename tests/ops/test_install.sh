#!/bin/bash
# tests/ops/test_install.sh - make install / make uninstall, in a copy of the sources (so
# that ./mentorbot of this tree is not rebuilt with another PREFIX under the feet of the
# integration tests):
#  - install_file_list: make install DESTDIR=D PREFIX=/usr/local installs exactly the
#    binary, the templates, the two man pages, the example configuration and the unit;
#  - installed_finds_templates: that binary, run where /usr/local is D/usr/local (a
#    private mount namespace), passes check-config with no [bot] templates key (the
#    answer itself is a template text);
#  - prefix_rebuild: make install PREFIX=P right after rebuilds the objects, and the
#    binary in P finds the templates in P;
#  - example_config: the example configuration with its placeholders filled, and with
#    every key uncommented, passes check-config;
#  - uninstall: make uninstall DESTDIR=D PREFIX=/usr/local leaves no file in D.
# Prints "PASS name" / "FAIL name: why" / "SKIP name: why".
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
PY=/usr/bin/python3
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mentorbot-install.XXXXXX")
trap '[ -n "${MB_KEEP_TMP:-}" ] || rm -rf "$TMP"' EXIT
J=$(nproc 2>/dev/null || echo 2)

pass() { echo "PASS install::$1"; }
fail() { echo "FAIL install::$1: $2"; }

# the sources as they are (uncommitted changes too), without the build products
mkdir -p "$TMP/src"
tar -C "$ROOT" --exclude=./build --exclude=./mentorbot --exclude=./.git --exclude='./state.db*' -cf - . |
	tar -C "$TMP/src" -xf -

D=$TMP/destdir
if ! make -C "$TMP/src" -j"$J" install DESTDIR="$D" PREFIX=/usr/local > "$TMP/make1.log" 2>&1; then
	tail -n 20 "$TMP/make1.log"
	fail install_file_list "make install failed"
	exit 0
fi

# --- exactly the listed files
{
	echo "etc/mentorbot/mentorbot.ini.example"
	echo "usr/local/lib/systemd/system/mentorbot.service"
	echo "usr/local/sbin/mentorbot"
	echo "usr/local/share/man/man5/mentorbot.ini.5"
	echo "usr/local/share/man/man8/mentorbot.8"
	for f in templates/de/*.txt templates/en/*.txt; do echo "usr/local/share/mentorbot/$f"; done
} | sort > "$TMP/expected"
(cd "$D" && find . -type f | sed 's|^\./||' | sort) > "$TMP/got"
if diff -u "$TMP/expected" "$TMP/got" > "$TMP/diff"; then
	modes=$(stat -c '%a %n' "$D/usr/local/sbin/mentorbot" "$D/etc/mentorbot/mentorbot.ini.example")
	if [ "$modes" = "755 $D/usr/local/sbin/mentorbot
644 $D/etc/mentorbot/mentorbot.ini.example" ]; then
		pass "install_file_list ($(wc -l < "$TMP/got") files)"
	else
		fail install_file_list "modes: $modes"
	fi
else
	fail install_file_list "$(grep '^[-+][^-+]' "$TMP/diff" | head -n 5 | tr '\n' ' ')"
fi

# a configuration without [bot] templates; check-config does not connect
minimal_config() {   # minimal_config FILE
	cat > "$1" <<EOF
[bot]
database = $TMP/state.db
[imap]
url = imap://127.0.0.1:10143/INBOX
user = bot@example.test
password = pass
[smtp]
url = smtp://127.0.0.1:10025
from = MentorBot <bot@example.test>
EOF
}
minimal_config "$TMP/minimal.ini"

# --- the binary finds the templates under its PREFIX
if ! command -v unshare > /dev/null; then
	echo "SKIP install::installed_finds_templates: unshare not installed"
elif ! unshare -m true 2> /dev/null; then
	echo "SKIP install::installed_finds_templates: no mount namespace here (unshare -m refused)"
else
	out=$(cd / && unshare -m sh -c 'mount --bind "$1/usr/local" /usr/local && /usr/local/sbin/mentorbot check-config -c "$2"' \
		sh "$D" "$TMP/minimal.ini" 2>&1)
	rc=$?
	if [ "$rc" = 0 ] && [ -n "$out" ]; then
		pass "installed_finds_templates ($out)"
	else
		fail installed_finds_templates "exit $rc: $out"
	fi
fi

# --- another PREFIX rebuilds: the binary in P reads P's templates
P=$TMP/prefix
if ! make -C "$TMP/src" -j"$J" install PREFIX="$P" SYSCONFDIR="$P/etc" > "$TMP/make2.log" 2>&1; then
	tail -n 20 "$TMP/make2.log"
	fail prefix_rebuild "make install PREFIX=$P failed"
elif ! grep -q "^cc .*-o build/obj/bot/config.o" "$TMP/make2.log"; then
	fail prefix_rebuild "bot/config.o was not rebuilt for the new PREFIX"
elif ! grep -qF "$P/share/mentorbot/templates" "$P/sbin/mentorbot"; then
	fail prefix_rebuild "$P/sbin/mentorbot does not name $P/share/mentorbot/templates"
else
	out=$(cd / && "$P/sbin/mentorbot" check-config -c "$TMP/minimal.ini" 2>&1)
	rc=$?
	if [ "$rc" = 0 ]; then pass "prefix_rebuild"; else fail prefix_rebuild "check-config exit $rc: $out"; fi
fi

# --- the example configuration, filled in (and with every key uncommented)
EX=$D/etc/mentorbot/mentorbot.ini.example
mkdir -p "$TMP/etc"
# every secret file the example names (password_file, access_token_file, …)
for f in $(grep -oE '_file = /etc/mentorbot/[A-Za-z0-9._-]+' "$EX" | sed 's|.*/||' | sort -u); do
	echo secret > "$TMP/etc/$f"
done
chmod 600 "$TMP"/etc/*
: > "$TMP/etc/ca.pem"
KNOWS_METRICS=0
grep -q metrics_file "$P/sbin/mentorbot" 2>/dev/null && KNOWS_METRICS=1
"$PY" - "$EX" "$TMP" "$KNOWS_METRICS" <<'PYEOF'
import re, sys
ex, tmp, knows_metrics = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
text = open(ex).read()
# the placeholders as a test (or an administrator) fills them
filled = (text.replace("/etc/mentorbot/", tmp + "/etc/")
              .replace("/var/lib/mentorbot/", tmp + "/")
              .replace("/usr/share/mentorbot/templates", tmp + "/prefix/share/mentorbot/templates")
              .replace("imaps://imap.uni.example/INBOX", "imap://127.0.0.1:10143/INBOX")
              .replace("smtps://smtp.uni.example:465", "smtp://127.0.0.1:10025"))
open(tmp + "/filled.ini", "w").write(filled)
# every "#key = value" line uncommented (not the old name retention_days, nor
# metrics_file while the binary does not know it yet), and every "#[section]"
skip = {"retention_days"} | (set() if knows_metrics else {"metrics_file"})
out = []
for line in filled.splitlines():
    m = re.match(r"#(\[[a-z]+\]|([a-z_]+) = .*)$", line)
    if m and (m.group(2) is None or m.group(2) not in skip):
        line = line[1:]
    out.append(line)
open(tmp + "/all.ini", "w").write("\n".join(out) + "\n")
PYEOF
EXE=$P/sbin/mentorbot
[ -x "$EXE" ] || EXE=$ROOT/mentorbot
for v in filled all; do
	out=$("$EXE" check-config -c "$TMP/$v.ini" 2>&1)
	rc=$?
	if [ "$rc" = 0 ]; then
		pass "example_config_$v"
	else
		fail "example_config_$v" "exit $rc: $(echo "$out" | head -n 5 | tr '\n' ' ')"
	fi
done
if ! cmp -s "$ROOT/dist/mentorbot.ini.example" "$EX"; then
	fail example_config_installed "the installed example differs from dist/mentorbot.ini.example"
fi

# --- make uninstall removes every file
if make -C "$TMP/src" uninstall DESTDIR="$D" PREFIX=/usr/local > "$TMP/make3.log" 2>&1; then
	left=$(cd "$D" && find . -type f | head -n 5)
	if [ -z "$left" ]; then pass uninstall; else fail uninstall "left: $(echo "$left" | tr '\n' ' ')"; fi
else
	tail -n 10 "$TMP/make3.log"
	fail uninstall "make uninstall failed"
fi
