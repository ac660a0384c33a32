#!/bin/sh
# make bench: print every benchmark figure as "name: value" lines.
set -eu
cd "$(dirname "$0")/../.."
echo "# mentorbot $(./mentorbot --version | cut -d' ' -f2), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
for b in tests/bench/bench_*.py; do
	/usr/bin/python3 "$b"
done
