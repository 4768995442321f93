"""Cross-language keyword terms (ADR 0245): CC-CEDICT translations of a query's words, and
BM25 finding a caption written only in the other language."""

from __future__ import annotations

from pathlib import Path

from nexus.asset_knowledge import bilingual
from nexus.asset_knowledge.ingest import AssetInput
from nexus.asset_knowledge.terms import terms
from nexus.contracts.assets import AssetAdded
from nexus.core.settings import load_settings
from nexus.platform import Platform

from .conftest import make_image


def test_translations_both_ways_with_shared_weight() -> None:
    zh = bilingual.translations(terms("和尚"))
    assert {"monk", "buddhist"} <= set(zh) and sum(zh.values()) == 1.0
    en = bilingual.translations(terms("lighthouse"))
    assert "灯塔" in en and max(en.values()) <= 1.0
    assert "guzheng" in bilingual.translations(terms("古筝"))  # a gloss with a note in ()
    assert bilingual.translations(terms("xqzvw")) == {}
    both = bilingual.translations(terms("灯塔 lighthouse"))
    assert "灯塔" not in both and "lighthouse" not in both  # the query has them already


def test_dictionary_lines_notes_are_not_translations() -> None:
    lines = [
        "# a comment",
        "和尚 和尚 [he2 shang5] /Buddhist monk/",
        "燈塔 灯塔 [deng1 ta3] /lighthouse/CL:座[zuo4]/",
        "呌 叫 [jiao4] /variant of 叫[jiao4]/",
        "老師 老师 [lao3 shi1] /teacher/CL:個|个[ge4],位[wei4]/",
        "AA制 AA制 [A A zhi4] /to split the bill/",
    ]
    d = bilingual.Dictionary(lines, terms)
    assert d.english("和尚") == ("buddhist", "monk")
    assert d.english("灯塔") == ("lighthouse",) and d.chinese("lighthouse") == ("灯塔",)
    assert d.english("叫") == () and d.chinese("teacher") == ("老师",)
    assert d.english("AA制") == ()


async def _two(platform: Platform, tmp_path: Path) -> dict[str, str]:
    items = {
        "monk": AssetInput(make_image(tmp_path / "a.png", (200, 120, 20)), kind="portrait",
                           caption="a monk in saffron robes"),
        "lamp": AssetInput(make_image(tmp_path / "b.png", (20, 40, 200)), kind="background",
                           caption="海边的灯塔"),
    }  # fmt: skip
    out = await platform.assets.add_many("t1", "p1", list(items.values()))
    return {
        k: o.asset.asset_id for k, o in zip(items, out, strict=True) if isinstance(o, AssetAdded)
    }


async def test_keyword_search_crosses_languages(platform: Platform, tmp_path: Path) -> None:
    ids = await _two(platform, tmp_path)
    monk = await platform.assets.search("t1", "p1", "和尚", method="keyword")
    assert [c.asset_id for c in monk] == [ids["monk"]]
    assert any("monk" in why for why in monk[0].why)
    lamp = await platform.assets.search("t1", "p1", "lighthouse by the sea", method="keyword")
    assert lamp[0].asset_id == ids["lamp"] and any("灯塔" in why for why in lamp[0].why)


async def test_off_keeps_keywords_in_their_language(tmp_path: Path) -> None:
    platform = Platform(
        load_settings(data_dir=tmp_path / "d", log_level="WARNING", assets={"bilingual": False})
    )
    await platform.open()
    try:
        await _two(platform, tmp_path)
        assert await platform.assets.search("t1", "p1", "和尚", method="keyword") == []
    finally:
        await platform.close()
