#!/bin/sh
# tests/corpus/run.sh - score quote_strip()/html_to_text() against other
# projects' reply-parser expectations and run MIME corpora through
# mime_parse() (no crash, no hang); the own fixtures (tests/fixtures/quote,
# tests/fixtures/mail/reply/*) are scored as "own.*".  The corpus lives outside the repo
# (../shared/corpus relative to the repository root) and is read in place.
# Last line: "N passed, N failed".  Exit status is non-zero on failures only
# once every scorable expectation passes (so a regression from full marks
# fails the run); below full marks it prints the score and exits 0.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
corpus="$root/../shared/corpus"
# a worktree under /work/wt/<name> finds the same corpus two levels up
[ -d "$corpus" ] || corpus="$root/../../shared/corpus"
[ -n "${CORPUS_DIR:-}" ] && corpus=$CORPUS_DIR
if [ ! -d "$corpus" ]; then
	echo "corpus: skipped (../shared/corpus not found)"
	echo "0 passed, 0 failed"
	exit 0
fi
cd "$root" || exit 1
# build the bot objects (-k: another module being broken must not stop us)
make -s -k $(ls bot/*.c | grep -v '^bot/main\.c$' | sed 's|^|build/obj/|; s|\.c$|.o|') >/dev/null 2>&1
for o in util charset html mime quote; do
	[ -f "build/obj/bot/$o.o" ] || { echo "corpus: build/obj/bot/$o.o missing (make failed)"; exit 1; }
done
out=build/corpus
mkdir -p "$out"
# an archive, so only the objects the scorer needs are linked in
rm -f "$out/libbot.a"
ar rcs "$out/libbot.a" $(ls build/obj/bot/*.o | grep -v '/main\.o$') || exit 1
cc -D_GNU_SOURCE -I. -Ibot $(pkg-config --cflags jansson libetpan) -std=c11 -O2 -g \
	-Wall -Wextra -Wno-unused-parameter \
	-o "$out/score_quotes" tests/corpus/score_quotes.c "$out/libbot.a" \
	$(pkg-config --libs jansson libetpan libcurl gnutls sqlite3 2>/dev/null | sed 's/-specs=[^ ]*//g') -lpthread || exit 1
verbose=
[ "${1:-}" = "-v" ] && verbose=-v
"$out/score_quotes" $verbose "$corpus" >"$out/last.txt" 2>&1
# The scorer's own last line counts single expectations; what the test
# suite counts is one check: no more misses than the known ones (talon's
# reply-separated-by-hr, jeff and short_url: see README "Corpus").
grep -v -E '^[0-9]+ passed, [0-9]+ failed$' "$out/last.txt"
score=$(tail -n 1 "$out/last.txt")
failed=$(echo "$score" | sed -n 's/^[0-9]* passed, \([0-9]*\) failed$/\1/p')
[ -n "$failed" ] || { echo "FAIL corpus: scorer did not finish"; echo "0 passed, 1 failed"; exit 1; }
KNOWN_MISSES=3
if [ "$failed" -le "$KNOWN_MISSES" ]; then
	echo "PASS corpus: $score (at most $KNOWN_MISSES known misses)"
	echo "1 passed, 0 failed"
	exit 0
fi
echo "FAIL corpus: $score (more than the $KNOWN_MISSES known misses)"
echo "0 passed, 1 failed"
exit 1
