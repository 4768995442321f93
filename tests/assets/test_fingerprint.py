"""The library's fingerprint per project (ADR 0244): equal exactly while what a search can
see is unchanged (assets added or deleted, the embedding model, the ranking's settings)."""

from __future__ import annotations

from pathlib import Path

from nexus.asset_knowledge.ingest import AssetInput
from nexus.core.settings import load_settings
from nexus.platform import Platform

from .conftest import make_image


async def test_changes_with_what_search_can_see(platform: Platform, tmp_path: Path) -> None:
    lib = platform.assets
    empty = await lib.fingerprint("t1", "p1")
    assert empty == await lib.fingerprint("t1", "p1") == await lib.fingerprint("t1", "p2")
    added = await lib.add("t1", "p1", AssetInput(make_image(tmp_path / "tom.png", (9, 9, 9))))
    one = await lib.fingerprint("t1", "p1")
    assert one != empty and one == await lib.fingerprint("t1", "p1")
    assert await lib.fingerprint("t1", "p2") == empty  # another project's library
    again = await lib.add("t1", "p1", AssetInput(make_image(tmp_path / "tom.png", (9, 9, 9))))
    assert again.duplicate and await lib.fingerprint("t1", "p1") == one
    other = await lib.add("t2", "p1", AssetInput(make_image(tmp_path / "x.png", (1, 2, 3))))
    assert await lib.fingerprint("t1", "p1") == one  # another tenant's library
    assert await lib.fingerprint("t2", "p1") not in (one, empty)
    await lib.delete("t1", added.asset.asset_id)
    gone = await lib.fingerprint("t1", "p1")
    assert gone == empty  # deleted: the searches see what they saw before it was added
    assert other.asset.project_id == "p1"


async def test_ranking_settings_are_part_of_it(tmp_path: Path) -> None:
    prints = []
    for bilingual in (True, False):
        settings = load_settings(
            data_dir=tmp_path / "d", log_level="WARNING", assets={"bilingual": bilingual}
        )
        platform = Platform(settings)
        await platform.open()
        try:
            prints.append(await platform.assets.fingerprint("t1", "p1"))
        finally:
            await platform.close()
    assert prints[0] != prints[1]
