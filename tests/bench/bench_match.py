"""bench_match.py - the matching figures (issue 4, Benchmark).

Builds tests/bench/bench_match.c against build/obj/bot/match.o and util.o
(run `make` first; this only asks make for those two objects) and prints its
`name: value` lines:

  bench.match.n2000x1000_ms           match_cohort(), 2,000 mentees x 1,000 mentors
                                      (capacity 1-3, 20 topics, 3 languages), median of 3
  bench.match.score_vs_greedy         optimum total / greedy total on the same instance
  bench.mentoring.find_mentor_ms_p50  match_top() over 5,000 mentors, median of 200 queries

If scipy is importable by this interpreter (Debian python3-scipy), the same
slot-expanded score matrix goes through scipy.optimize.linear_sum_assignment
(maximize) as an independent check:

  bench.match.vs_scipy_ms             scipy's time on that matrix
  # scipy optimum equal: yes/no
"""
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BIN = os.path.join(ROOT, "build", "bench", "bench_match")


def build():
    subprocess.run(["make", "-s", os.path.relpath(BIN, ROOT)], cwd=ROOT, check=True)


def main():
    build()
    try:
        import numpy as np
        from scipy.optimize import linear_sum_assignment
    except ImportError:
        np = None
    if np is None:
        out = subprocess.run([BIN], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        sys.stdout.write(out)
        print("# scipy not installed (Debian python3-scipy): no vs_scipy figure")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "scores.bin")
        out = subprocess.run([BIN, "--dump", path], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout
        sys.stdout.write(out)
        sys.stdout.flush()
        m = re.search(r"^# optimum total: (\d+)$", out, re.M)
        ours = int(m.group(1)) if m else None
        raw = np.fromfile(path, dtype=np.int32)
    rows, cols = int(raw[0]), int(raw[1])
    scores = raw[2:].reshape(rows, cols).astype(np.float64)
    t0 = time.perf_counter()
    r, c = linear_sum_assignment(scores, maximize=True)
    ms = (time.perf_counter() - t0) * 1000
    theirs = int(scores[r, c].sum())
    print("bench.match.vs_scipy_ms: %.1f" % ms)
    print("# scipy optimum: %d on a %dx%d matrix, ours: %s" % (theirs, rows, cols, ours))
    print("# scipy optimum equal: %s" % ("yes" if ours == theirs else "no"))
    return 0 if ours == theirs else 1


if __name__ == "__main__":
    sys.exit(main())
