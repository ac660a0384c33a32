"""bench_parse.py - the cost of parsing mail in the limited worker process.

Builds tests/bench/bench_parse.c against the objects of ./mentorbot (run
`make` first; this only asks make for the objects it links) and runs it with
./mentorbot as the worker.  Its `name: value` lines (same process, same run):
  bench.parse.inline_per_s        fixture mails parsed per second in process
  bench.parse.isolated_per_s      the same through the parsebox worker (pipes, checks)
  bench.parse.isolated_vs_inline  their ratio
  bench.parse.worker_start_ms     starting the worker until its first answer
  bench.parse.big_inline_ms / big_isolated_ms   one 10 MB mail with a base64 body
"""
import os
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BIN = os.path.join(ROOT, "build", "bench", "bench_parse")


def build():
    subprocess.run(["make", "-s", "mentorbot", os.path.relpath(BIN, ROOT)], cwd=ROOT, check=True)


def main():
    build()
    out = subprocess.run([BIN, os.path.join(ROOT, "mentorbot"), os.environ.get("BENCH_PARSE_ROUNDS", "100")],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    sys.stdout.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
