#!/bin/bash
# tests/tools/demo.sh - `make demo`: run ./mentorbot against private Dovecot +
# OpenSMTPD on 127.0.0.1 and show how to talk to it.  Whatever ends it - Ctrl-C,
# SIGTERM, a closed terminal (SIGHUP) or the end of the script - stops everything
# it started: the bot, the Matrix test homeserver, Prosody and the mail servers
# (tests/ops/test_demo_traps.sh checks it).
#
# env: MENTORBOT (./mentorbot), T (reuse running test servers), ports as in
#      tests/servers/start.sh.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
PY=/usr/bin/python3
BOT=bot@example.test
EXE=${MENTORBOT:-./mentorbot}
STARTED_SERVERS=0 BOTPID="" HSPID="" PROSODY=0
XMPP_PORT=${XMPP_PORT:-15222} MATRIX_PORT=${MATRIX_PORT:-18448}
MATRIX_TOKEN=demo-mentorbot-token

# cleanup STATUS: stop what the demo started, then exit with STATUS (128 + the signal).
cleanup() {
	trap '' INT TERM HUP   # a second signal must not cut the stopping short
	trap - EXIT
	local status=$1
	# after SIGHUP the terminal is gone: what is said goes to a file instead
	if [ "$status" = 129 ]; then
		if [ -n "${T:-}" ] && [ -d "$T" ] && [ "$STARTED_SERVERS" = 0 ]; then exec > "$T/demo-stop.log" 2>&1
		else exec > /dev/null 2>&1; fi
	fi
	echo
	if [ -n "$BOTPID" ] && kill -0 "$BOTPID" 2>/dev/null; then
		echo "demo: stopping mentorbot ($BOTPID)"
		kill -TERM "$BOTPID" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$BOTPID" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$BOTPID" 2>/dev/null && kill -KILL "$BOTPID" 2>/dev/null
	fi
	if [ -n "$HSPID" ] && kill -0 "$HSPID" 2>/dev/null; then
		echo "demo: stopping the Matrix test homeserver"
		kill -TERM "$HSPID" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$HSPID" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$HSPID" 2>/dev/null && kill -KILL "$HSPID" 2>/dev/null
	fi
	if [ "$PROSODY" = 1 ]; then
		echo "demo: stopping Prosody"
		T=$T tests/servers/prosody.sh stop > /dev/null 2>&1
	fi
	if [ "$STARTED_SERVERS" = 1 ]; then
		echo "demo: stopping the mail servers"
		tests/servers/stop.sh "$T" --rm
	fi
	exit "$status"
}
trap 'cleanup 130' INT
trap 'cleanup 143' TERM
trap 'cleanup 129' HUP
trap 'cleanup $?' EXIT

[ -x "$EXE" ] || { echo "demo: $EXE not found: build it first (make)" >&2; exit 1; }

if [ -n "${T:-}" ] && [ -f "$T/dovecot.pid" ] && kill -0 "$(cat "$T/dovecot.pid")" 2>/dev/null; then
	echo "demo: reusing the servers in T=$T"
else
	# the directory first, so that a signal during start.sh still stops what it started
	T=$(mktemp -d "${TMPDIR:-/tmp}/mentorbot-demo.XXXXXX")
	STARTED_SERVERS=1
	T=$T tests/servers/start.sh > /dev/null || exit 1
fi
export T

# chat: Prosody (XMPP, room mentoring@muc.localhost) and the Matrix test homeserver
if T=$T XMPP_PORT=$XMPP_PORT tests/servers/prosody.sh start > /dev/null; then
	PROSODY=1
else
	echo "demo: Prosody did not start; continuing with mail and Matrix" >&2
fi
"$PY" tests/matrix/homeserver.py --port "$MATRIX_PORT" --server-name localhost \
	--users "mentorbot:pass:$MATRIX_TOKEN,alice:pass,bob:pass" --rooms '#mentoring:localhost' \
	> "$T"/homeserver.out 2> "$T"/homeserver.log &
HSPID=$!
for _ in $(seq 50); do grep -q READY "$T"/homeserver.out 2>/dev/null && break; sleep 0.1; done
XMPP_SECTION=""
[ "$PROSODY" = 1 ] && XMPP_SECTION="[xmpp]
jid = bot@localhost
password = pass
server = 127.0.0.1:$XMPP_PORT
tls = off
nick = MentorBot
rooms = mentoring@muc.localhost"
GROUP_ROOMS="matrix:#mentoring:localhost"
[ "$PROSODY" = 1 ] && GROUP_ROOMS="xmpp:mentoring@muc.localhost, $GROUP_ROOMS"

D=$T/demo
mkdir -p "$D"
cat > "$D"/mentorbot.ini <<EOF
; mentorbot demo configuration (written by tests/tools/demo.sh)
[bot]
database = $D/state.db
language = en
templates = $ROOT/templates
staff = staff@example.test, xmpp:staff@localhost
authserv_id = mx.example.test
reply_limit = 50
announce_rate = 5
[imap]
url = imap://127.0.0.1:${IMAP_PORT:-10143}/INBOX
user = $BOT
password = pass
processed = Processed
quarantine = Quarantine
[smtp]
url = smtp://127.0.0.1:${SMTP_PORT:-10025}
from = MentorBot <$BOT>
$XMPP_SECTION
[matrix]
homeserver = http://127.0.0.1:$MATRIX_PORT
user = @mentorbot:localhost
access_token = $MATRIX_TOKEN
rooms = #mentoring:localhost
[groups]
everyone = $GROUP_ROOMS, members:all
mentoring = $GROUP_ROOMS, members:mentoring
EOF

"$EXE" run -c "$D"/mentorbot.ini > "$D"/mentorbot.log 2>&1 &
BOTPID=$!
sleep 0.5
if ! kill -0 "$BOTPID" 2>/dev/null; then
	echo "demo: mentorbot exited at once; its log ($D/mentorbot.log):" >&2
	tail -n 20 "$D"/mentorbot.log >&2
	BOTPID=""
	exit 1
fi

export MB_SMTP=127.0.0.1:${SMTP_PORT:-10025} MB_IMAP=127.0.0.1:${IMAP_PORT:-10143} MB_BOT=$BOT
cat <<EOF

 mentorbot demo is running (pid $BOTPID)
 -------------------------------------------------------------------------
 bot address   $BOT        config  $D/mentorbot.ini
 bot log       $D/mentorbot.log
 mail servers  IMAP 127.0.0.1:${IMAP_PORT:-10143}, SMTP 127.0.0.1:${SMTP_PORT:-10025}   (T=$T)
 demo people   alice@example.test, bob@example.test  (any user@example.test works,
               password "pass")

 In another terminal (same directory):
   export MB_SMTP=$MB_SMTP MB_IMAP=$MB_IMAP T=$T
   tests/tools/inbox alice@example.test --follow
   tests/tools/send-mail --from alice@example.test --subject help
   tests/tools/send-mail --from bob@example.test --subject hilfe Hallo, was kann der Bot?
   tests/tools/send-mail --from bob@example.test --subject "join mentoring"
   tests/tools/send-mail --from bob@example.test --in-reply-to '<ID from inbox --headers>' ok
   tests/tools/inbox bob --headers        # then reply to the form: --in-reply-to '<ID>' 'Topics: …'

 Staff (staff@example.test): send-mail DKIM-signs every mail and the demo MTA stamps
 dkim=pass in Authentication-Results; with --no-dkim a staff command is refused:
   printf 'Date: 24.12.2026\nStart: 18:00\nEnd: 20:00\nPlace: Aula\nCapacity: 2\nAudience: mentoring\n' |
       tests/tools/send-mail --from staff@example.test --subject 'announce: Demo evening' -
   tests/tools/send-mail --from staff@example.test --subject 'announce 1 send'
   tests/tools/send-mail --from staff@example.test --subject stats
   $EXE event -c $D/mentorbot.ini list;  $EXE report -c $D/mentorbot.ini

 Chat: XMPP room mentoring@muc.localhost on 127.0.0.1:$XMPP_PORT (people alice/bob@localhost,
 password "pass"), Matrix room #mentoring:localhost on http://127.0.0.1:$MATRIX_PORT:
   tests/tools/xmpp-say --from alice '!help'
   tests/tools/xmpp-say --from bob 'MentorBot: hilfe'
   tests/tools/xmpp-say --from alice --direct whoami
   tests/tools/matrix-say --from alice '!help'
   $EXE post -c $D/mentorbot.ini everyone 'Welcome to the demo!'

 Ctrl-C here stops the bot and the servers.
 -------------------------------------------------------------------------

EOF

echo "demo: sending an example: tests/tools/send-mail --from alice@example.test --subject help"
MID=$("$PY" tests/tools/send-mail --from alice@example.test --subject help)
echo "demo: sent $MID; waiting up to 20 s for the reply..."
found=0
for _ in $(seq 40); do
	if "$PY" - "$MID" <<'PYEOF'
import imaplib, os, sys, email, email.policy
h, _, p = os.environ["MB_IMAP"].rpartition(":")
c = imaplib.IMAP4(h, int(p), timeout=10); c.login("alice@example.test", "pass"); c.select("INBOX", readonly=True)
typ, d = c.uid("SEARCH", None, "HEADER", "In-Reply-To", sys.argv[1].strip("<>"))
sys.exit(0 if d[0].split() else 1)
PYEOF
	then found=1; break; fi
	kill -0 "$BOTPID" 2>/dev/null || break
	sleep 0.5
done
if [ "$found" = 1 ]; then
	echo "demo: alice's inbox now:"
	"$PY" tests/tools/inbox alice@example.test
else
	echo "demo: no reply yet (see $D/mentorbot.log); alice's inbox:"
	"$PY" tests/tools/inbox alice@example.test
fi
if ! kill -0 "$BOTPID" 2>/dev/null; then
	echo "demo: mentorbot has exited; last lines of its log:"
	tail -n 20 "$D"/mentorbot.log
	BOTPID=""
	exit 1
fi
echo
echo "demo: running; Ctrl-C to stop."
wait "$BOTPID"
echo "demo: mentorbot exited with status $?"
BOTPID=""
