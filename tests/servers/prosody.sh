#!/bin/bash
# tests/servers/prosody.sh start|stop - private Prosody (XMPP c2s + MUC) for
# chat tests: 127.0.0.1:$XMPP_PORT (15222), domain localhost, MUC muc.localhost
# (non-anonymous rooms), nagle off.  STARTTLS is offered but optional, with a
# self-signed certificate $T/prosody/certs/localhost.crt (CN/SAN localhost,
# muc.localhost) that TLS clients use as their CA file.
# Users bot, alice, bob, echo @localhost, password "pass".
#
#   eval "$(tests/servers/prosody.sh start)"; export T     (T may be preset, e.g. the
#                                                          mail servers' dir)
#   T=<dir> tests/servers/prosody.sh register USER [PASS]  (USER@localhost, default "pass";
#                                                          works while it runs or not)
#   T=<dir> tests/servers/prosody.sh stop
set -euo pipefail
source "$(dirname "$0")"/lib.sh

case ${1:-} in
start)
	command -v prosody > /dev/null || mb_die "prosody not installed (scripts/install-deps.sh)"
	export T=${T:-$(mktemp -d "${TMPDIR:-/tmp}/mentorbot-test.XXXXXX")}
	mkdir -p "$T"/prosody/data "$T"/prosody/certs
	chmod 755 "$T"
	if mb_alive "$T"/prosody.pid; then mb_log "prosody already running (pid $(cat "$T"/prosody.pid))"; echo "T=$T"; exit 0; fi
	mb_port_busy "$XMPP_PORT" && mb_die "port 127.0.0.1:$XMPP_PORT is already in use (another Prosody?); set XMPP_PORT"
	mb_render "$SERVERS_DIR"/prosody.cfg.lua.in "$T"/prosody/prosody.cfg.lua
	if [ ! -s "$T"/prosody/certs/localhost.crt ]; then
		openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=localhost \
			-addext 'subjectAltName=DNS:localhost,DNS:muc.localhost' \
			-keyout "$T"/prosody/certs/localhost.key -out "$T"/prosody/certs/localhost.crt \
			> /dev/null 2>&1 || mb_die "openssl could not make the Prosody certificate"
		chmod 644 "$T"/prosody/certs/localhost.crt; chmod 600 "$T"/prosody/certs/localhost.key
	fi
	[ "$(id -u)" = 0 ] && chown -R "$RUN_USER:$RUN_GROUP" "$T"/prosody
	t0=$(mb_now)
	for u in bot alice bob echo; do
		"${AS[@]}" prosodyctl --config "$T"/prosody/prosody.cfg.lua register "$u" localhost pass \
			> /dev/null 2>&1 || mb_die "prosodyctl register $u failed"
	done
	setsid "${AS[@]}" prosody --config "$T"/prosody/prosody.cfg.lua -F > "$T"/prosody/stdout.log 2>&1 < /dev/null &
	echo $! > "$T"/prosody.pid
	if ! "$PY" "$SERVERS_DIR"/wait_xmpp.py 127.0.0.1 "$XMPP_PORT" localhost 20 > /dev/null; then
		mb_log "prosody not ready after 20 s:"; tail -n 20 "$T"/prosody/stdout.log "$T"/prosody/prosody.log >&2 2>/dev/null
		mb_stop_pid prosody "$T"/prosody.pid
		exit 1
	fi
	mb_log "prosody ready in $(mb_since "$t0") s (pid $(cat "$T"/prosody.pid))"
	echo "T=$T"
	;;
register)
	: "${T:?set T}"
	[ -n "${2:-}" ] || { echo "usage: T=dir $0 register USER [PASS]" >&2; exit 2; }
	"${AS[@]}" prosodyctl --config "$T"/prosody/prosody.cfg.lua register "$2" localhost "${3:-pass}" \
		> /dev/null 2>&1 || mb_die "prosodyctl register $2 failed"
	;;
stop)
	: "${T:?set T}"
	mb_stop_pid prosody "$T"/prosody.pid
	;;
*) echo "usage: [T=dir] $0 start|register USER [PASS]|stop" >&2; exit 2 ;;
esac
