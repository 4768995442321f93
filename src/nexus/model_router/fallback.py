"""Failover as a wrapper: try the candidates in order until one answers.

A provider error (down, rate limited past its Retry-After, 5xx, invalid answers) moves on
to the next candidate and reports the hop; a budget refusal moves on only to a cheaper
candidate (the offline engine is free). Anything else is the caller's problem and stops,
and so does any error after part of a streamed answer reached the caller (ADR 0310).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.model_router.adapters.http import retry_cap
from nexus.model_router.decide import Candidate
from nexus.model_router.streaming import after_output

T = TypeVar("T")

FAILOVER_CODES = {
    ErrorCode.PROVIDER_UNAVAILABLE,
    ErrorCode.PROVIDER_RATE_LIMITED,
    ErrorCode.PROVIDER_ERROR,
    ErrorCode.PROVIDER_RESPONSE_INVALID,
    ErrorCode.CONFIG_INVALID,  # e.g. a workflow that does not fit: another provider may
}
Hop = Callable[[Candidate, Candidate, NexusError], Awaitable[None]]


async def run_with_failover(
    candidates: Sequence[Candidate],
    attempt: Callable[[Candidate], Awaitable[T]],
    *,
    failover: bool,
    estimate_usd: Callable[[Candidate], float],
    on_hop: Hop,
    retries_before_failover: int | None = None,
) -> T:
    """``retries_before_failover`` caps each adapter's retries while a later candidate is
    left (the last one retries as configured)."""
    last: NexusError | None = None
    failed: Candidate | None = None
    for index, candidate in enumerate(candidates):
        if failed is not None and last is not None:
            if last.code == ErrorCode.BUDGET_EXHAUSTED and estimate_usd(candidate) >= estimate_usd(
                failed
            ):
                continue
            await on_hop(failed, candidate, last)
        more = failover and index + 1 < len(candidates)
        token = retry_cap.set(retries_before_failover if more else None)
        try:
            return await attempt(candidate)
        except NexusError as exc:
            movable = exc.code in FAILOVER_CODES or exc.code == ErrorCode.BUDGET_EXHAUSTED
            if not (failover and movable) or after_output(exc):
                raise  # after_output: the caller already shows part of this answer
            last, failed = exc, candidate
        finally:
            retry_cap.reset(token)
    if last is not None:
        raise last
    raise NexusError(ErrorCode.NO_CAPABLE_PROVIDER, "no provider can do this")
