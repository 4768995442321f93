"""Reading one file into a prepared asset: limits, sniffed type, measured facts, the kind,
and the texts to index (ADR 0230). Pure with respect to storage: the library stores it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nexus.asset_knowledge.media import Facts, audio_facts, chunk_text, image_facts
from nexus.asset_knowledge.sniff import SNIFF_BYTES, Family, choose_kind, sniff
from nexus.asset_knowledge.terms import split_words
from nexus.contracts.errors import ErrorCode
from nexus.contracts.studio import AssetKind
from nexus.core.errors import NexusError
from nexus.core.settings import AssetsSettings
from nexus.core.storage import file_sha256

KIND_WORDS: dict[str, str] = {
    "portrait": "portrait 人物 肖像 头像",
    "background": "background scene place 背景 场景",
    "style": "style reference 风格 参考",
    "music": "music track 音乐 配乐",
    "sfx": "sound effect 音效",
    "reference-text": "reference text 参考资料",
}
MAX_TAGS = 50


@dataclass
class AssetInput:
    """One file to add, with what the user said about it."""

    path: Path
    filename: str = ""
    kind: AssetKind | None = None
    tags: Sequence[str] = ()
    entity: str | None = None
    caption: str = ""
    title: str = ""


@dataclass
class Prepared:
    source: AssetInput
    sha256: str
    size_bytes: int
    media_type: str
    family: Family
    kind: AssetKind
    title: str
    tags: list[str]
    facts: Facts
    chunks: list[str] = field(default_factory=list[str])
    keywords: str = ""  # searched by keyword only (colour and kind names in en and zh)


def clean_tags(tags: Sequence[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        for part in tag.split(","):
            value = part.strip().lower()[:64]
            if value and value not in out:
                out.append(value)
    if len(out) > MAX_TAGS:
        raise NexusError(
            ErrorCode.VALIDATION_FAILED, f"at most {MAX_TAGS} tags", fields={"tags": "too many"}
        )
    return out


def _limit(settings: AssetsSettings, family: Family) -> int:
    return {
        "image": settings.max_image_bytes,
        "audio": settings.max_audio_bytes,
        "text": settings.max_text_bytes,
    }[family]


def prepare(item: AssetInput, settings: AssetsSettings) -> Prepared:
    """Check and measure one file. Raises ``unsupported_media_type``, ``asset_too_large``,
    ``asset_type_refused``, ``input_unreadable`` or ``input_empty``."""
    filename = item.filename or item.path.name
    size = item.path.stat().st_size
    if size == 0:
        raise NexusError(ErrorCode.INPUT_EMPTY, f"{filename} is empty")
    with item.path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    media_type, family = sniff(head)
    if size > _limit(settings, family):
        raise NexusError(
            ErrorCode.ASSET_TOO_LARGE,
            f"{filename}: {size} bytes is more than the {_limit(settings, family)} a {family}"
            " asset may have",
        )
    if family == "text":
        facts, body = Facts(), _read_text(item.path, filename)
    elif family == "image":
        facts, body = image_facts(item.path, max_pixels=settings.max_image_pixels), ""
    else:
        facts, body = audio_facts(item.path), ""
    kind = choose_kind(family, item.kind, entity=item.entity, duration_s=facts.duration_s)
    title = (item.title or split_words(filename) or filename).strip()[:300]
    tags = clean_tags(item.tags)
    sha, _ = file_sha256(item.path)
    prepared = Prepared(item, sha, size, media_type, family, kind, title, tags, facts)
    prepared.chunks = index_texts(prepared, body, settings.chunk_chars)
    if family != "text":
        prepared.keywords = " ".join(facts.colour_names)
    return prepared


def _read_text(path: Path, filename: str) -> str:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NexusError(ErrorCode.INPUT_ENCODING, f"{filename} is not UTF-8 text") from exc
    if not text.strip():
        raise NexusError(ErrorCode.INPUT_EMPTY, f"{filename} has no text")
    return text


def index_texts(p: Prepared, body: str, chunk_chars: int) -> list[str]:
    """What is embedded and searched: for media one caption (title, the user's caption,
    entity, tags, the kind's words in en and zh); for text each chunk headed by the title.
    Colour names go to the keyword terms only (``Prepared.keywords``): embedded, they blur
    the caption's meaning."""
    src = p.source
    if p.family == "text":
        return [f"{p.title}\n{chunk}" for chunk in chunk_text(body, chunk_chars=chunk_chars)]
    parts = [p.title]
    if src.caption.strip():
        parts.append(src.caption.strip())
    if src.entity:
        parts.append(src.entity)
    if p.tags:
        parts.append(", ".join(p.tags))
    parts.append(KIND_WORDS[p.kind])
    return [". ".join(parts)]
