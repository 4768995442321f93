"""The labelled evaluation set (tests/assets/eval/*.json): its files made from their
entries, ingest into a library, and the retrieval metrics (recall@5, MRR, nDCG@10)."""

from __future__ import annotations

import hashlib
import json
import math
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from nexus.asset_knowledge.ingest import AssetInput
from nexus.asset_knowledge.service import AssetService
from nexus.contracts.assets import AssetAdded
from nexus.contracts.router import CallScope

EVAL = Path(__file__).resolve().parent / "eval"
FORMATS = {".png": "PNG", ".jpg": "JPEG", ".webp": "WEBP"}


def load_assets() -> list[dict[str, Any]]:
    return json.loads((EVAL / "assets.json").read_text("utf-8"))


def load_queries() -> list[dict[str, Any]]:
    return json.loads((EVAL / "queries.json").read_text("utf-8"))


def load_heldout() -> list[dict[str, Any]]:
    """The second query set (heldout_queries.json), written after the first had been
    measured and never used to choose anything: each query names one facet and every asset
    carrying it is relevant (the first set's rule)."""
    by_facet: dict[str, list[str]] = {}
    for entry in load_assets():
        for facet in entry["facets"]:
            by_facet.setdefault(facet, []).append(entry["id"])
    queries = json.loads((EVAL / "heldout_queries.json").read_text("utf-8"))
    return [{**q, "relevant": by_facet[q["facet"]]} for q in queries]


def _image(entry: dict[str, Any], path: Path) -> None:
    colour = entry["colour"]
    rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    image = Image.new("RGB", (160, 120), rgb)
    draw = ImageDraw.Draw(image)
    ink = tuple(255 - c for c in rgb)
    if entry["shape"] == "circle":
        draw.ellipse((50, 20, 110, 80), fill=ink)
    elif entry["shape"] == "rectangle":
        draw.rectangle((0, 80, 160, 120), fill=ink)
    else:
        for x in range(0, 160, 32):
            draw.rectangle((x, 0, x + 12, 120), fill=ink)
    # A mark placed by the id's hash: every asset's content is distinct (no duplicates).
    seed = int(hashlib.sha256(entry["id"].encode()).hexdigest()[:8], 16)
    x, y = seed % 150, (seed // 150) % 110
    draw.rectangle((x, y, x + 9, y + 9), fill=(seed % 256, (seed >> 8) % 256, (seed >> 16) % 256))
    image.save(path, format=FORMATS[path.suffix])


def _tone(entry: dict[str, Any], path: Path, rate: int = 8000) -> None:
    t = np.arange(int(rate * float(entry["seconds"]))) / rate
    seed = int(hashlib.sha256(entry["id"].encode()).hexdigest()[:4], 16)
    hz = float(entry["tone_hz"]) + (seed % 997) / 10  # distinct content per asset
    signal = 0.3 * np.sin(2 * math.pi * hz * t)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((signal * 32767).astype("<i2").tobytes())


def materialise(folder: Path) -> list[tuple[str, AssetInput]]:
    """Write every asset's file and return (eval id, what to add) pairs."""
    folder.mkdir(parents=True, exist_ok=True)
    items: list[tuple[str, AssetInput]] = []
    for entry in load_assets():
        path = folder / entry["file"]
        if "text" in entry:
            path.write_text(entry["text"], encoding="utf-8")
        elif "tone_hz" in entry:
            _tone(entry, path)
        else:
            _image(entry, path)
        items.append(
            (
                entry["id"],
                AssetInput(
                    path,
                    kind=entry["kind"],
                    tags=entry["tags"],
                    entity=entry["entity"],
                    caption=entry["caption"],
                ),
            )
        )
    return items


async def ingest(
    library: AssetService, tenant_id: str, project_id: str, folder: Path
) -> dict[str, str]:
    """Add the set; returns asset_id -> eval id."""
    items = materialise(folder)
    added = await library.add_many(tenant_id, project_id, [item for _, item in items])
    ids: dict[str, str] = {}
    for (eval_id, _), outcome in zip(items, added, strict=True):
        assert isinstance(outcome, AssetAdded), (eval_id, outcome)
        assert not outcome.duplicate, eval_id
        ids[outcome.asset.asset_id] = eval_id
    return ids


@dataclass
class Scores:
    recall_at_5: float
    mrr: float
    ndcg_at_10: float
    queries: int

    def as_row(self) -> dict[str, float]:
        return {"recall@5": self.recall_at_5, "MRR": self.mrr, "nDCG@10": self.ndcg_at_10}


def score(rankings: dict[str, list[str]], queries: list[dict[str, Any]]) -> Scores:
    """Mean recall@5, MRR (first relevant in the top 10) and binary nDCG@10."""
    recall = mrr = ndcg = 0.0
    for q in queries:
        relevant = set(q["relevant"])
        ranked = rankings[q["id"]]
        recall += len(relevant & set(ranked[:5])) / len(relevant)
        first = next((i for i, a in enumerate(ranked[:10]) if a in relevant), None)
        mrr += 0.0 if first is None else 1.0 / (first + 1)
        dcg = sum(1.0 / math.log2(i + 2) for i, a in enumerate(ranked[:10]) if a in relevant)
        ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), 10)))
        ndcg += dcg / ideal
    n = len(queries)
    return Scores(round(recall / n, 4), round(mrr / n, 4), round(ndcg / n, 4), n)


async def evaluate(
    library: AssetService,
    tenant_id: str,
    project_id: str,
    ids: dict[str, str],
    method: str,
    queries: list[dict[str, Any]] | None = None,
) -> tuple[Scores, dict[str, list[str]]]:
    queries = queries or load_queries()
    scope = CallScope(tenant_id=tenant_id, project_id=project_id)
    await library.embedder.warm_queries(scope, [q["query"] for q in queries])
    rankings: dict[str, list[str]] = {}
    for q in queries:
        found = await library.search(
            tenant_id,
            project_id,
            q["query"],
            limit=10,
            method=method,  # type: ignore[arg-type]
        )
        rankings[q["id"]] = [ids[c.asset_id] for c in found]
    return score(rankings, queries), rankings
