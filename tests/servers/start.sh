#!/bin/bash
# tests/servers/start.sh - start private Dovecot (IMAP, IMAPS, LMTP) and
# OpenSMTPD (SMTP -> Dovecot LMTP unix socket) on 127.0.0.1 in a runtime dir.
#
# usage: [T=dir] [IMAP_PORT=10143] [IMAPS_PORT=10993] [LMTP_PORT=10024]
#        [SMTP_PORT=10025] tests/servers/start.sh
# Prints "T=<dir>" as its last line on stdout (progress goes to stderr):
#     eval "$(tests/servers/start.sh)"; export T
# Stop with: T=<dir> tests/servers/stop.sh [--rm]
#
# Accounts: every user@example.test, password "pass"; Maildir in
# $T/mail/example.test/<user>/Maildir.  Self-signed imaps certificate:
# $T/certs/imaps.crt.  Must run as root (OpenSMTPD); refuses to start when
# OpenSMTPD already runs on this machine (exit 3).
set -euo pipefail
source "$(dirname "$0")"/lib.sh

[ "$(id -u)" = 0 ] || mb_die "start.sh must run as root: OpenSMTPD needs it"
for c in dovecot smtpd smtpctl openssl setpriv setsid; do
	command -v "$c" > /dev/null || mb_die "'$c' not found (scripts/install-deps.sh installs the packages)"
done

exec 9> "$MB_LOCK"
flock -w 60 9 || mb_die "another start.sh holds $MB_LOCK"
mb_smtpd_refuse_second

export T=${T:-$(mktemp -d "${TMPDIR:-/tmp}/mentorbot-test.XXXXXX")}
mkdir -p "$T"
started=0
cleanup() { [ "$started" = 1 ] || { mb_log "start failed; stopping what was started"; "$SERVERS_DIR"/stop.sh "$T" >&2 || true; }; }
trap cleanup EXIT
t0=$(mb_now)
mb_dovecot_setup
mb_dovecot_start
mb_smtpd_start
started=1
mb_log "all ready in $(mb_since "$t0") s"
echo "T=$T"
