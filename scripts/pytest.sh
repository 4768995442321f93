#!/usr/bin/env bash
# Runs the pytest suite (ADR 0176-0179, tests/README.md). Two phases:
#   1. everything but the `exclusive` tests on PYTEST_WORKERS xdist workers (default 2, one
#      per core on CI) with `--dist loadgroup` (one test file, or one named group, per unit);
#   2. the `exclusive` tests (they restart PostgreSQL/RabbitMQ, which every test uses) alone.
# PYTEST_WORKERS=0 runs everything in one process, in one phase, as before.
# "No tests collected" (exit 5) is a failure, never a silent pass; with arguments (a subset)
# one phase may collect nothing, but not both.
# Usage: scripts/pytest.sh [pytest args...]   (the args go to both phases; select with paths
# or -k: a -m of yours would replace the phases' own, and the suite refuses exclusive tests
# next to another worker)
set -uo pipefail
cd "$(dirname "$0")/.."
workers="${PYTEST_WORKERS:-2}"

if [ "$workers" = "0" ]; then
  uv run pytest "$@"
  code=$?
  if [ "$code" -eq 5 ]; then
    echo "pytest collected no tests: failing on purpose" >&2
    exit 1
  fi
  exit "$code"
fi

# NEXUS_TEST_JUNIT_DIR: each phase writes its JUnit XML there (parallel.xml, serial.xml).
junit=()
[ -n "${NEXUS_TEST_JUNIT_DIR:-}" ] && junit=(--junitxml="$NEXUS_TEST_JUNIT_DIR/parallel.xml")
report_dir="$(mktemp -d)"
trap 'rm -rf "$report_dir"' EXIT
NEXUS_TEST_EXCLUSIVE_REPORT="$report_dir/exclusive" \
  uv run pytest -n "$workers" --dist loadgroup -m "not exclusive" "${junit[@]}" "$@"
parallel=$?
# Phase 1's workers list the exclusive tests of its selection (before -m left them out): none
# (a subset without any) skips phase 2's collection; phase 2 then counts as "collected none".
if cat "$report_dir"/exclusive.* 2>/dev/null | grep -q .; then
  [ -n "${NEXUS_TEST_JUNIT_DIR:-}" ] && junit=(--junitxml="$NEXUS_TEST_JUNIT_DIR/serial.xml")
  uv run pytest -m exclusive "${junit[@]}" "$@"
  serial=$?
else
  echo "pytest.sh: no exclusive test selected; the serial phase is skipped" >&2
  serial=5
fi

if [ "$parallel" -eq 5 ] && [ "$serial" -eq 5 ]; then
  echo "pytest collected no tests in either phase: failing on purpose" >&2
  exit 1
fi
for code in "$parallel" "$serial"; do
  if [ "$code" -eq 5 ] && [ "$#" -eq 0 ]; then
    echo "a phase of the whole suite collected no tests: failing on purpose" >&2
    exit 1
  fi
done
for code in "$parallel" "$serial"; do
  if [ "$code" -ne 0 ] && [ "$code" -ne 5 ]; then
    exit "$code"
  fi
done
exit 0
