#!/usr/bin/env bash
# The operator walk-through of docs/observability.md on this host, without containers
# (ADR 0265): api, orchestrator and workers as processes on the local PostgreSQL, RabbitMQ,
# Redis and S3, Debian's Prometheus on deploy/prometheus's config and rules. Produces a story
# (the studio pipeline), kills its worker mid-job, waits for NexusLeaseExpiries to fire with
# the rules exactly as shipped (pending, then firing after `for: 1m`), counts the recovery,
# evaluates every dashboard query and prints the run's trace (`nexus runs trace`).
#   scripts/obs-walkthrough.sh            # the story, shipped rules (3-6 minutes)
#   PIPELINE=demo SHIPPED_FOR=0 scripts/obs-walkthrough.sh   # the CI-sized test
set -euo pipefail
cd "$(dirname "$0")/.."
command -v prometheus >/dev/null || { echo "no prometheus binary: run scripts/bootstrap.sh" >&2; exit 2; }
bash scripts/services.sh
export NEXUS_WALKTHROUGH_PIPELINE="${PIPELINE:-studio}"
export NEXUS_WALKTHROUGH_SHIPPED_FOR="${SHIPPED_FOR:-1}"
NEXUS_DATA_DIR="$(mktemp -d)"
export NEXUS_DATA_DIR
exec uv run pytest -q -p no:xdist -s -o log_cli=false \
  tests/integration/test_observability_walkthrough.py
