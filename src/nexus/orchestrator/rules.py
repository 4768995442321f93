"""Transition rules: the one place that decides whether a state change is legal.

A proposal (from, to, context) is checked against the transition table, then against the
ordered rules that apply to it. Outcomes are values (accept / reject / wait), never
exceptions: callers decide what a rejection means (a stale worker drops its result; an API
call answers 409).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from nexus.contracts.errors import ErrorCode
from nexus.orchestrator.states import JobState, RunState

J = JobState
R = RunState

JOB_TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    J.PENDING: frozenset(
        {J.READY, J.AWAITING_APPROVAL, J.SUCCEEDED, J.FAILED, J.CANCELLED, J.SKIPPED}
    ),
    J.READY: frozenset({J.RUNNING, J.CANCELLED, J.PENDING}),
    J.AWAITING_APPROVAL: frozenset({J.READY, J.FAILED, J.CANCELLED}),
    J.RUNNING: frozenset({J.SUCCEEDED, J.FAILED, J.READY, J.CANCELLED}),
    J.SUCCEEDED: frozenset({J.PENDING}),  # regenerate
    J.FAILED: frozenset({J.PENDING}),  # retry
    J.CANCELLED: frozenset({J.PENDING}),  # retry
    J.SKIPPED: frozenset({J.PENDING}),  # retry
}
"""PENDING -> SUCCEEDED is a cache hit: the node's key already has a committed output.
PENDING -> FAILED is a dispatch the gate denied (a budget or a policy; ``readiness``)."""

RUN_TRANSITIONS: dict[RunState, frozenset[RunState]] = {
    R.PENDING: frozenset({R.RUNNING, R.CANCELLED}),
    R.RUNNING: frozenset({R.SUCCEEDED, R.FAILED, R.CANCELLED, R.COMPENSATING}),
    R.COMPENSATING: frozenset({R.FAILED, R.CANCELLED}),
    R.SUCCEEDED: frozenset({R.RUNNING}),  # regenerate a node
    R.FAILED: frozenset({R.RUNNING}),  # retry
    R.CANCELLED: frozenset({R.RUNNING}),  # retry
}


@dataclass(frozen=True)
class Outcome:
    status: Literal["accepted", "rejected", "wait"]
    code: ErrorCode | None = None
    reason: str = ""

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"


ACCEPT = Outcome("accepted")


def reject(code: ErrorCode, reason: str) -> Outcome:
    return Outcome("rejected", code, reason)


def wait(reason: str) -> Outcome:
    return Outcome("wait", None, reason)


@dataclass(frozen=True)
class JobProposal:
    """Everything a rule may look at; built by the command from the locked job row."""

    current: JobState
    proposed: JobState
    run_state: RunState
    attempt: int
    claimed_attempt: int | None = None  # the attempt the caller believes it holds
    max_attempts: int = 1
    error_retryable: bool = False
    lease_expires_at: datetime | None = None
    now: datetime | None = None
    not_before: datetime | None = None
    approved_by_other: bool = True
    is_compensation: bool = False


class JobRule:
    """A rule applies to some (from, to) pairs and returns an Outcome for them."""

    FROM: frozenset[JobState] = frozenset(JobState)
    TO: frozenset[JobState] = frozenset(JobState)

    def applies(self, p: JobProposal) -> bool:
        return p.current in self.FROM and p.proposed in self.TO

    def check(self, p: JobProposal) -> Outcome:
        raise NotImplementedError


class FenceAttempt(JobRule):
    """A worker may only finish or fail the attempt it claimed (fencing token)."""

    FROM = frozenset({J.RUNNING})
    TO = frozenset({J.SUCCEEDED, J.FAILED, J.READY})

    def check(self, p: JobProposal) -> Outcome:
        if p.claimed_attempt is not None and p.claimed_attempt != p.attempt:
            return reject(
                ErrorCode.STALE_ATTEMPT,
                f"attempt {p.claimed_attempt} is stale; attempt {p.attempt} holds the job",
            )
        return ACCEPT


class RunMustBeActive(JobRule):
    """No new work starts in a finished or cancelled run; while compensating, only compensation
    jobs run."""

    TO = frozenset({J.READY, J.RUNNING, J.AWAITING_APPROVAL})

    def check(self, p: JobProposal) -> Outcome:
        if p.is_compensation and p.run_state == R.COMPENSATING:
            return ACCEPT
        if p.run_state not in (R.RUNNING, R.PENDING):
            return reject(ErrorCode.RUN_CANCELLED, f"run is {p.run_state.value}")
        return ACCEPT


class RetryOnlyIfAllowed(JobRule):
    """A failed attempt goes back to READY only if its error is retryable and attempts remain."""

    FROM = frozenset({J.RUNNING})
    TO = frozenset({J.READY})

    def check(self, p: JobProposal) -> Outcome:
        if not p.error_retryable:
            return reject(ErrorCode.SKILL_FAILED, "error is not retryable")
        if p.attempt >= p.max_attempts:
            return reject(
                ErrorCode.RETRIES_EXHAUSTED, f"{p.attempt}/{p.max_attempts} attempts used"
            )
        return ACCEPT


class ClaimWhenDue(JobRule):
    """A job scheduled for a delayed retry cannot be claimed before its backoff ends."""

    FROM = frozenset({J.READY})
    TO = frozenset({J.RUNNING})

    def check(self, p: JobProposal) -> Outcome:
        if p.not_before is not None and p.now is not None and p.now < p.not_before:
            return wait(f"backoff until {p.not_before.isoformat()}")
        return ACCEPT


class ApprovalByAnotherUser(JobRule):
    """An approval must come from a different user than the one who asked for the action."""

    FROM = frozenset({J.AWAITING_APPROVAL})
    TO = frozenset({J.READY})

    def check(self, p: JobProposal) -> Outcome:
        if not p.approved_by_other:
            return reject(ErrorCode.FORBIDDEN, "the requester cannot approve their own action")
        return ACCEPT


JOB_POLICY: tuple[JobRule, ...] = (
    FenceAttempt(),
    RunMustBeActive(),
    RetryOnlyIfAllowed(),
    ClaimWhenDue(),
    ApprovalByAnotherUser(),
)


def evaluate_job(p: JobProposal, policy: tuple[JobRule, ...] = JOB_POLICY) -> Outcome:
    """The only gate for job transitions: the table first, then each applicable rule in order."""
    if p.proposed not in JOB_TRANSITIONS[p.current]:
        return reject(
            ErrorCode.ILLEGAL_TRANSITION,
            f"job cannot go from {p.current.value} to {p.proposed.value}",
        )
    for rule in policy:
        if rule.applies(p):
            outcome = rule.check(p)
            if not outcome.accepted:
                return outcome
    return ACCEPT


def evaluate_run(current: RunState, proposed: RunState) -> Outcome:
    if proposed not in RUN_TRANSITIONS[current]:
        return reject(
            ErrorCode.ILLEGAL_TRANSITION,
            f"run cannot go from {current.value} to {proposed.value}",
        )
    return ACCEPT
