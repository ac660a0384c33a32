# tests/servers/lib.sh - shell functions shared by start.sh, stop.sh, dovecot.sh
# and prosody.sh.  Source it; it does not change shell options.
#
# Environment: T (runtime dir), IMAP_PORT (10143), IMAPS_PORT (10993),
# LMTP_PORT (10024), SMTP_PORT (10025), XMPP_PORT (15222).
# Every server runs in the foreground (-F / -d) in its own session, with its
# PID in $T/<name>.pid, and is stopped by that PID (SIGTERM, SIGKILL after 10 s).

SERVERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3            # Debian's python, not a pyenv shim on PATH
export IMAP_PORT=${IMAP_PORT:-10143} IMAPS_PORT=${IMAPS_PORT:-10993}
export LMTP_PORT=${LMTP_PORT:-10024} SMTP_PORT=${SMTP_PORT:-10025}
export XMPP_PORT=${XMPP_PORT:-15222}
# Serialises concurrent start.sh calls, and remembers which $T owns OpenSMTPD.
MB_LOCK=/run/lock/mentorbot-test-servers.lock
[ -d /run/lock ] || MB_LOCK=/tmp/mentorbot-test-servers.lock
MB_SMTPD_OWNER=/run/mentorbot-test-smtpd.T
[ -d /run ] && [ -w /run ] || MB_SMTPD_OWNER=/tmp/mentorbot-test-smtpd.T

if [ "$(id -u)" = 0 ]; then
	# Dovecot's login processes refuse root and Prosody warns: run them as nobody.
	RUN_USER=nobody RUN_GROUP=nogroup
	AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
else
	RUN_USER=$(id -un) RUN_GROUP=$(id -gn)
	AS=()
fi
export RUN_USER RUN_GROUP

mb_log() { echo "servers: $*" >&2; }
mb_die() { echo "servers: ERROR: $*" >&2; exit 3; }
mb_now() { date +%s.%N; }
mb_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }'; }

# mb_render TEMPLATE OUTPUT - substitute @T@, @USER@, @GROUP@, @SERVERS@, @PY@ and the ports.
mb_render() {
	: "${T:?T is not set}"
	sed -e "s|@T@|$T|g" -e "s|@USER@|$RUN_USER|g" -e "s|@GROUP@|$RUN_GROUP|g" \
	    -e "s|@SERVERS@|$SERVERS_DIR|g" -e "s|@PY@|$PY|g" \
	    -e "s|@IMAP_PORT@|$IMAP_PORT|g" -e "s|@IMAPS_PORT@|$IMAPS_PORT|g" \
	    -e "s|@LMTP_PORT@|$LMTP_PORT|g" -e "s|@SMTP_PORT@|$SMTP_PORT|g" \
	    -e "s|@XMPP_PORT@|$XMPP_PORT|g" "$1" > "$2"
}

# mb_port_busy PORT - true when something listens on 127.0.0.1:PORT.
mb_port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# mb_alive PIDFILE - true when the PID in PIDFILE is running.
mb_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# mb_stop_pid NAME PIDFILE - SIGTERM, wait up to 10 s, then SIGKILL; removes PIDFILE.
mb_stop_pid() {
	local name=$1 f=$2 pid i t0
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	t0=$(mb_now)
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		for i in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
		if kill -0 "$pid" 2>/dev/null; then
			mb_log "$name ($pid) ignored SIGTERM for 10 s: SIGKILL"
			kill -KILL "$pid" 2>/dev/null
			for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
		fi
		mb_log "$name ($pid) stopped in $(mb_since "$t0") s"
	fi
	rm -f "$f"
}

# mb_wait_banner NAME PORT PREFIX LOGFILE - readiness probe with a 20 s timeout.
mb_wait_banner() {
	if ! "$PY" "$SERVERS_DIR"/wait_banner.py 127.0.0.1 "$2" "$3" 20 > /dev/null; then
		mb_log "$1 not ready on 127.0.0.1:$2 after 20 s; last lines of $4:"
		tail -n 20 "$4" >&2 2>/dev/null
		return 1
	fi
}

# mb_make_cert - self-signed certificate for the imaps listener:
# CN=localhost, SAN DNS:localhost,IP:127.0.0.1 -> $T/certs/imaps.{crt,key}
mb_make_cert() {
	mkdir -p "$T"/certs
	[ -s "$T"/certs/imaps.crt ] && [ -s "$T"/certs/imaps.key ] && return 0
	openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=localhost \
		-addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
		-keyout "$T"/certs/imaps.key -out "$T"/certs/imaps.crt > /dev/null 2>&1 \
		|| mb_die "openssl could not make the self-signed certificate"
	chmod 644 "$T"/certs/imaps.crt; chmod 600 "$T"/certs/imaps.key
	[ "$(id -u)" = 0 ] && chown -R "$RUN_USER:$RUN_GROUP" "$T"/certs
	return 0
}

# --- DKIM keys and DMARC records: the "DNS" of the test world ------------------
# mb_dkim_setup - once per $T: an RSA key (selector "test") for each of
# MB_DKIM_DOMAINS, DMARC records (p=reject) for MB_DMARC_DOMAINS, in $T/dkim/:
#   $T/dkim/<selector>.<domain>.key   private key, PEM (for the test clients that sign)
#   $T/dkim/dns.txt                   "<name> <TXT record>" lines, read by authres_filter.py
# example.test is the harness domain of every test address; evil.example and
# other.example are attackers who sign validly for their own domains.
# Everything is readable by all: throw-away test keys, and the test clients
# and the filter (user nobody) may run as other users than start.sh.
MB_DKIM_DOMAINS=${MB_DKIM_DOMAINS:-"example.test evil.example other.example"}
MB_DMARC_DOMAINS=${MB_DMARC_DOMAINS:-"example.test evil.example"}
MB_DKIM_SELECTOR=test
mb_dkim_setup() {
	local d key pub tmp
	: "${T:?T is not set}"
	[ -s "$T"/dkim/dns.txt ] && return 0
	mkdir -p "$T"/dkim
	tmp=$T/dkim/dns.txt.tmp
	echo "# test-world DNS for tests/servers/authres_filter.py (written by tests/servers/lib.sh)" > "$tmp"
	for d in $MB_DKIM_DOMAINS; do
		key=$T/dkim/$MB_DKIM_SELECTOR.$d.key
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$key" 2> /dev/null \
			|| mb_die "openssl could not make the DKIM key for $d"
		pub=$(openssl pkey -in "$key" -pubout -outform DER 2> /dev/null | base64 -w0) \
			|| mb_die "openssl could not read the DKIM key for $d"
		echo "$MB_DKIM_SELECTOR._domainkey.$d v=DKIM1; k=rsa; p=$pub" >> "$tmp"
	done
	for d in $MB_DMARC_DOMAINS; do
		echo "_dmarc.$d v=DMARC1; p=reject; adkim=r; aspf=r" >> "$tmp"
	done
	chmod 644 "$T"/dkim/*.key "$tmp"
	chmod 755 "$T"/dkim
	mv "$tmp" "$T"/dkim/dns.txt
}

# --- Dovecot (IMAP + IMAPS + LMTP) -------------------------------------------
# mb_dovecot_setup - render the config and create the directories (once per $T).
mb_dovecot_setup() {
	mkdir -p "$T"/dovecot "$T"/mail
	chmod 755 "$T"
	mb_make_cert
	mb_render "$SERVERS_DIR"/dovecot.conf.in "$T"/dovecot/dovecot.conf
	[ "$(id -u)" = 0 ] && chown -R "$RUN_USER:$RUN_GROUP" "$T"/dovecot "$T"/mail
	return 0
}

# mb_dovecot_start - start Dovecot alone (config must exist) and wait until the
# IMAP, IMAPS and LMTP listeners answer.  If our OpenSMTPD runs, it is told to
# retry its queue at once (mail queued while Dovecot was down).
mb_dovecot_start() {
	local p t0
	: "${T:?T is not set}"
	[ -f "$T"/dovecot/dovecot.conf ] || mb_dovecot_setup
	mb_alive "$T"/dovecot.pid && { mb_log "dovecot already running (pid $(cat "$T"/dovecot.pid))"; return 0; }
	for p in "$IMAP_PORT" "$IMAPS_PORT" "$LMTP_PORT"; do
		mb_port_busy "$p" && mb_die "port 127.0.0.1:$p is already in use (another test run's Dovecot?); set IMAP_PORT/IMAPS_PORT/LMTP_PORT or stop it"
	done
	t0=$(mb_now)
	setsid "${AS[@]}" dovecot -F -c "$T"/dovecot/dovecot.conf > "$T"/dovecot/stdout.log 2>&1 < /dev/null 9>&- &
	echo $! > "$T"/dovecot.pid
	mb_wait_banner dovecot "$IMAP_PORT" '* OK' "$T"/dovecot/dovecot.log || return 1
	mb_wait_banner dovecot-imaps "$IMAPS_PORT" '' "$T"/dovecot/dovecot.log || return 1
	mb_wait_banner dovecot-lmtp "$LMTP_PORT" '220' "$T"/dovecot/dovecot.log || return 1
	mb_log "dovecot ready in $(mb_since "$t0") s (pid $(cat "$T"/dovecot.pid))"
	if mb_alive "$T"/smtpd.pid; then smtpctl schedule all > /dev/null 2>&1 || true; fi
	return 0
}

mb_dovecot_stop() {
	mb_stop_pid dovecot "$T"/dovecot.pid
	# the master is gone; its imap/lmtp children exit with it - wait for the ports
	local i
	for i in $(seq 100); do
		mb_port_busy "$IMAP_PORT" || mb_port_busy "$LMTP_PORT" || break
		sleep 0.05
	done
}

# --- OpenSMTPD ----------------------------------------------------------------
# mb_smtpd_refuse_second - OpenSMTPD's queue (/var/spool/smtpd) and control
# socket (/var/run/smtpd.sock) are compiled in: only one instance per machine.
mb_smtpd_refuse_second() {
	local pids line conf other
	pids=$(pgrep -x smtpd || true)
	if [ -z "$pids" ] && ! smtpctl show status > /dev/null 2>&1; then
		return 0
	fi
	echo "servers: ERROR: an OpenSMTPD instance is already running on this machine:" >&2
	for p in $pids; do
		line=$(ps -o pid=,args= -p "$p" 2>/dev/null) || continue
		case $line in *" -f "*) echo "    $line" >&2
			conf=${line##* -f }; conf=${conf%% *}
			case $conf in */smtpd/smtpd.conf) other=${conf%/smtpd/smtpd.conf} ;; esac ;;
		esac
	done
	[ -z "$other" ] && [ -s "$MB_SMTPD_OWNER" ] && other=$(cat "$MB_SMTPD_OWNER")
	cat >&2 <<-MSG
	  OpenSMTPD always uses /var/spool/smtpd and /var/run/smtpd.sock, so only one
	  instance (one test run or demo) can run per machine at a time.  Refusing to
	  start a second one.
	MSG
	if [ -n "$other" ] && [ -f "$other/dovecot/dovecot.conf" ] && grep -q mentorbot-test "$other/dovecot/dovecot.conf" 2>/dev/null; then
		cat >&2 <<-MSG
		  It belongs to the test servers in ${other}.  Either reuse them:
		      T=${other} tests/run.sh        (or export T=${other} for runner.py / demo)
		  or stop them:
		      T=${other} tests/servers/stop.sh
		MSG
	elif [ -n "$other" ]; then
		echo "  It was started from $other by something other than tests/servers/start.sh;" >&2
		echo "  wait for it to finish or ask its owner to stop it." >&2
	else
		echo "  It was not started by these scripts (system service?); stop it first." >&2
	fi
	exit 3
}

# mb_smtpd_start - render smtpd.conf (with the DKIM/DMARC filter, whose keys
# mb_dkim_setup makes first) and start OpenSMTPD.  MB_AUTHRES=0 leaves the
# filter out (only to measure what it costs: no Authentication-Results then).
mb_smtpd_start() {
	local t0
	[ "$(id -u)" = 0 ] || mb_die "OpenSMTPD must be started as root (it needs /var/spool/smtpd)"
	mkdir -p "$T"/smtpd
	mb_dkim_setup
	"$PY" -c 'import dkim' 2> /dev/null || mb_die "python3-dkim is missing (scripts/install-deps.sh installs it)"
	mb_render "$SERVERS_DIR"/smtpd.conf.in "$T"/smtpd/smtpd.conf
	if [ "${MB_AUTHRES:-1}" = 0 ]; then
		sed -i -e '/^filter "authres"/d' -e 's/ filter "authres"//' "$T"/smtpd/smtpd.conf
		mb_log "MB_AUTHRES=0: OpenSMTPD without the DKIM/DMARC filter (no Authentication-Results)"
	fi
	touch "$T"/smtpd/authres.log
	chown "$RUN_USER:$RUN_GROUP" "$T"/smtpd/authres.log
	smtpd -n -f "$T"/smtpd/smtpd.conf > "$T"/smtpd/check.log 2>&1 \
		|| { cat "$T"/smtpd/check.log >&2; mb_die "bad smtpd.conf"; }
	mb_port_busy "$SMTP_PORT" && mb_die "port 127.0.0.1:$SMTP_PORT is already in use"
	t0=$(mb_now)
	setsid smtpd -d -f "$T"/smtpd/smtpd.conf > "$T"/smtpd/smtpd.log 2>&1 < /dev/null 9>&- &
	echo $! > "$T"/smtpd.pid
	echo "$T" > "$MB_SMTPD_OWNER"
	mb_wait_banner opensmtpd "$SMTP_PORT" '220' "$T"/smtpd/smtpd.log || return 1
	# envelopes left by an earlier run would be re-delivered now: drop them
	smtpctl remove all > /dev/null 2>&1 || true
	mb_log "opensmtpd ready in $(mb_since "$t0") s (pid $(cat "$T"/smtpd.pid))"
}

mb_smtpd_stop() {
	local i
	mb_alive "$T"/smtpd.pid && { smtpctl remove all > /dev/null 2>&1 || true; }
	mb_stop_pid opensmtpd "$T"/smtpd.pid
	# the filter exits when OpenSMTPD closes its stdin: give it a moment
	for i in $(seq 40); do pgrep -f "authres_filter.py .*$T/" > /dev/null || break; sleep 0.05; done
	if [ -s "$MB_SMTPD_OWNER" ] && [ "$(cat "$MB_SMTPD_OWNER")" = "$T" ]; then rm -f "$MB_SMTPD_OWNER"; fi
	return 0
}
