#!/bin/bash
# tests/ops/test_demo_traps.sh - `make demo` (tests/tools/demo.sh) stops everything it
# started however it ends.  Each run starts the demo with its own servers, waits until it
# says it is running, signals it as a closed terminal or a kill does, and checks that
# no process of that demo is left: the bot, the Matrix test homeserver, Prosody,
# Dovecot and OpenSMTPD.
#  - sighup: SIGHUP to the script, and half a second later to its whole process group,
#    as a closing terminal does (the shell signals its jobs, then the kernel the
#    terminal's foreground group): the second one must not cut the stopping short.
#  - sigterm: SIGTERM to the script, and again to the group (kill -TERM -PGID of
#    `make demo`: make forwards it once more).
#
# Starts OpenSMTPD, of which only one may run per machine: it runs under the servers'
# flock (taking it unless a caller holds it), before or after the integration tests'
# servers, never beside them (it skips when an OpenSMTPD already runs).  Prints "PASS name" / "FAIL name: why" / "SKIP …".
# env: MENTORBOT (./mentorbot)
set -uo pipefail
cd "$(dirname "$0")/../.."
EXE=${MENTORBOT:-./mentorbot}

skip() { echo "SKIP demo_traps: $*"; exit 0; }

# The servers' lock of the test runs: taken here unless a caller (an ancestor process,
# e.g. "flock LOCK make test") already holds it.
. tests/ops/servers_lock.sh
if [ -z "${MB_DEMO_LOCKED:-}" ] && ! held_by_ancestor; then
	MB_DEMO_LOCKED=1 flock -w 900 -E 75 "$LOCK" "$0" "$@"
	rc=$?
	[ "$rc" = 75 ] && skip "$LOCK held by another run for 15 minutes"
	exit "$rc"
fi
[ "$(id -u)" = 0 ] || skip "needs root (OpenSMTPD)"
[ -x "$EXE" ] || skip "$EXE not built"
for c in dovecot smtpd prosody setsid pgrep; do
	command -v "$c" > /dev/null || skip "'$c' not installed"
done
pgrep -x smtpd > /dev/null && skip "an OpenSMTPD already runs on this machine (the integration servers?)"

# descendants PID: the process and all its descendants
descendants() {
	local p
	echo "$1"
	for p in $(pgrep -P "$1"); do descendants "$p"; done
}

# run_once NAME SIGNAL: SIGNAL to the script, then to its process group
run_once() {
	local name=$1 sig=$2 log pid t botpid pids p left i
	log=$(mktemp "${TMPDIR:-/tmp}/mentorbot-demo-test.XXXXXX")
	# its own session and process group, as in a terminal of its own
	MENTORBOT=$EXE setsid tests/tools/demo.sh < /dev/null > "$log" 2>&1 &
	pid=$!
	for i in $(seq 1200); do
		grep -q '^demo: running; Ctrl-C to stop' "$log" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q '^demo: running; Ctrl-C to stop' "$log"; then
		echo "FAIL $name: the demo did not come up (log $log):"
		tail -n 15 "$log" | sed 's/^/    | /'
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return
	fi
	t=$(sed -n 's/.*(T=\(.*\))$/\1/p' "$log" | head -n 1)
	botpid=$(sed -n 's/.*demo is running (pid \([0-9]*\)).*/\1/p' "$log" | head -n 1)
	pids="$botpid $(descendants "$pid") $(cat "$t"/*.pid 2>/dev/null) $(pgrep -f "$t/")"
	pids=$(printf '%s\n' $pids | sort -un | tr '\n' ' ')
	kill -s "$sig" "$pid"
	sleep 0.5
	kill -s "$sig" -- -"$pid" 2>/dev/null
	for i in $(seq 900); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$pid" 2>/dev/null; then
		echo "FAIL $name: demo.sh still runs 90 s after SIG$sig (log $log)"
		kill -KILL -- -"$pid" 2>/dev/null
		T=$t tests/servers/stop.sh --rm > /dev/null 2>&1
		return
	fi
	wait "$pid" 2>/dev/null
	left=""
	for p in $pids; do
		# a zombie (not yet reaped by a dead parent's reaper) is no running process
		if kill -0 "$p" 2>/dev/null && [ "$(ps -o stat= -p "$p" | cut -c1)" != Z ]; then
			left="$left $p($(ps -o comm= -p "$p"))"
		fi
	done
	[ -n "$(pgrep -f "$t/")" ] && left="$left $(pgrep -f "$t/" | tr '\n' ' ')"
	pgrep -x smtpd > /dev/null && left="$left smtpd"
	if [ -n "$left" ]; then
		echo "FAIL $name: left running after SIG$sig:$left (log $log)"
		kill -KILL $pids 2>/dev/null
		T=$t tests/servers/stop.sh --rm > /dev/null 2>&1
	elif [ -d "$t" ]; then
		echo "FAIL $name: the demo's directory $t is still there"
	else
		echo "PASS $name (SIG$sig to the script, then to its group; stopped $(echo $pids | wc -w) processes)"
		rm -f "$log"
	fi
}

run_once demo_traps::sighup HUP
run_once demo_traps::sigterm TERM
