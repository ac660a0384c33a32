#!/bin/bash
# tests/run.sh - mentorbot's single test runner (`make test` calls it after building).
#
#  1. every unit binary in build/tests/ and build/asan/tests/ (lines "PASS name" /
#     "FAIL name: ..."; a crash or non-zero exit without FAIL lines counts as one
#     failure named after the binary)
#  1a. the house style: clang-format --dry-run -Werror over the C sources (as make format leaves them)
#  2. tests/corpus/run.sh if it exists (its last line "N passed, N failed" is added)
#  2c. operations: tests/ops/test_*.sh (make install, dist/ files, the Debian package,
#      which stays installed for the integration test of the installed bot, the package
#      under a real systemd in a container, and the demo's clean-up on signals; each
#      prints PASS/FAIL/SKIP lines); MB_SKIP_OPS=1 skips
#  3. the integration tests (tests/integration/test_*.py through runner.py) against
#     private Dovecot + OpenSMTPD started once here (or the running set named by $T),
#     with MENTORBOT (default ./mentorbot); again with MENTORBOT=build/asan/mentorbot
#     when MB_ASAN_INTEGRATION=1.
# Last line: "N passed, N failed"; exit 1 if anything failed.
#
# env: MENTORBOT, MB_ASAN_INTEGRATION=1, MB_SKIP_INTEGRATION=1, MB_UNIT_TIMEOUT (120 s),
#      MB_UNIT_DIRS ("build/tests build/asan/tests"),
#      T (reuse running servers), IMAP_PORT/IMAPS_PORT/LMTP_PORT/SMTP_PORT.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=/usr/bin/python3
PASSED=0 FAILED=0
FAILURES=()
SERVERS_STARTED=0

count_lines() {        # count_lines FILE -> sets P F (PASS/FAIL lines)
	P=$(grep -c '^PASS ' "$1" || true)
	F=$(grep -c '^FAIL ' "$1" || true)
}
add_fail() { FAILED=$((FAILED + 1)); FAILURES+=("$1"); }

stop_servers() {
	if [ "$SERVERS_STARTED" = 1 ]; then
		SERVERS_STARTED=0
		if [ "$FAILED" = 0 ]; then tests/servers/stop.sh "$T" --rm >&2
		else tests/servers/stop.sh "$T" >&2; echo "run.sh: server logs and bot logs kept in $T" >&2; fi
	fi
}
INTERRUPTED=0
on_signal() { INTERRUPTED=1; }   # acted on by check_interrupt after the running step
check_interrupt() {
	[ "$INTERRUPTED" = 1 ] || return 0
	trap - INT TERM
	echo "run.sh: interrupted" >&2
	add_fail "interrupted"
	stop_servers
	echo "$PASSED passed, $FAILED failed"
	exit 130
}
trap on_signal INT TERM
OUT=$(mktemp "${TMPDIR:-/tmp}/mentorbot-run.XXXXXX")
trap 'rm -f "$OUT"; stop_servers' EXIT

# --- 1. unit binaries -----------------------------------------------------------
for dir in ${MB_UNIT_DIRS:-build/tests build/asan/tests}; do
	[ -d "$dir" ] || continue
	for bin in "$dir"/*; do
		[ -f "$bin" ] && [ -x "$bin" ] || continue
		echo "== $bin"
		timeout -k 5 "${MB_UNIT_TIMEOUT:-120}" "$bin" > "$OUT" 2>&1
		rc=$?
		cat "$OUT"
		count_lines "$OUT"
		PASSED=$((PASSED + P)); FAILED=$((FAILED + F))
		while IFS= read -r l; do FAILURES+=("${l#FAIL }"); done < <(grep '^FAIL ' "$OUT")
		if [ "$rc" != 0 ] && [ "$F" = 0 ]; then
			case $rc in 124|137) why="timed out" ;; *) why="exit status $rc" ;; esac
			echo "FAIL $bin: $why without a FAIL line"
			add_fail "$bin: $why"
		fi
		check_interrupt
	done
done

# --- 1a. the house style: the sources as `make format` leaves them ------------------
if command -v clang-format > /dev/null; then
	echo "== clang-format --dry-run -Werror"
	if clang-format --dry-run -Werror bot/*.[ch] handlers/*.[ch] state/*.[ch] tests/unit/*.[ch] > "$OUT" 2>&1; then
		echo "PASS format"
		PASSED=$((PASSED + 1))
	else
		grep -E 'error:' "$OUT" | head -n 10
		echo "FAIL format: run make format"
		add_fail "format: $(grep -c 'error:' "$OUT") places differ from .clang-format; run make format"
	fi
else
	echo "== format check skipped (clang-format not installed)"
fi

# --- 2. corpus --------------------------------------------------------------------
if [ -x tests/corpus/run.sh ] || [ -f tests/corpus/run.sh ]; then
	echo "== tests/corpus/run.sh"
	bash tests/corpus/run.sh 2>&1 | tee "$OUT"
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$OUT" | tail -n 1)
	if [ -n "$last" ]; then
		p=${last%% passed*}; f=${last#*passed, }; f=${f%% failed*}
		PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
		[ "$f" = 0 ] || FAILURES+=("tests/corpus: $f failed")
	else
		add_fail "tests/corpus/run.sh: no 'N passed, N failed' line"
	fi
	check_interrupt
fi

# --- 2a. the Matrix test homeserver checked by an independent client (matrix-nio) ---
if [ -f tests/matrix/check_with_nio.py ]; then
	echo "== tests/matrix/check_with_nio.py"
	timeout -k 5 300 "$PY" tests/matrix/check_with_nio.py > "$OUT" 2>&1
	rc=$?
	grep -E '^(PASS|FAIL) ' "$OUT"
	count_lines "$OUT"
	PASSED=$((PASSED + P)); FAILED=$((FAILED + F))
	while IFS= read -r l; do FAILURES+=("matrix-nio: ${l#FAIL }"); done < <(grep '^FAIL ' "$OUT")
	if [ "$rc" != 0 ] && [ "$F" = 0 ]; then tail -n 20 "$OUT"; add_fail "tests/matrix/check_with_nio.py: exit status $rc"; fi
fi

# --- 2b. fuzzing -----------------------------------------------------------------
# Each libFuzzer target (make fuzz) runs for MB_FUZZ_SECONDS (default 8) from the
# mail fixtures and its own (tests/fixtures/<name>); a crash, leak or sanitizer
# report fails it.  Skipped without clang.
if [ "${MB_FUZZ_SECONDS:-8}" != 0 ] && ls tests/fuzz/fuzz_*.c > /dev/null 2>&1; then
	if command -v clang > /dev/null && make -s fuzz > "$OUT" 2>&1; then
		for f in build/fuzz/fuzz_*; do
			name=$(basename "$f")
			work=$(mktemp -d "${TMPDIR:-/tmp}/mentorbot-$name.XXXXXX")
			cp tests/fixtures/mail/* "$work"/ 2>/dev/null
			# and the target's own seeds: tests/fixtures/ical for fuzz_ical, …
			if [ -d "tests/fixtures/${name#fuzz_}" ]; then cp "tests/fixtures/${name#fuzz_}"/* "$work"/; fi
			echo "== $f (${MB_FUZZ_SECONDS:-8} s)"
			if timeout -k 5 $(( ${MB_FUZZ_SECONDS:-8} + 60 )) "$f" -max_total_time="${MB_FUZZ_SECONDS:-8}" \
				-rss_limit_mb=2048 -timeout=10 -artifact_prefix="$work/" "$work" > "$OUT" 2>&1; then
				echo "PASS fuzz::$name ($(grep -o 'Done [0-9]* runs' "$OUT" | tail -n 1))"
				PASSED=$((PASSED + 1))
				rm -rf "$work"
			else
				grep -E 'ERROR|SUMMARY|crash-|leak-|timeout-' "$OUT" | head -n 5
				echo "FAIL fuzz::$name (inputs kept in $work)"
				add_fail "fuzz::$name: see $work"
			fi
		done
	else
		echo "== fuzzing skipped (clang or libFuzzer not available)"
	fi
fi

# --- 2c. operations ------------------------------------------------------------------
# Before the integration servers start: the demo test starts servers of its own (and
# skips when an OpenSMTPD runs), and the package test leaves mentorbot installed for
# tests/integration/test_ops_installed_package.py.  Uses ./mentorbot.
if [ "${MB_SKIP_OPS:-0}" != 1 ]; then
	for t in tests/ops/test_dist.sh tests/ops/test_install.sh tests/ops/test_deb.sh tests/ops/test_systemd_boot.sh tests/ops/test_demo_traps.sh; do
		[ -f "$t" ] || continue
		echo "== $t"
		MENTORBOT=./mentorbot timeout -k 10 1500 bash "$t" > "$OUT" 2>&1
		rc=$?
		cat "$OUT"
		count_lines "$OUT"
		PASSED=$((PASSED + P)); FAILED=$((FAILED + F))
		while IFS= read -r l; do FAILURES+=("ops: ${l#FAIL }"); done < <(grep '^FAIL ' "$OUT" | cut -c1-200)
		if [ "$rc" != 0 ] && [ "$F" = 0 ]; then add_fail "$t: exit status $rc without a FAIL line"; fi
		check_interrupt
	done
fi

# --- 3. integration -----------------------------------------------------------------
run_integration() {    # run_integration BINARY TAG
	local bin=$1 tag=$2 rc
	shift 2
	echo "== integration tests with $bin${tag:+ ($tag)}${1:+ (smoke set)}"
	MENTORBOT=$bin MB_TEST_TAG=$tag T=$T "$PY" tests/integration/runner.py "$@" 2>&1 | (trap '' INT TERM; exec tee "$OUT")
	rc=${PIPESTATUS[0]}
	count_lines "$OUT"
	PASSED=$((PASSED + P)); FAILED=$((FAILED + F))
	while IFS= read -r l; do FAILURES+=("${l#FAIL }"); done < <(grep '^FAIL ' "$OUT" | cut -c1-200)
	[ "$rc" = 130 ] && INTERRUPTED=1
	if [ "$rc" != 0 ] && [ "$rc" != 130 ] && [ "$F" = 0 ]; then add_fail "integration${tag:+ [$tag]}: runner exit status $rc"; fi
	check_interrupt
}

if [ "${MB_SKIP_INTEGRATION:-0}" != 1 ] && ls tests/integration/test_*.py > /dev/null 2>&1; then
	export T=${T:-}
	if [ -n "$T" ] && [ -f "$T/dovecot.pid" ] && kill -0 "$(cat "$T/dovecot.pid")" 2>/dev/null; then
		echo "== reusing servers in T=$T"
	else
		unset T
		if start_out=$(tests/servers/start.sh); then
			T=$(printf '%s\n' "$start_out" | sed -n 's/^T=//p' | tail -n 1)
			export T
			SERVERS_STARTED=1
		else
			add_fail "tests/servers/start.sh failed (see above)"
			T=""
		fi
	fi
	check_interrupt
	if [ -n "$T" ]; then
		# The whole suite runs once, with the AddressSanitizer + UBSan binary (stricter,
		# and it keeps make test within 10 minutes); the optimised ./mentorbot then runs
		# a smoke set of every transport.  MB_FULL_NORMAL=1 runs the whole suite with it too.
		# MB_SMOKE_ONLY=1 (make check): only that smoke set, with ./mentorbot.
		SMOKE="tests/integration/test_help_english.py tests/integration/test_join_confirm_whoami.py
			tests/integration/test_kill9_no_loss_no_duplicates.py
			tests/integration/test_xmpp_help_in_room_and_direct.py
			tests/integration/test_matrix_help_in_room_and_direct.py
			tests/integration/test_mime_bombs_daemon_survives.py
			tests/integration/test_security_forged_staff_refused.py
			tests/integration/test_chat_crash_quarantined.py"
		if [ "${MB_SMOKE_ONLY:-0}" = 1 ]; then
			# shellcheck disable=SC2086
			run_integration ./mentorbot "" $SMOKE
		elif [ -z "${MENTORBOT:-}" ] && [ -x build/asan/mentorbot ] && [ "${MB_ASAN_INTEGRATION:-1}" = 1 ]; then
			run_integration build/asan/mentorbot asan
			if [ "${MB_FULL_NORMAL:-0}" = 1 ]; then
				run_integration ./mentorbot ""
			else
				# shellcheck disable=SC2086
				run_integration ./mentorbot "" $SMOKE
			fi
		else
			run_integration "${MENTORBOT:-./mentorbot}" ""
		fi
	fi
	stop_servers
fi

if [ "${#FAILURES[@]}" -gt 0 ]; then
	echo
	echo "== failures:"
	printf '  %s\n' "${FAILURES[@]}"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
