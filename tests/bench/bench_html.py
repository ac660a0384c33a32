"""bench_html.py - html_to_text() on the HTML reply fixtures (issue 11).

Builds tests/bench/bench_html.c and prints its `name: value` lines:
  bench.html.<impl>.fixtures_exact     fixtures whose new text is exact
  bench.html.<impl>.mb_per_s_1mb       one 1 MB HTML mail
  bench.html.<impl>.mb_per_s_small     10,000 small HTML mails
  bench.html.<impl>.peak_kb_1mb        peak memory reading the 1 MB mail
  bench.html.<impl>.nest_100k_ms       100,000 nested <div>s
  bench.html.<impl>.attr_1mb_ms        a 1 MB attribute
"""
import os
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BIN = os.path.join(ROOT, "build", "bench", "bench_html")


def main():
    subprocess.run(["make", "-s", os.path.relpath(BIN, ROOT)], cwd=ROOT, check=True)
    out = subprocess.run([BIN], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    sys.stdout.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
