"""What every adapter shares: the httpx client, error classification and the retry loop.

Errors become ``NexusError`` with a provider code: 429 -> ``provider_rate_limited`` (with
the Retry-After seconds in ``extra``), 5xx and other refusals -> ``provider_error``,
timeouts and refused connections -> ``provider_unavailable``, unparseable or truncated
answers -> ``provider_response_invalid``. Retries are bounded (``max_retries``), wait
``Retry-After`` when the provider names one (up to ``MAX_RETRY_AFTER_S``; longer means
"fail over now") and otherwise back off exponentially with full jitter.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_random_exponential

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.core.ids import utcnow
from nexus.model_router.providers import ProviderSpec
from nexus.model_router.streaming import DeltaSink, after_output

T = TypeVar("T")
MAX_RETRY_AFTER_S = 20.0
RETRIED = {
    ErrorCode.PROVIDER_RATE_LIMITED,
    ErrorCode.PROVIDER_ERROR,
    ErrorCode.PROVIDER_UNAVAILABLE,
    ErrorCode.PROVIDER_RESPONSE_INVALID,
}
_backoff = wait_random_exponential(multiplier=0.25, max=4.0)
# Set by the client while another candidate is waiting: retry less, fail over sooner.
retry_cap: ContextVar[int | None] = ContextVar("retry_cap", default=None)


def tls_context() -> ssl.SSLContext:
    """One TLS context for all of a client's adapters: building one (certifi's bundle)
    costs ~0.1-0.4 s, which httpx would otherwise pay for every AsyncClient."""
    return httpx.create_ssl_context()


def make_client(spec: ProviderSpec, tls: ssl.SSLContext | None = None) -> httpx.AsyncClient:
    headers = {"User-Agent": "nexus-model-router"}
    if spec.api_key is not None:
        headers["Authorization"] = f"Bearer {spec.api_key.get_secret_value()}"
    timeout = httpx.Timeout(spec.timeout_s, connect=min(10.0, spec.timeout_s))
    return httpx.AsyncClient(
        base_url=spec.base_url, headers=headers, timeout=timeout, verify=tls or tls_context()
    )


def retry_after_s(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - utcnow()).total_seconds())
    except (TypeError, ValueError):
        return None


def _snippet(response: httpx.Response) -> str:
    try:
        text = response.text
    except (UnicodeDecodeError, httpx.ResponseNotRead):
        return ""
    return text[:200].replace("\n", " ")


def check(provider: str, response: httpx.Response) -> httpx.Response:
    """Raise the provider error a non-2xx answer means."""
    status = response.status_code
    if status < 400:
        return response
    extra: dict[str, Any] = {"provider": provider, "status": status}
    if status == 429:
        extra["retry_after_s"] = retry_after_s(response)
        raise NexusError(
            ErrorCode.PROVIDER_RATE_LIMITED, f"{provider}: rate limited (429)", extra=extra
        )
    raise NexusError(
        ErrorCode.PROVIDER_ERROR, f"{provider}: HTTP {status} {_snippet(response)}", extra=extra
    )


def parse_json(provider: str, response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError as exc:
        raise NexusError(
            ErrorCode.PROVIDER_RESPONSE_INVALID,
            f"{provider}: the answer is not JSON ({exc})",
            extra={"provider": provider},
        ) from exc


def transport_error(provider: str, exc: httpx.HTTPError) -> NexusError:
    if isinstance(exc, httpx.TimeoutException | httpx.ConnectError | httpx.NetworkError):
        return NexusError(
            ErrorCode.PROVIDER_UNAVAILABLE,
            f"{provider}: {type(exc).__name__}",
            extra={"provider": provider},
        )
    return NexusError(
        ErrorCode.PROVIDER_RESPONSE_INVALID,
        f"{provider}: {type(exc).__name__}: {exc}",
        extra={"provider": provider},
    )


def _retryable(exc: BaseException) -> bool:
    if not isinstance(exc, NexusError) or exc.code not in RETRIED:
        return False
    if after_output(exc):
        return False  # the caller already has part of this answer (ADR 0310)
    status = exc.extra.get("status")
    if isinstance(status, int) and 400 <= status < 500 and status not in (408, 409, 429):
        return False  # the request itself is wrong: asking again cannot help
    after = exc.extra.get("retry_after_s")
    return after is None or after <= MAX_RETRY_AFTER_S


def _wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, NexusError):
        after = exc.extra.get("retry_after_s")
        if isinstance(after, int | float):
            return float(after) + _backoff(state) / 8  # a little jitter on top
    return _backoff(state)


async def with_retries(
    spec: ProviderSpec,
    attempt: Callable[[], Awaitable[T]],
    *,
    retries: int | None = None,
    sink: DeltaSink | None = None,
) -> T:
    """Run ``attempt`` with bounded retries; transport errors become provider errors.
    ``sink``: a streamed answer's deltas; once one reached the caller, no retry."""

    async def one() -> T:
        try:
            return await attempt()
        except httpx.HTTPError as exc:
            error = transport_error(spec.name, exc)
            raise (sink.mark(error) if sink is not None else error) from exc
        except NexusError as exc:
            if sink is not None:
                sink.mark(exc)
            raise

    budget = spec.max_retries if retries is None else retries
    cap = retry_cap.get()
    if cap is not None:
        budget = min(budget, cap)
    async for state in AsyncRetrying(
        retry=retry_if_exception(_retryable),
        stop=stop_after_attempt(1 + budget),
        wait=_wait,
        reraise=True,
    ):
        with state:
            return await one()
    raise AssertionError("unreachable: tenacity re-raises the last error")
