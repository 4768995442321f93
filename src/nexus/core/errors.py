"""The one error tree. Domain code raises ``NexusError``; the gateway maps it to HTTP."""

from __future__ import annotations

from typing import Any

from nexus.contracts.errors import ErrorCode


class NexusError(Exception):
    """An error with a stable code; ``retryable`` and the HTTP status come from the registry."""

    def __init__(
        self,
        code: ErrorCode,
        detail: str | None = None,
        *,
        fields: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.code = code
        self.detail = detail or code.message
        self.fields = fields or {}
        self.extra = extra or {}
        super().__init__(f"[{code.value}] {self.detail}")

    @property
    def retryable(self) -> bool:
        return self.code.retryable

    @property
    def http_status(self) -> int:
        return self.code.http_status


def not_found(code: ErrorCode, what: str, ident: str) -> NexusError:
    return NexusError(code, f"{what} {ident!r} does not exist")


def invalid(detail: str, **fields: str) -> NexusError:
    return NexusError(ErrorCode.VALIDATION_FAILED, detail, fields=fields)


def transient(detail: str) -> NexusError:
    return NexusError(ErrorCode.TRANSIENT_FAILURE, detail)


def from_exception(exc: BaseException) -> NexusError:
    """Classify any exception: ours keep their code, anything else is SKILL_FAILED."""
    if isinstance(exc, NexusError):
        return exc
    return NexusError(ErrorCode.SKILL_FAILED, f"{type(exc).__name__}: {exc}")
