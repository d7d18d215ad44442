"""What the olstate-monitor tests share: a tally of named checks, and running
the monitor under test (its path is the script's first argument)."""
import subprocess
import sys

MONITOR = sys.argv[1]
_failures = []
_passed = 0


def check(cond, what):
    """Counts one check; a failed one is printed at once and fails the run."""
    global _passed
    if cond:
        _passed += 1
    else:
        _failures.append(what)
        print("FAIL:", what)


def run(*args, timeout=30):
    """Runs the monitor to its end and returns the CompletedProcess."""
    return subprocess.run([MONITOR, *args], capture_output=True, text=True, timeout=timeout)


def finish(name):
    """Prints the tally and exits: 1 when any check failed."""
    print(f"{name}: {_passed} passed, {len(_failures)} failed")
    sys.exit(1 if _failures else 0)
