#!/usr/bin/env python3
"""Median of several `olstate-bench --json` runs, key by key.

    bench/median.py run1.json run2.json run3.json [--prefix bridge_] [--goals]

Prints one line per key: the median, then every run's value in order, so a
figure in BENCHMARKS.md can be checked against the runs it comes from.
--goals adds the goals of BENCHMARKS.md (issue 18's for the bridge), each
with its key's median and "met" or "missed"; a key the runs lack is skipped.
"""
import json
import statistics
import sys

# The goals, in one place: key, "<=" or ">=", bound, what it is.
GOALS = [
    ("dispatch_ns_overhead", "<=", 50, "inline dispatch, olstate - hand-written sink, ns"),
    ("queued_p99_us", "<=", 100, "QUEUED latency p99, us"),
    ("provider_block_us_queued", "<=", 5, "provider blocked per notification, QUEUED, us"),
    ("subscribe_unsubscribe_per_s", ">=", 500000, "subscribe+unsubscribe pairs per second"),
    ("bytes_per_subscription", "<=", 256, "bytes per subscription"),
    ("bridge_p99_us", "<=", 250, "bridge, 1 client, p99 us"),
    ("bridge_fanout16_p99_us", "<=", 1000, "bridge, 16 clients, p99 us"),
    ("bridge_provider_block_us", "<=", 5, "bridge, provider blocked per notification, one client stopped, us"),
    ("bridge_idle_wakeups_per_s_host", "<=", 0, "bridge, idle host wake-ups per second"),
    ("bridge_idle_wakeups_per_s_client", "<=", 0, "bridge, idle client wake-ups per second"),
]


def main(argv):
    prefix = ""
    goals = False
    files = []
    args = iter(argv)
    for a in args:
        if a == "--prefix":
            prefix = next(args, "")
        elif a == "--goals":
            goals = True
        else:
            files.append(a)
    if not files:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    runs = []
    for f in files:
        try:
            with open(f, encoding="utf-8") as fh:
                run = json.load(fh)
        except (OSError, ValueError) as e:
            print(f"median.py: {f} is not the output of one olstate-bench --json run: {e}", file=sys.stderr)
            return 2
        if not isinstance(run, dict):
            print(f"median.py: {f} holds no JSON object", file=sys.stderr)
            return 2
        runs.append(run)
    medians = {}
    for key in runs[0]:
        if not key.startswith(prefix):
            continue
        values = [r.get(key) for r in runs]
        numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if len(numbers) != len(values):
            continue
        medians[key] = statistics.median(numbers)
        shown = " / ".join(f"{v:g}" for v in values)
        print(f"{key}: {medians[key]:g}   ({shown})")
    if goals:
        print(f"goals (median of {len(runs)} runs):")
        for key, op, bound, what in GOALS:
            if key not in medians:
                continue
            value = medians[key]
            met = value <= bound if op == "<=" else value >= bound
            print(f"  {'met   ' if met else 'MISSED'} {key} = {value:g} (goal {op} {bound:g}): {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
