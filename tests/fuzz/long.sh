#!/bin/bash
# tests/fuzz/long.sh - every libFuzzer target (make fuzz) for MB_FUZZ_LONG_SECONDS
# (default 600) each, from the mail fixtures and its own seeds
# (tests/fixtures/<name without fuzz_>).  `make fuzz-long` runs it; not part
# of `make test`.  A crash, leak, timeout or sanitizer report fails the
# target; its inputs are kept.  Last line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
secs=${MB_FUZZ_LONG_SECONDS:-600}
passed=0 failed=0
for f in build/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	work=$(mktemp -d "${TMPDIR:-/tmp}/mentorbot-long-$name.XXXXXX")
	cp tests/fixtures/mail/* "$work"/ 2>/dev/null
	if [ -d "tests/fixtures/${name#fuzz_}" ]; then cp "tests/fixtures/${name#fuzz_}"/* "$work"/; fi
	echo "== $f ($secs s)"
	if timeout -k 10 $((secs + 120)) "$f" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=30 \
		-artifact_prefix="$work/" "$work" > "$work/fuzz.log" 2>&1; then
		echo "PASS fuzz-long::$name ($(grep -o 'Done [0-9]* runs in [0-9]* second' "$work/fuzz.log" | tail -n 1))"
		passed=$((passed + 1))
		rm -rf "$work"
	else
		grep -E 'ERROR|SUMMARY|crash-|leak-|timeout-' "$work/fuzz.log" | head -n 5
		echo "FAIL fuzz-long::$name (inputs and log kept in $work)"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
