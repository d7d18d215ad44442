#!/usr/bin/env python3
"""Median of several `olstate-bench --json` runs, key by key.

    bench/median.py run1.json run2.json run3.json [--prefix bridge_]

Prints one line per key: the median, then every run's value in order, so a
figure in BENCHMARKS.md can be checked against the runs it comes from.
"""
import json
import statistics
import sys


def main(argv):
    prefix = ""
    files = []
    args = iter(argv)
    for a in args:
        if a == "--prefix":
            prefix = next(args, "")
        else:
            files.append(a)
    if not files:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    runs = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            runs.append(json.load(fh))
    for key in runs[0]:
        if not key.startswith(prefix):
            continue
        values = [r.get(key) for r in runs]
        numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if len(numbers) != len(values):
            continue
        shown = " / ".join(f"{v:g}" for v in values)
        print(f"{key}: {statistics.median(numbers):g}   ({shown})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
