"""Budget degradation: when a run's estimate exceeds what the budget has left, apply the
degrade policy's steps in order (cheaper provider, fewer shots, lower resolution, offline
engines) until it fits, and say what changed; refuse with ``budget_insufficient`` when the
policy says so or nothing it allows is enough. Pure: the caller measures and quotes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.planner.costing import (
    OFFLINE_QUOTE,
    STAGES,
    Quote,
    RunEstimate,
    Stage,
    Workload,
    estimate_run,
    price,
)

DegradeStep = Literal["cheaper_provider", "fewer_shots", "lower_resolution", "offline", "refuse"]
DEFAULT_POLICY: tuple[DegradeStep, ...] = (
    "cheaper_provider",
    "fewer_shots",
    "lower_resolution",
    "offline",
)
RESOLUTION_LADDER = ("1920x1080", "1280x720", "854x480", "640x360")
PORTRAIT_LADDER = ("1080x1920",)
MIN_SHOTS = 3
SHOT_STEP = 0.75


@dataclass(frozen=True)
class Knobs:
    """What degradation may turn: the shot budget, the size, and each stage's engine."""

    max_shots: int
    resolution: str
    engines: Mapping[Stage, Quote] = field(default_factory=dict[Stage, Quote])


Measure = Callable[[Knobs], tuple[dict[Stage, Workload], int]]


@dataclass
class Outcome:
    knobs: Knobs
    estimate: RunEstimate
    changes: list[str]


class _Run:
    def __init__(self, measure: Measure, options: Mapping[Stage, list[Quote]]) -> None:
        self.measure = measure
        self.options = options

    def estimate(self, knobs: Knobs) -> RunEstimate:
        work, shots = self.measure(knobs)
        return estimate_run(work, knobs.engines, shots=shots, resolution=knobs.resolution)


def initial_engines(options: Mapping[Stage, list[Quote]]) -> dict[Stage, Quote]:
    """Each stage's first option in routing order (offline when nothing else is there)."""
    return {stage: (options.get(stage) or [OFFLINE_QUOTE])[0] for stage in STAGES}


def _costly_first(estimate: RunEstimate) -> list[Stage]:
    return [s.stage for s in sorted(estimate.stages, key=lambda s: -s.cost_usd) if s.cost_usd > 0]


def _cheaper(run: _Run, knobs: Knobs, estimate: RunEstimate, _: float) -> tuple[Knobs, list[str]]:
    engines, changes = dict(knobs.engines), []
    work = {s.stage: s.workload for s in estimate.stages}
    for stage in _costly_first(estimate):
        paid = [q for q in run.options.get(stage, []) if not q.offline]
        if not paid:
            continue
        best = min(paid, key=lambda q: price(q, work[stage]))
        current = engines[stage]
        if price(best, work[stage]) < price(current, work[stage]):
            engines[stage] = best
            changes.append(f"{stage}: {current.label} -> {best.label} (cheaper provider)")
    return replace(knobs, engines=engines), changes


def _fewer(run: _Run, knobs: Knobs, estimate: RunEstimate, left: float) -> tuple[Knobs, list[str]]:
    start = estimate.shots
    current, last = knobs, estimate
    while last.total_usd > left and current.max_shots > MIN_SHOTS:
        fewer = max(MIN_SHOTS, math.floor(min(current.max_shots, last.shots) * SHOT_STEP))
        current = replace(current, max_shots=fewer)
        last = run.estimate(current)
    if last.shots >= start:
        return knobs, []
    return current, [f"shots: {start} -> {last.shots} (fewer, longer shots)"]


def _lower(run: _Run, knobs: Knobs, estimate: RunEstimate, left: float) -> tuple[Knobs, list[str]]:
    if knobs.resolution not in RESOLUTION_LADDER:
        return knobs, []
    current, last = knobs, estimate
    for size in RESOLUTION_LADDER[RESOLUTION_LADDER.index(knobs.resolution) + 1 :]:
        if last.total_usd <= left:
            break
        current = replace(current, resolution=size)
        last = run.estimate(current)
    if last.total_usd >= estimate.total_usd:
        return knobs, ["resolution: no saving at these prices (kept)"]
    return current, [f"resolution: {knobs.resolution} -> {current.resolution}"]


def _offline(
    run: _Run, knobs: Knobs, estimate: RunEstimate, left: float
) -> tuple[Knobs, list[str]]:
    engines, changes = dict(knobs.engines), []
    total = estimate.total_usd
    for stage_estimate in sorted(estimate.stages, key=lambda s: -s.cost_usd):
        stage = stage_estimate.stage
        has_offline = any(q.offline for q in run.options.get(stage, []))
        if total <= left or stage_estimate.cost_usd <= 0 or not has_offline:
            continue
        changes.append(f"{stage}: {engines[stage].label} -> offline engine")
        engines[stage] = OFFLINE_QUOTE
        total -= stage_estimate.cost_usd
    return replace(knobs, engines=engines), changes


_STEPS = {
    "cheaper_provider": _cheaper,
    "fewer_shots": _fewer,
    "lower_resolution": _lower,
    "offline": _offline,
}


def _refuse(estimate: RunEstimate, left: float, changes: list[str]) -> NexusError:
    tried = f" after: {'; '.join(changes)}" if changes else ""
    return NexusError(
        ErrorCode.BUDGET_INSUFFICIENT,
        f"the run would cost about ${estimate.total_usd:.4f} and the budget has "
        f"${left:.4f} left{tried}",
    )


def fit_budget(
    measure: Measure,
    options: Mapping[Stage, list[Quote]],
    knobs: Knobs,
    *,
    remaining_usd: float | None,
    policy: tuple[DegradeStep, ...] | list[DegradeStep] = DEFAULT_POLICY,
) -> Outcome:
    """The knobs after the policy, the estimate they give, and what was changed."""
    run = _Run(measure, options)
    estimate = run.estimate(knobs)
    changes: list[str] = []
    if remaining_usd is None or estimate.total_usd <= remaining_usd:
        return Outcome(knobs, estimate, changes)
    for step in policy:
        if step == "refuse":
            break
        knobs, done = _STEPS[step](run, knobs, estimate, remaining_usd)
        changes += done
        estimate = run.estimate(knobs)
        if estimate.total_usd <= remaining_usd:
            return Outcome(knobs, estimate, changes)
    raise _refuse(estimate, remaining_usd, changes)
