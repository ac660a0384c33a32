"""bench_import.py - importing a 10,000-row list (issue 13).


Builds tests/bench/bench_import.c (make build/bench/bench_import) and prints:
  bench.network.import_10k_s   "mentorbot import" of 10,000 rows: checked, invited, mails queued
"""
import os
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BIN = os.path.join(ROOT, "build", "bench", "bench_import")


def main():
    subprocess.run(["make", "-s", os.path.relpath(BIN, ROOT)], cwd=ROOT, check=True)
    out = subprocess.run([BIN], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    sys.stdout.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
