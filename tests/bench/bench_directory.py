"""bench_directory.py - the alumni directory over 50,000 alumni (issue 13).

Builds tests/bench/bench_directory.c (make build/bench/bench_directory) and prints:
  bench.network.find_alumni_ms_p50   "find alumni <words>" from journal row to outbox row, median
  bench.network.find_alumni_ms_p99   the same, 99th percentile (200 searches)
  bench.network.search_ms_p50        the FTS5 search alone
  bench.network.rss_50k_alumni_kb    the bench process's peak RSS with the 50,000 alumni loaded
"""
import os
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BIN = os.path.join(ROOT, "build", "bench", "bench_directory")


def main():
    subprocess.run(["make", "-s", os.path.relpath(BIN, ROOT)], cwd=ROOT, check=True)
    out = subprocess.run([BIN], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    sys.stdout.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
