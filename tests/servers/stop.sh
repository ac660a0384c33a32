#!/bin/bash
# tests/servers/stop.sh - stop what start.sh (and prosody.sh) started in $T, by
# PID: SIGTERM, SIGKILL after 10 s.
# usage: T=<dir> tests/servers/stop.sh [--rm]     or: tests/servers/stop.sh <dir> [--rm]
set -uo pipefail
source "$(dirname "$0")"/lib.sh
if [ $# -gt 0 ] && [ "$1" != --rm ]; then T=$1; shift; fi
: "${T:?usage: T=<dir> stop.sh [--rm]}"
export T
[ -d "$T" ] || { mb_log "no such dir $T"; exit 0; }
# in parallel: each of these waits for its own PID
mb_smtpd_stop & a=$!
mb_dovecot_stop & b=$!
mb_stop_pid prosody "$T"/prosody.pid & c=$!
wait $a $b $c
left=$(pgrep -f "$T/" || true)
[ -n "$left" ] && { mb_log "leftover processes:"; ps -o pid,user,args -p $left >&2; }
if [ "${1:-}" = --rm ]; then rm -rf "$T"; fi
exit 0
