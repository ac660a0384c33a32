#!/bin/bash
# tests/servers/dovecot.sh start|stop - start or stop the Dovecot of $T alone
# (for the IMAP outage test).  "start" also makes OpenSMTPD retry its queue.
set -euo pipefail
source "$(dirname "$0")"/lib.sh
: "${T:?set T to the runtime dir printed by start.sh}"
case ${1:-} in
start) mb_dovecot_start ;;
stop) mb_dovecot_stop ;;
*) echo "usage: T=dir $0 start|stop" >&2; exit 2 ;;
esac
