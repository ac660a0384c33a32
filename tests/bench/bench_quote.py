"""bench_quote.py - quote_strip() time per byte from 1 KB to 1 MB (issue 11).

Builds tests/bench/bench_quote.c against build/obj/bot/{quote,quote_rules,util}.o
(only those objects are asked of make) and prints its `name: value` lines:
  bench.quote.ns_per_byte_1k / _10k / _100k / _1m   time per input byte
  bench.quote.per_byte_spread                       slowest / fastest (linear: under 2)
  bench.quote.1mb_ms                                one 1 MB mail (target: under 50 ms)
"""
import os
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BIN = os.path.join(ROOT, "build", "bench", "bench_quote")


def main():
    subprocess.run(["make", "-s", os.path.relpath(BIN, ROOT)], cwd=ROOT, check=True)
    out = subprocess.run([BIN], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    sys.stdout.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
