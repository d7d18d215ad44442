#!/usr/bin/env bash
# CI stage (run by scripts/test.sh): a short soak, about 30 s in all (15 s of
# olstate-soak, 5 s of each binding's soak)
# (scripts/soak.sh for long runs).
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/soak.sh "${OLSTATE_SOAK_SMOKE_SECONDS:-15}"
