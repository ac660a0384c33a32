#!/bin/bash
# tests/ops/test_systemd_boot.sh - the Debian package under a real systemd: boots this
# machine's own root file system in a container (systemd-nspawn --volatile=overlay: the
# host's files read-only under a tmpfs, so nothing the container does reaches the host),
# with a private network, and drives mentorbot.service there with systemctl, as the
# README's "Installing on Debian" steps do:
#  - boot: systemd 252 boots (is-system-running: running or degraded);
#  - install: the package (the host's, when tests/ops/test_deb.sh installed this
#    version, else built here from a clean clone and installed with dpkg -i in the
#    container): user mentorbot, the unit enabled and not started without a config;
#  - config: the installed example filled in for mail (Dovecot and OpenSMTPD of
#    tests/servers/start.sh, started in the container) and Matrix (tests/matrix's
#    homeserver, in the container's network namespace), the IMAP password and the
#    Matrix token in 0600 mentorbot-owned files; check-config as the user mentorbot;
#  - start: `systemctl start` returns once the daemon sent READY=1, every transport
#    connected; `systemctl status` shows its STATUS= text; the process runs as
#    mentorbot; StateDirectory= made /var/lib/mentorbot, where the database is;
#  - help: "!help" in the room is answered; mail_help: a "help" mail is answered (it
#    went through the parser process and its seccomp filter, under the unit's);
#  - libical: a staff "announce:" is previewed; libical was dlopen()ed
#    (MemoryDenyWriteExecute=);
#  - status_ok: `mentorbot status` exits 0 (OK);
#  - reload: `systemctl reload` (SIGHUP, RELOADING=1/READY=1) keeps the process and
#    logs the reload; reload_bad: a broken file is refused (priority err, its line),
#    the daemon stays;
#  - watchdog: with a drop-in WatchdogSec=5s the pings arrive and nothing restarts it
#    for 12 s;
#  - status_warning: the homeserver stopped: `mentorbot status` exits 1 (WARNING), the
#    STATUS= text says retrying, a priority-warning line is logged;
#  - stop: `systemctl stop` ends it with exit status 0 after its "stopping" line;
#  - journal: key=value event lines (event=command ... cmd=help channel=matrix and
#    channel=mail) and lines at more than one priority; systemd_warnings: systemd logs
#    no warning about the unit;
#  - security: `systemd-analyze security mentorbot.service`, the score printed.
# The container, the homeserver and the bind mount are removed however it ends.  About
# 40 s, plus the package build when the host lacks this version.  Needs root and
# systemd-container; works on a host without systemd as PID 1 and with cgroup v1
# (hybrid).  The private network keeps the container's services off the host's ports.
# Prints "PASS systemd::name" / "FAIL systemd::name: why" / "SKIP systemd::name: why".
# env: MB_SYSTEMD_KEEP=1 keeps the work folder (logs) in /tmp; MB_SERVERS_LOCK (the
#      servers' lock, /tmp/mentorbot-servers.lock).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
ROOT=$(pwd)
PY=/usr/bin/python3
FAILS=0

skip() { echo "SKIP systemd::$1: $2"; }
pass() { echo "PASS systemd::$1${2:+ ($2)}"; }
fail() { echo "FAIL systemd::$1: $2"; FAILS=$((FAILS + 1)); }

# The container's OpenSMTPD shows in this machine's process list, where the test servers'
# start.sh refuses to start beside it: this runs under the servers' lock (taken here
# unless a caller, an ancestor process such as "flock LOCK make test", holds it).
. tests/ops/servers_lock.sh
if [ -z "${MB_SYSTEMD_LOCKED:-}" ] && ! held_by_ancestor; then
	MB_SYSTEMD_LOCKED=1 flock -w 900 -E 75 "$LOCK" bash "$ROOT/tests/ops/test_systemd_boot.sh" "$@"
	rc=$?
	[ "$rc" = 75 ] && skip boot "$LOCK held by another run for 15 minutes"
	exit "$rc"
fi
[ "$(id -u)" = 0 ] || { skip boot "needs root (systemd-nspawn)"; exit 0; }
for c in systemd-nspawn nsenter dpkg-buildpackage git; do
	command -v "$c" > /dev/null || { skip boot "'$c' not installed (scripts/install-deps.sh)"; exit 0; }
done
[ -x /usr/lib/systemd/systemd ] || { skip boot "no /usr/lib/systemd/systemd"; exit 0; }

MACHINE=mbtest$$
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mentorbot-nspawn.XXXXXX")
SHARE=$WORK/share    # in the container: /run/mentorbot-test (read-only)
mkdir -p "$WORK/root" "$SHARE"
NSPID="" P1="" HSPID=""

cleanup() {
	trap '' INT TERM HUP
	[ -n "$HSPID" ] && kill "$HSPID" 2> /dev/null
	if [ -n "$NSPID" ] && kill -0 "$NSPID" 2> /dev/null; then
		kill -TERM "$NSPID" 2> /dev/null # the container's systemd halts
		for _ in $(seq 1 100); do kill -0 "$NSPID" 2> /dev/null || break; sleep 0.2; done
		kill -TERM "$NSPID" 2> /dev/null # a second one: terminate at once
		for _ in $(seq 1 25); do kill -0 "$NSPID" 2> /dev/null || break; sleep 0.2; done
		kill -KILL "$NSPID" 2> /dev/null
	fi
	[ -n "$HSPID" ] && wait "$HSPID" 2> /dev/null
	[ -n "$NSPID" ] && wait "$NSPID" 2> /dev/null
	mountpoint -q "$WORK/root" && umount "$WORK/root"
	rm -rf "/run/systemd/nspawn/propagate/$MACHINE"
	if [ "${MB_SYSTEMD_KEEP:-0}" = 1 ]; then echo "logs kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'echo "FAIL systemd::run: interrupted by a signal"; exit 1' INT TERM HUP

t0=$(date +%s)
# --- the package: the host's if test_deb.sh installed this version, else built here --
VERSION=$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version)
HOSTVER=$(dpkg-query -W -f='${Status} ${Version}' mentorbot 2> /dev/null)
DEB=""
if [ "$HOSTVER" = "install ok installed $VERSION" ] && [ -x /usr/sbin/mentorbot ]; then
	FROM="the host's package $VERSION"
else
	if ! git clone -q "$ROOT" "$WORK/src" > "$WORK/build.log" 2>&1 ||
		! (cd "$WORK/src" && dpkg-buildpackage -us -uc -b >> "$WORK/build.log" 2>&1); then
		tail -n 20 "$WORK/build.log" | sed 's/^/    | /'
		fail install "dpkg-buildpackage -us -uc -b in a clean clone failed"
		exit 1
	fi
	DEB=$(ls "$WORK"/mentorbot_"${VERSION}"_*.deb 2> /dev/null | head -n 1)
	[ -n "$DEB" ] || { fail install "the build gave no mentorbot_${VERSION}_*.deb"; exit 1; }
	cp "$DEB" "$SHARE/" && DEB=/run/mentorbot-test/$(basename "$DEB")
	FROM="$(basename "$DEB"), built in $(($(date +%s) - t0)) s"
fi

# --- boot -------------------------------------------------------------------------
# nspawn refuses "-D /" with an overlay and finds /dev pre-populated through a recursive
# bind: a non-recursive bind of / is the host's root file system alone.  The services
# the host enables (the test servers' packages) are masked: they are not the subject.
b0=$(date +%s)
mount --bind / "$WORK/root" || { fail boot "mount --bind / $WORK/root failed"; exit 1; }
masks=()
for u in /etc/systemd/system/multi-user.target.wants/*.service; do
	[ -e "$u" ] || continue
	u=${u##*/}
	[ "$u" = mentorbot.service ] || masks+=("systemd.mask=$u")
done
# the checkout (test servers, homeserver) is in the container as on the host: through the
# overlay when it is on the root file system, else bound
binds=(--bind-ro="$SHARE:/run/mentorbot-test")
[ "$(stat -c %d "$ROOT")" = "$(stat -c %d /)" ] || binds+=(--bind="$ROOT")
systemd-nspawn -q -D "$WORK/root" --volatile=overlay --register=no --keep-unit --link-journal=no \
	--private-network -M "$MACHINE" "${binds[@]}" --console=pipe -b -- "${masks[@]}" < /dev/null > "$WORK/nspawn.log" 2>&1 &
NSPID=$!
# the container's PID 1: the nspawn descendant whose innermost PID is 1
find_init() {
	local p q
	for p in $(pgrep -P "$1"); do
		if awk '/^NSpid:/ { exit !($NF == 1) }' "/proc/$p/status" 2> /dev/null; then
			echo "$p"
			return 0
		fi
		q=$(find_init "$p") && { echo "$q"; return 0; }
	done
	return 1
}
for _ in $(seq 1 150); do
	P1=$(find_init "$NSPID") && break
	kill -0 "$NSPID" 2> /dev/null || break
	sleep 0.2
done
if [ -z "$P1" ]; then
	sed 's/^/    | /' "$WORK/nspawn.log" | head -n 20
	fail boot "systemd-nspawn started no init (see above)"
	exit 1
fi
IN=(nsenter -t "$P1" -a)      # a command in the container
NET=(nsenter -t "$P1" -n)     # a host command in the container's network
state=$(timeout 90 "${IN[@]}" systemctl is-system-running --wait 2>&1)
case "$state" in
running | degraded)
	failed=$("${IN[@]}" systemctl --failed --plain --no-legend 2> /dev/null | awk '{ print $1 }' | tr '\n' ' ')
	pass boot "systemd $("${IN[@]}" systemctl --version | awk 'NR == 1 { print $2 }'), $state${failed:+, failed: $failed}, booted in $(($(date +%s) - b0)) s"
	;;
*)
	sed 's/^/    | /' "$WORK/nspawn.log" | head -n 20
	fail boot "is-system-running: '$state'"
	exit 1
	;;
esac

# --- install ----------------------------------------------------------------------
# A fresh machine: no configuration, no database (the host's may be left by dpkg -r;
# what is removed here is removed in the container's overlay only).
"${IN[@]}" sh -c 'systemctl stop mentorbot 2>/dev/null; rm -f /etc/mentorbot/mentorbot.ini; rm -rf /var/lib/mentorbot/*'
if [ -n "$DEB" ] && ! "${IN[@]}" dpkg -i "$DEB" > "$WORK/dpkg.log" 2>&1; then
	tail -n 20 "$WORK/dpkg.log" | sed 's/^/    | /'
	fail install "dpkg -i in the container failed"
	exit 1
fi
problems=()
"${IN[@]}" getent passwd mentorbot > /dev/null || problems+=("no user mentorbot")
en=$("${IN[@]}" systemctl is-enabled mentorbot 2>&1)
[ "$en" = enabled ] || problems+=("is-enabled: $en")
act=$("${IN[@]}" systemctl is-active mentorbot 2>&1)
[ "$act" = inactive ] || problems+=("is-active without a configuration: $act")
if [ "${#problems[@]}" = 0 ]; then
	pass install "$FROM; enabled, inactive"
else
	fail install "$(printf '%s; ' "${problems[@]}")"
	exit 1
fi

# --- the test homeserver, in the container's network namespace ----------------------
TOKEN=tok-systemd-$$
"${NET[@]}" "$PY" "$ROOT/tests/matrix/homeserver.py" --port 0 --server-name localhost \
	--users "alice:pw,mentorbot:pw:$TOKEN" --rooms '#mentoring:localhost' \
	> "$WORK/hs.out" 2> "$WORK/hs.log" < /dev/null &
HSPID=$!
for _ in $(seq 1 100); do grep -q '^READY ' "$WORK/hs.out" && break; sleep 0.1; done
HSPORT=$(awk '/^READY / { print $2 }' "$WORK/hs.out")
[ -n "$HSPORT" ] || { fail config "the Matrix test homeserver did not start: $(tail -n 3 "$WORK/hs.log")"; exit 1; }
mx() { "${NET[@]}" "$PY" "$ROOT/tests/ops/systemd_boot_client.py" "$HSPORT" "$@"; }

# --- the test mail servers, in the container (they end with it) ----------------------
out=$("${IN[@]}" env T=/tmp/mentorbot-servers "$ROOT/tests/servers/start.sh" 2> "$WORK/servers.log")
MAILT=$(sed -n 's/^T=//p' <<< "$out")
[ -n "$MAILT" ] || { fail config "tests/servers/start.sh in the container: $(tail -n 3 "$WORK/servers.log")"; exit 1; }

# --- config: the installed example, filled in for mail and Matrix ---------------------
EXAMPLE=/proc/$P1/root/etc/mentorbot/mentorbot.ini.example
awk -v hs="http://127.0.0.1:$HSPORT" '
/^\[/ || /^#\[/ { sec = $0; sub(/^#/, "", sec) }
sec == "[imap]" {
	if ($0 ~ /^url *=/) $0 = "url = imap://127.0.0.1:10143/INBOX"
	else if ($0 ~ /^user *=/) $0 = "user = bot@example.test"
}
sec == "[smtp]" { # the test OpenSMTPD takes mail on 10025 without a login
	if ($0 ~ /^url *=/) $0 = "url = smtp://127.0.0.1:10025"
	else if ($0 ~ /^(user|password_file) *=/) $0 = "#" $0
	else if ($0 ~ /^from *=/) $0 = "from = MentorBot <bot@example.test>"
}
sec == "[matrix]" {
	if ($0 == "#[matrix]") $0 = "[matrix]"
	else if ($0 ~ /^#homeserver *=/) $0 = "homeserver = " hs
	else if ($0 ~ /^#user *=/) $0 = "user = @mentorbot:localhost"
	else if ($0 ~ /^#access_token_file *=/) $0 = "access_token_file = /etc/mentorbot/matrix.token"
	else if ($0 ~ /^#rooms *=/) $0 = "rooms = #mentoring:localhost"
}
/^staff *=/ { $0 = "staff = staff@example.test, matrix:@alice:localhost" }
/^authserv_id *=/ { $0 = "authserv_id = mx.example.test" }
{ print }' "$EXAMPLE" > "$SHARE/mentorbot.ini"
printf '%s\n' "$TOKEN" > "$SHARE/matrix.token"
printf 'pass\n' > "$SHARE/imap.pass"
CFG=/etc/mentorbot/mentorbot.ini
out=$("${IN[@]}" sh -c "set -e
	install -m 0640 -o root -g mentorbot /run/mentorbot-test/mentorbot.ini $CFG
	install -m 0600 -o mentorbot -g mentorbot /run/mentorbot-test/matrix.token /etc/mentorbot/matrix.token
	install -m 0600 -o mentorbot -g mentorbot /run/mentorbot-test/imap.pass /etc/mentorbot/imap.pass
	runuser -u mentorbot -- mentorbot check-config -c $CFG" 2>&1)
if [ $? = 0 ]; then pass config "mail and Matrix; check-config: $out"; else fail config "$out"; exit 1; fi

# --- start ------------------------------------------------------------------------
journal() { "${IN[@]}" journalctl -u mentorbot --no-pager "$@" 2> /dev/null; }
show() { "${IN[@]}" systemctl show mentorbot --value -p "$1"; }
mark() { CURSOR=$(journal -n 1 -o cat --show-cursor | sed -n 's/^-- cursor: //p'); }
# the MESSAGE of each journal entry (-o json on stdin) at priority argv[1] or more urgent
JOURNAL_FILTER='
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    if int(e.get("PRIORITY", 6)) <= int(sys.argv[1]) and isinstance(e.get("MESSAGE"), str):
        print(e["MESSAGE"])'
# wait_journal REGEX [PRIORITY]: a line since the last mark (at PRIORITY or more urgent).
# The priority is filtered here: journalctl -p with --after-cursor skips the first match.
wait_journal() {
	local re=$1 prio=${2:-7}
	for _ in $(seq 1 100); do
		journal -o json ${CURSOR:+--after-cursor="$CURSOR"} |
			"$PY" -c "$JOURNAL_FILTER" "$prio" |
			grep -- "$re" > /dev/null && return 0
		sleep 0.2
	done
	return 1
}
s0=$(date +%s)
out=$(timeout 120 "${IN[@]}" systemctl start mentorbot 2>&1)
rc=$?
took=$(($(date +%s) - s0))
act=$("${IN[@]}" systemctl is-active mentorbot)
if [ "$rc" != 0 ] || [ "$act" != active ]; then
	journal -n 30 -o cat | sed 's/^/    | /'
	fail start "systemctl start: exit $rc, is-active '$act': $out"
	exit 1
fi
ready=$(journal -o cat | grep -m1 '^ready')
if [ "$ready" = ready ]; then
	pass start "READY=1 after $took s, every transport connected"
else
	fail start "active after $took s, but the daemon said '$ready' (READY=1 only by its time limit)"
fi
st=$("${IN[@]}" systemctl status mentorbot --no-pager 2>&1)
status_line=$(printf '%s\n' "$st" | sed -n 's/^ *Status: "\(.*\)"$/\1/p')
[ "$status_line" = "mail connected, matrix connected" ] && pass status_text "Status: \"$status_line\"" ||
	fail status_text "systemctl status shows Status: '$status_line', expected 'mail connected, matrix connected'"
PID=$(show MainPID)
user=$("${IN[@]}" stat -c %U "/proc/$PID")
[ "$user" = mentorbot ] && pass user "PID $PID runs as mentorbot" || fail user "PID $PID runs as '$user'"
db=$("${IN[@]}" stat -c '%U:%G %a' /var/lib/mentorbot /var/lib/mentorbot/mentorbot.db 2>&1 | tr '\n' ' ')
[[ "$db" =~ ^"mentorbot:mentorbot 750 mentorbot:mentorbot 6"[04]"0 "$ ]] &&
	pass state_directory "/var/lib/mentorbot and mentorbot.db: $db" ||
	fail state_directory "/var/lib/mentorbot, mentorbot.db: '$db'"

# --- help ---------------------------------------------------------------------------
n=$(mx count)
mx say '#mentoring:localhost' alice '!help' > /dev/null
out=$(mx wait "$n" 60) && pass help "answered: $out" || fail help "$out"
mail() { "${NET[@]}" "$PY" "$ROOT/tests/ops/systemd_boot_client.py" mail "$@"; }
MAILDIRS=/proc/$P1/root$MAILT/mail/example.test
out=$(mail alice@example.test bot@example.test help help "$MAILDIRS/alice/Maildir" 60) &&
	pass mail_help "reply: $out" || fail mail_help "$out"
# a staff announcement (DKIM-signed: staff must prove the sender) is previewed: its date
# conversion dlopen()s libical, under MemoryDenyWriteExecute=
form=$'Date: 24.12.2030\nStart: 18:00\nEnd: 20:00\nPlace: Aula\nCapacity: 2\nAudience: mentoring'
out=$(mail staff@example.test bot@example.test "announce: Systemd evening" "$form" "$MAILDIRS/staff/Maildir" 60 \
	"/proc/$P1/root$MAILT/dkim/test.example.test.key")
rc=$?
if [ "$rc" = 0 ] && grep -q 'event.preview' <<< "$out" && "${IN[@]}" grep -q libical "/proc/$PID/maps"; then
	pass libical "reply: $out; libical mapped"
else
	fail libical "reply: $out; libical in the daemon's maps: $("${IN[@]}" grep -c libical "/proc/$PID/maps")"
fi

# --- status OK ----------------------------------------------------------------------
MBSTATUS=("${IN[@]}" runuser -u mentorbot -- mentorbot status -c "$CFG")
out=$("${MBSTATUS[@]}" 2>&1)
rc=$?
[ "$rc" = 0 ] && pass status_ok "exit 0: $(head -n 1 <<< "$out" | cut -c1-60)" ||
	fail status_ok "mentorbot status exit $rc: $(head -n 3 <<< "$out" | tr '\n' ' ')"

# --- reload -------------------------------------------------------------------------
mark
out=$(timeout 60 "${IN[@]}" systemctl reload mentorbot 2>&1)
rc=$?
if [ "$rc" = 0 ] && [ "$(show MainPID)" = "$PID" ] && wait_journal '^SIGHUP: configuration and templates reloaded' &&
	wait_journal '^Reloaded mentorbot.service'; then
	pass reload "same PID, journal: SIGHUP: configuration and templates reloaded"
else
	fail reload "systemctl reload exit $rc ($out), PID $(show MainPID) (was $PID), journal: $(journal -o cat | tail -n 3 | tr '\n' ' ')"
fi
mark
"${IN[@]}" sh -c "cp $CFG /root/good.ini && echo 'no_such_key = 1' >> $CFG"
out=$(timeout 60 "${IN[@]}" systemctl reload mentorbot 2>&1)
rc=$?
problems=()
[ "$rc" = 0 ] || problems+=("systemctl reload exit $rc: $out")
wait_journal 'mentorbot.ini:[0-9]*: unknown key' 3 || problems+=("no priority-err line naming the line")
wait_journal '^SIGHUP: the configuration has errors' 3 || problems+=("no priority-err line 'SIGHUP: the configuration has errors'")
[ "$(show MainPID)" = "$PID" ] || problems+=("PID $(show MainPID), was $PID")
act=$("${IN[@]}" systemctl is-active mentorbot)
[ "$act" = active ] || problems+=("is-active: $act")
if [ "${#problems[@]}" = 0 ]; then
	pass reload_bad "kept running: $(journal -o cat -p err | grep -m1 'unknown key')"
else
	fail reload_bad "$(printf '%s; ' "${problems[@]}") journal: $(journal -o cat | tail -n 4 | tr '\n' ' ')"
fi
"${IN[@]}" sh -c "cp /root/good.ini $CFG" && timeout 60 "${IN[@]}" systemctl reload mentorbot

# --- watchdog -----------------------------------------------------------------------
"${IN[@]}" sh -c 'mkdir -p /etc/systemd/system/mentorbot.service.d &&
	printf "[Service]\nWatchdogSec=5s\n" > /etc/systemd/system/mentorbot.service.d/watchdog.conf &&
	systemctl daemon-reload'
mark
if timeout 120 "${IN[@]}" systemctl restart mentorbot && wait_journal 'systemd watchdog: a ping every 2500 ms'; then
	PID=$(show MainPID)
	w0=$(show WatchdogTimestampMonotonic)
	sleep 12
	w1=$(show WatchdogTimestampMonotonic)
	if [ "$(show MainPID)" = "$PID" ] && [ "$(show NRestarts)" = 0 ] &&
		[ "$("${IN[@]}" systemctl is-active mentorbot)" = active ] && [ "$w1" -gt "$w0" ] &&
		! journal -o cat | grep "Watchdog timeout" > /dev/null; then
		pass watchdog "WatchdogSec=5s: pings arrive, the same PID after 12 s"
	else
		fail watchdog "PID $(show MainPID) (was $PID), NRestarts $(show NRestarts), ping stamps $w0 -> $w1, $(journal -o cat | grep -m1 'Watchdog timeout')"
	fi
else
	fail watchdog "restart with WatchdogSec=5s: $(journal -o cat | tail -n 3 | tr '\n' ' ')"
fi

# --- status WARNING: the homeserver goes away -----------------------------------------
mark
kill "$HSPID" && wait "$HSPID" 2> /dev/null
HSPID=""
rc=""
for _ in $(seq 1 150); do
	"${MBSTATUS[@]}" > "$WORK/status.out" 2>&1
	rc=$?
	[ "$rc" = 1 ] && break
	sleep 0.2
done
if [ "$rc" = 1 ] && wait_journal 'matrix: sync failed' 4; then
	pass status_warning "exit 1: $(head -n 1 "$WORK/status.out" | cut -c1-60); STATUS=$(show StatusText | cut -c1-50)"
else
	fail status_warning "mentorbot status exit $rc: $(head -n 2 "$WORK/status.out" | tr '\n' ' ')"
fi

# --- stop ---------------------------------------------------------------------------
mark
out=$(timeout 120 "${IN[@]}" systemctl stop mentorbot 2>&1)
rc=$?
res="$(show Result) $(show ExecMainCode) $(show ExecMainStatus) $(show ActiveState)"
# Result success, CLD_EXITED (1), exit status 0
if [ "$rc" = 0 ] && [ "$res" = "success 1 0 inactive" ] && wait_journal '^stopping$' && wait_journal '^stopped$'; then
	pass stop "exit status 0 after 'stopping'"
else
	fail stop "systemctl stop exit $rc ($out); Result/code/status/state: $res"
fi

# --- journal ------------------------------------------------------------------------
prios=$(journal -o json -t mentorbot | "$PY" -c '
import collections, json, sys
c = collections.Counter(json.loads(l).get("PRIORITY") for l in sys.stdin)
print(" ".join("%s:%d" % kv for kv in sorted(c.items())))')
kv=$(journal -o cat | grep -m1 '^event=command channel=matrix .*cmd=help')
kvmail=$(journal -o cat | grep -m1 '^event=command channel=mail .*cmd=help')
if [ -n "$kv" ] && [ -n "$kvmail" ] && [ "$(wc -w <<< "$prios")" -ge 2 ]; then
	pass journal "priorities (count) $prios; $(cut -c1-60 <<< "$kv")"
else
	fail journal "priorities (count) '$prios', key=value lines: '$kv' '$kvmail'"
fi

# systemd itself has nothing to warn about the unit (an unsupported setting, a timeout)
warn=$(journal -o json | "$PY" -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    if e.get("SYSLOG_IDENTIFIER") == "systemd" and int(e.get("PRIORITY", 6)) <= 4:
        print(e.get("MESSAGE"))')
[ -z "$warn" ] && pass systemd_warnings "none about mentorbot.service" ||
	fail systemd_warnings "$(head -n 3 <<< "$warn" | tr '\n' ' ')"

# --- security -----------------------------------------------------------------------
sec=$("${IN[@]}" systemd-analyze security --no-pager mentorbot.service 2>&1 | grep 'Overall exposure level')
score=$(sed -n 's/.*mentorbot.service: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p' <<< "$sec")
[ -n "$score" ] && pass security "systemd-analyze security: $score" || fail security "no score: $sec"

echo "systemd boot test: $(($(date +%s) - t0)) s"
[ "$FAILS" = 0 ]
