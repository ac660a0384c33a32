"""bench_retention.py - purging 100,000 expired rows (issue 12).


Builds tests/bench/bench_retention.c (make build/bench/bench_retention) and prints:
  bench.privacy.purge_100k_rows_s   100,000 expired rows purged in passes of RETENTION_BATCH
  bench.privacy.purge_pass_max_ms   the longest pass, i.e. the longest the write lock is held
"""
import os
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BIN = os.path.join(ROOT, "build", "bench", "bench_retention")


def main():
    subprocess.run(["make", "-s", os.path.relpath(BIN, ROOT)], cwd=ROOT, check=True)
    out = subprocess.run([BIN], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    sys.stdout.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
