#!/usr/bin/env python3
"""Fails loudly when a test stage ran fewer suites or tests than it should.

usage: scripts/expect-suites.py BUILD_DIR MIN_TESTS SUITE...

Reads the log of the last `meson test` in BUILD_DIR. A build folder
configured with other options (say -Dbindings=false by an earlier command)
silently drops whole suites while the summary stays green; this turns that
into a failure naming what is missing."""
import json
import sys

build, least, *suites = sys.argv[1:]
with open(f"{build}/meson-logs/testlog.json", encoding="utf-8") as f:
    ran = [json.loads(line) for line in f if line.strip()]
# A test's name is "project:suite+suite / test".
seen = set()
for t in ran:
    seen.update(s.split(":", 1)[-1] for s in t["name"].split(" / ")[0].split("+"))
missing = [s for s in suites if s not in seen]
problems = []
if missing:
    problems.append(f"suites that did not run: {', '.join(missing)}")
if len(ran) < int(least):
    problems.append(f"{len(ran)} tests ran, at least {least} expected")
if problems:
    print(f"expect-suites: {build}: " + "; ".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"expect-suites: {build}: {len(ran)} tests in {len(seen)} suites, as expected")
