"""Hybrid search: filters before ranking, why each candidate matched, isolation, the
AssetLibrary seam through the platform's registry."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nexus.asset_knowledge import search as search_module
from nexus.asset_knowledge.ingest import AssetInput
from nexus.asset_knowledge.library import AssetLibrary
from nexus.contracts.assets import AssetAdded
from nexus.contracts.router import CallScope
from nexus.platform import Platform

from .conftest import make_image, make_wav


async def _library(platform: Platform, tmp_path: Path) -> dict[str, str]:
    items = {
        "keeper": AssetInput(
            make_image(tmp_path / "lighthouse_keeper.png", (40, 80, 200)),
            caption="白胡子的灯塔老人", tags=["sea", "old"], entity="Old Wang",
        ),
        "girl": AssetInput(
            make_image(tmp_path / "girl_red_coat.png", (200, 30, 30)),
            caption="a girl in a red coat", tags=["child"], entity="Lin",
        ),
        "street": AssetInput(
            make_image(tmp_path / "night_street.jpg", (15, 15, 30)),
            kind="background", caption="雨夜的街道 with neon lights", tags=["night", "rain"],
        ),
        "lighthouse": AssetInput(
            make_image(tmp_path / "cliff_lighthouse.webp", (230, 230, 240)),
            kind="background", caption="海边悬崖上的灯塔", tags=["sea"],
        ),
        "piano": AssetInput(
            make_wav(tmp_path / "sad_piano.wav", seconds=0.5), kind="music",
            caption="悲伤的钢琴曲 slow and sad",
        ),
    }  # fmt: skip
    out = await platform.assets.add_many("t1", "p1", list(items.values()))
    return {
        key: o.asset.asset_id
        for key, o in zip(items, out, strict=True)
        if isinstance(o, AssetAdded)
    }


async def test_finds_in_both_languages_and_explains(platform: Platform, tmp_path: Path) -> None:
    ids = await _library(platform, tmp_path)
    lib: AssetLibrary = platform.registry.services["assets"]
    top = (await lib.search("t1", "p1", "海边的灯塔"))[0]
    assert top.asset_id == ids["lighthouse"]
    assert top.matched_by[:2] == ["keyword", "vector"] and top.keyword_rank == 1
    assert any("灯塔" in why for why in top.why) and any("cosine" in why for why in top.why)
    assert top.score > 0 and top.uri and top.sha256 and top.media_type == "image/webp"
    music = (await lib.search("t1", "p1", "sad piano music"))[0]
    assert music.asset_id == ids["piano"] and music.kind == "music"
    street = await lib.search("t1", "p1", "rainy night street", limit=2)
    assert street[0].asset_id == ids["street"] and "tag" in street[0].matched_by


async def test_filters_apply_before_ranking(platform: Platform, tmp_path: Path) -> None:
    ids = await _library(platform, tmp_path)
    lib = platform.assets
    only_bg = await lib.search("t1", "p1", "lighthouse keeper portrait", kinds=["background"])
    assert {c.kind for c in only_bg} == {"background"} and only_bg[0].asset_id == ids["lighthouse"]
    by_tag = await lib.search("t1", "p1", "anything at all", tags=["SEA"])
    assert {c.asset_id for c in by_tag} == {ids["keeper"], ids["lighthouse"]}
    for_lin = await lib.search("t1", "p1", "portrait", entity="lin")
    assert [c.asset_id for c in for_lin] == [ids["girl"]]
    assert "entity" in for_lin[0].matched_by
    assert await lib.search("t1", "p1", "portrait", entity="nobody") == []
    assert len(await lib.search("t1", "p1", "灯塔", limit=1)) == 1


async def test_methods_alone_and_isolation(platform: Platform, tmp_path: Path) -> None:
    ids = await _library(platform, tmp_path)
    lib = platform.assets
    keyword = await lib.search("t1", "p1", "neon", method="keyword")
    assert [c.asset_id for c in keyword] == [ids["street"]] and keyword[0].vector_rank is None
    vector = await lib.search("t1", "p1", "neon", method="vector", limit=3)
    assert len(vector) == 3 and all(c.keyword_rank is None for c in vector)
    assert await lib.search("t2", "p1", "灯塔") == []  # another tenant
    assert await lib.search("t1", "p2", "灯塔") == []  # another project
    stats = await lib.stats("t1", "p1")
    assert stats.assets == 5 and stats.by_kind["background"] == 2 and stats.stale_chunks == 0


async def test_filtered_vectors_rank_like_the_index(platform: Platform, tmp_path: Path) -> None:
    """A filtered search ranks the allowed chunks in memory (ADR 0246): the same chunks and
    similarities as the vector index's exact search over the same allowed set."""
    await _library(platform, tmp_path)
    lib = platform.assets
    searcher = lib.searcher
    index = await searcher.index("t1", "p1")
    mask = index.mask(["portrait", "background"], None, None)
    assert mask is not None and 0 < mask.sum() < len(index)
    allowed = [index.docs[i].chunk_id for i in range(len(index)) if mask[i]]
    scope = CallScope(tenant_id="t1", project_id="p1")
    for query in ("海边的灯塔", "a girl in red", "night street"):
        model, vector = await lib.embedder.query(scope, query)
        matrix = searcher._matrices[("t1", "p1")]  # pyright: ignore[reportPrivateUsage]
        memory = matrix.search(index, model, vector, mask, 10)
        stored = await lib.vectors.search(model, "t1", "p1", vector, 10, allowed)
        assert [c for c, _ in memory] == [c for c, _ in stored], query
        assert np.allclose([s for _, s in memory], [s for _, s in stored], atol=1e-5)
        found = await lib.search("t1", "p1", query, kinds=["portrait", "background"])
        assert {c.kind for c in found} <= {"portrait", "background"}


async def test_unfiltered_vectors_rank_like_the_index(platform: Platform, tmp_path: Path) -> None:
    """Up to EXACT_MAX_CHUNKS an unfiltered search ranks in memory too (ADR 0247): the same
    chunks and similarities as the vector index; above it, the index answers."""
    await _library(platform, tmp_path)
    lib = platform.assets
    searcher = lib.searcher
    index = await searcher.index("t1", "p1")
    scope = CallScope(tenant_id="t1", project_id="p1")
    calls: list[int] = []
    real = lib.vectors.search

    async def counting(*args: object, **kwargs: object) -> list[tuple[str, float]]:
        calls.append(1)
        return await real(*args, **kwargs)  # type: ignore[arg-type]

    lib.vectors.search = counting  # type: ignore[method-assign]
    for query in ("海边的灯塔", "a girl in red", "night street"):
        model, vector = await lib.embedder.query(scope, query)
        matrix = searcher._matrices[("t1", "p1")]  # pyright: ignore[reportPrivateUsage]
        memory = matrix.search(index, model, vector, None, 10)
        stored = await real(model, "t1", "p1", vector, 10, None)
        assert [c for c, _ in memory] == [c for c, _ in stored], query
        assert np.allclose([s for _, s in memory], [s for _, s in stored], atol=1e-5)
        in_memory = await lib.search("t1", "p1", query, method="vector")
        assert calls == []  # answered from the matrix
        original = search_module.EXACT_MAX_CHUNKS
        search_module.EXACT_MAX_CHUNKS = len(index) - 1
        try:
            from_index = await lib.search("t1", "p1", query, method="vector")
        finally:
            search_module.EXACT_MAX_CHUNKS = original
        assert calls and [c.asset_id for c in from_index] == [c.asset_id for c in in_memory]
        calls.clear()
    assert await lib.search("t1", "p1", "   ", method="vector") == []
