"""Text deltas of a streamed chat answer, passed on to the caller as they arrive.

``ModelClient.chat(..., stream=True, on_delta=cb)`` wraps ``cb`` in a ``DeltaSink`` for
the whole call. The sink counts what it passed on: once a delta has reached the caller, the
answer is committed to that provider. A failure after that point is marked
``extra["streamed_chars"]`` and neither retried nor failed over (ADR 0310): a second
provider would start the answer again under text the caller already showed.
"""

from __future__ import annotations

from collections.abc import Callable

from nexus.core.errors import NexusError

OnDelta = Callable[[str], None]


class DeltaSink:
    """Passes non-empty text deltas to ``downstream`` and counts them."""

    def __init__(self, downstream: OnDelta | None) -> None:
        self.downstream = downstream
        self.chars = 0
        self.deltas = 0

    def __call__(self, text: str) -> None:
        if not text:
            return
        self.chars += len(text)
        self.deltas += 1
        if self.downstream is not None:
            self.downstream(text)

    @property
    def committed(self) -> bool:
        """True once the caller has seen part of this answer."""
        return self.chars > 0

    def mark(self, exc: NexusError) -> NexusError:
        """Record on ``exc`` that the caller already has part of the answer."""
        if self.committed:
            exc.extra["streamed_chars"] = self.chars
        return exc


def after_output(exc: BaseException) -> bool:
    """The error came after part of the answer reached the caller: no retry, no failover."""
    return isinstance(exc, NexusError) and bool(exc.extra.get("streamed_chars"))
