"""SLA evaluation: pure functions from the runs of a window to the status of each objective.

The observer never reads the orchestrator's tables: callers (the platform, the CLI, the gateway)
read finished runs through the orchestrator's queries and hand them over as ``RunSample``s.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from nexus.contracts.errors import ErrorCode
from nexus.contracts.observe import Indicator, SlaObjective, SlaStatus
from nexus.core.errors import NexusError
from nexus.core.settings import SlaSettings

# 1-99999 of a unit: at most ~1,900 years, so ``now - window`` stays a valid datetime.
WINDOW_PATTERN = r"^[1-9][0-9]{0,4}[smhdw]?$"
DURATION = re.compile(r"^([1-9][0-9]{0,4})([smhdw]?)$")
UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}


@dataclass(frozen=True)
class RunSample:
    """A finished run as the SLA sees it."""

    pipeline: str
    status: str
    started_at: datetime | None
    finished_at: datetime

    @property
    def duration_s(self) -> float | None:
        if self.started_at is None:
            return None
        return max(0.0, (self.finished_at - self.started_at).total_seconds())


class RunSource(Protocol):
    """Finished runs since a time (tenant None: every tenant), implemented by the caller over
    the orchestrator's public queries."""

    async def __call__(
        self, *, since: datetime, pipelines: Sequence[str], tenant_id: str | None
    ) -> list[RunSample]: ...


def parse_window(text: str) -> float:
    """'90', '30m', '6h', '7d' -> seconds; a clear error otherwise."""
    m = DURATION.match(text.strip())
    if m is None:
        raise NexusError(
            ErrorCode.VALIDATION_FAILED,
            f"window {text!r}: use a whole number from 1 to 99999 and s, m, h, d or w",
        )
    return float(m.group(1)) * UNIT_S[m.group(2)]


def quantile(values: Sequence[float], q: float) -> float:
    """Nearest-rank quantile: the smallest value with at least ``q`` of the values at or below."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _status(value: float | None, target: float, samples: int, min_samples: int) -> SlaStatus:
    if value is None or samples < min_samples:
        return "no_data"
    return "breached" if value > target else "ok"


def _objective(
    sla: SlaSettings,
    window_s: float,
    indicator: Indicator,
    value: float | None,
    target: float,
    samples: int,
) -> SlaObjective:
    return SlaObjective(
        pipeline=sla.pipeline,
        sla=sla.name,
        objective=f"{sla.name}.{indicator}",
        indicator=indicator,
        value=value,
        target=target,
        quantile=sla.quantile if indicator == "duration" else None,
        status=_status(value, target, samples, sla.min_samples),
        window_s=window_s,
        samples=samples,
        min_samples=sla.min_samples,
    )


def evaluate_sla(
    sla: SlaSettings, runs: Iterable[RunSample], now: datetime, window_s: float | None = None
) -> list[SlaObjective]:
    window = window_s or sla.window_s
    since = now - timedelta(seconds=window)
    mine = [r for r in runs if r.pipeline == sla.pipeline and r.finished_at >= since]
    objectives: list[SlaObjective] = []
    if sla.duration_s is not None:
        # Failed runs' durations say nothing about delivery time: the failure rate counts them.
        durations = [d for r in mine if r.status == "succeeded" and (d := r.duration_s) is not None]
        value = quantile(durations, sla.quantile) if durations else None
        objectives.append(
            _objective(sla, window, "duration", value, sla.duration_s, len(durations))
        )
    if sla.max_failure_rate is not None:
        # Cancelled runs were stopped by a person: neither a success nor a failure.
        finished = [r for r in mine if r.status in {"succeeded", "failed"}]
        failed = sum(1 for r in finished if r.status == "failed")
        rate = failed / len(finished) if finished else None
        target = sla.max_failure_rate
        objectives.append(_objective(sla, window, "failure_rate", rate, target, len(finished)))
    return objectives


def evaluate_slas(
    slas: Sequence[SlaSettings],
    runs: Sequence[RunSample],
    now: datetime,
    window_s: float | None = None,
) -> list[SlaObjective]:
    return [o for sla in slas for o in evaluate_sla(sla, runs, now, window_s)]


async def read_objectives(
    source: RunSource,
    slas: Sequence[SlaSettings],
    now: datetime,
    *,
    tenant_id: str | None,
    window_s: float | None = None,
) -> list[SlaObjective]:
    """Read the runs of the widest window once and evaluate every SLA on them."""
    if not slas:
        return []
    widest = window_s or max(s.window_s for s in slas)
    runs = await source(
        since=now - timedelta(seconds=widest),
        pipelines=sorted({s.pipeline for s in slas}),
        tenant_id=tenant_id,
    )
    return evaluate_slas(slas, runs, now, window_s)
