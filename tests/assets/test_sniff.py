"""Content sniffing by magic bytes, the kinds each family may be, search terms."""

from __future__ import annotations

import pytest

from nexus.asset_knowledge.colours import colour_names, nearest_name
from nexus.asset_knowledge.media import chunk_text
from nexus.asset_knowledge.sniff import choose_kind, sniff
from nexus.asset_knowledge.terms import split_words, terms
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError


@pytest.mark.parametrize(
    ("head", "media_type", "family"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 8, "image/png", "image"),
        (b"\xff\xd8\xff\xe0\0\x10JFIF", "image/jpeg", "image"),
        (b"RIFF\x10\0\0\0WEBPVP8 ", "image/webp", "image"),
        (b"RIFF\x10\0\0\0WAVEfmt ", "audio/wav", "audio"),
        (b"ID3\x04\0\0\0\0\0\0", "audio/mpeg", "audio"),
        (b"\xff\xfb\x90\x64\0\0", "audio/mpeg", "audio"),
        (b"OggS\0\x02\0\0", "audio/ogg", "audio"),
        (b"fLaC\0\0\0\x22", "audio/flac", "audio"),
        (
            "林小雨住在海边。 She keeps the lighthouse.".encode(),
            "text/plain; charset=utf-8",
            "text",
        ),
    ],
)
def test_sniffs_by_content(head: bytes, media_type: str, family: str) -> None:
    assert sniff(head) == (media_type, family)


@pytest.mark.parametrize(
    "head",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3",
        b"%PDF-1.4\n1 0 obj",
        b"PK\x03\x04\x14\0\0\0",  # zip / docx
        b"\x7fELF\x02\x01\x01\0",
        b"GIF89a\x01\0\x01\0",
        "caf\u00e9".encode("latin-1") + b" not utf-8 \xff\xfe",
        b"text with a \x00 NUL byte",
    ],
)
def test_refuses_other_content(head: bytes) -> None:
    with pytest.raises(NexusError) as info:
        sniff(head)
    assert info.value.code is ErrorCode.UNSUPPORTED_MEDIA_TYPE


def test_kind_must_fit_the_content() -> None:
    assert choose_kind("image", None, entity="Lin", duration_s=None) == "portrait"
    assert choose_kind("image", None, entity=None, duration_s=None) == "background"
    assert choose_kind("audio", None, entity=None, duration_s=60) == "music"
    assert choose_kind("audio", None, entity=None, duration_s=1.5) == "sfx"
    assert choose_kind("image", "style", entity=None, duration_s=None) == "style"
    with pytest.raises(NexusError) as info:
        choose_kind("text", "portrait", entity=None, duration_s=None)
    assert info.value.code is ErrorCode.ASSET_TYPE_REFUSED


def test_terms_cover_chinese_english_and_mixed() -> None:
    assert terms("Old lighthouse keepers, running") == ["old", "lighthouse", "keeper", "run"]
    zh = terms("海边的灯塔")
    assert "海边" in zh and "灯塔" in zh and "的" not in zh
    mixed = terms("雨夜 rainy streets")
    assert {"雨夜", "rainy", "street"} <= set(mixed) or {"雨", "夜", "street"} <= set(mixed)
    assert split_words("oldLighthouse_keeper-02.png") == "old Lighthouse keeper 02"


def test_colour_names_in_both_languages() -> None:
    assert nearest_name((30, 60, 200)) == ("blue", "蓝色")
    assert colour_names(["#c81e1e", "#141414"]) == ["red", "红色", "black", "黑色"]


def test_chunks_keep_paragraphs_and_cut_long_ones() -> None:
    text = "First paragraph.\n\n" + "A sentence that goes on. " * 60 + "\n\n最后一段。"
    chunks = chunk_text(text, chunk_chars=200)
    assert all(len(c) <= 200 for c in chunks)
    assert chunks[0].startswith("First paragraph.")
    assert chunks[-1].endswith("最后一段。")
    assert "".join(chunks).count("A sentence that goes on.") == 60
