"""The confidence rule, the graph without a library (exactly today's), revisions' params,
and the media made from a user's files (ADR 0240-0242)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pydantic import ValidationError

from nexus.contracts.errors import ErrorCode
from nexus.contracts.studio import AssetCandidate, Look, MatchMethod
from nexus.core.errors import NexusError
from nexus.core.registry import SkillContext
from nexus.platform import build_registry
from nexus.studio import asset_art
from nexus.studio.asset_graph import make_expander
from nexus.studio.asset_revision import AssetChoice, choice_params
from nexus.studio.asset_skills import MatchOut
from nexus.studio.bible import BibleAsset, bible_cast, build_bible, read_bible
from nexus.studio.matching import MatchQuery, MatchRule, decide
from nexus.studio.pipeline import StudioParams, build_studio, expand_shots
from nexus.studio.plan import PlanIn, plan_story
from nexus.workers.video.card import card_size, portrait_card
from tests.studio.asset_double import TokenLibrary
from tests.studio.asset_fixtures import RED, STORY, tune

Q = MatchQuery(entity_id="chr_1", name="Tom", role="character", kind="portrait",
               query="Tom character", names=["Tom"])  # fmt: skip
RULE = MatchRule()


def cand(asset_id: str, rank: int, *, entity: str | None = None,
         by: tuple[MatchMethod, ...] = ("keyword",)) -> AssetCandidate:  # fmt: skip
    return AssetCandidate(asset_id=asset_id, kind="portrait", uri=f"sha256:{asset_id}",
                          score=1 / (60 + rank), matched_by=list(by), entity=entity,
                          title=asset_id, sha256=asset_id)  # fmt: skip


def test_a_lone_candidate_added_for_the_entity_is_a_match() -> None:
    m = decide(Q, [cand("a", 1, entity="Tom")], RULE)
    assert m.decision == "matched" and m.chosen is not None and m.chosen.asset_id == "a"
    assert "added for 'Tom'" in m.reason and "matched by keyword" in m.reason


def test_two_close_candidates_are_not_a_match() -> None:
    m = decide(Q, [cand("a", 1, entity="Tom"), cand("b", 2, entity="Tom")], RULE)
    assert m.decision == "unsure" and m.chosen is None and "runner-up" in m.reason
    assert [c.asset_id for c in m.runner_ups] == ["a", "b"]


def test_the_entitys_own_asset_beats_a_close_stranger() -> None:
    m = decide(Q, [cand("a", 1, entity="Tom"), cand("b", 2)], RULE)
    assert m.decision == "matched" and [c.asset_id for c in m.runner_ups] == ["b"]


def test_a_clear_lead_without_entity_is_a_match() -> None:
    far = cand("b", 2).model_copy(update={"score": 0.005})
    assert decide(Q, [cand("a", 1), far], RULE).decision == "matched"


def test_similarity_only_and_low_scores_are_refused() -> None:
    m = decide(Q, [cand("a", 1, by=("vector",))], RULE)
    assert m.decision == "unsure" and "similarity only" in m.reason
    assert decide(Q, [cand("a", 1, by=("vector",))], MatchRule(require_lexical=False)).chosen
    low = cand("a", 1).model_copy(update={"score": 0.001})
    assert "under the threshold" in decide(Q, [low], RULE).reason
    assert decide(Q, [], RULE).decision == "none"


def test_pins_win_and_rejections_are_never_used() -> None:
    pinned = cand("z", 9)
    m = decide(Q, [cand("a", 1, entity="Tom")], RULE, pinned=pinned)
    assert m.decision == "pinned" and m.chosen is not None and m.chosen.asset_id == "z"
    assert "pinned by the user" in m.chosen.why
    m = decide(Q, [cand("a", 1, entity="Tom"), cand("b", 2, entity="Tom")], RULE, rejected=["a"])
    assert m.decision == "matched" and m.chosen is not None and m.chosen.asset_id == "b"
    assert m.rejected == ["a"]


async def test_without_a_library_the_graph_is_todays() -> None:
    registry = build_registry()
    p = StudioParams(story=STORY, resolution="640x360")
    studio = registry.pipeline("studio")
    assert studio.build(p) == build_studio(p) == await studio.nodes(p, "t1", "p1")
    registry.services["assets"] = TokenLibrary()
    nodes = await studio.nodes(p, "t1", "p1")
    assert [n.key for n in nodes] == ["plan", "assets", "final"]
    assert nodes[0].expand is None and nodes[1].expand == "studio.expand_matched"
    assert nodes[2].gather == "assets" and nodes[2].after == ["plan", "assets"]


async def test_the_matching_node_is_keyed_on_the_projects_library(tmp_path: Path) -> None:
    """ADR 0244: the same library gives the same params (a cache hit); an asset added to the
    project changes them; another project's library does not."""
    registry = build_registry()
    library = TokenLibrary()
    registry.services["assets"] = library
    studio = registry.pipeline("studio")
    p = StudioParams(story=STORY, resolution="640x360")

    async def params(project: str) -> dict[str, object]:
        return next(n for n in await studio.nodes(p, "t1", project) if n.key == "assets").params

    first = await params("p1")
    assert first == await params("p1") and first["library"]
    library.add("t1", "p2", tune(tmp_path / "elsewhere.wav", 1.0), "music", [], None)
    assert await params("p1") == first
    library.add("t1", "p1", tune(tmp_path / "calm.wav", 1.0), "music", [], None)
    assert (await params("p1"))["library"] != first["library"]


def test_nothing_matched_expands_like_today(tmp_path: Path) -> None:
    ctx = SkillContext("r", "j", "plan", 1, tmp_path)
    plan = plan_story(PlanIn(story=STORY, resolution="640x360"), ctx).model_dump(mode="json")
    run = StudioParams(story=STORY).model_dump(mode="json")
    node = build_studio(StudioParams(story=STORY))[0]
    out = MatchOut(plan=plan, matches=[]).model_dump(mode="json")
    assert make_expander(expand_shots)(node, out, run) == expand_shots(node, plan, run)


def test_choice_params_pin_reject_clear() -> None:
    base = {"story": "x", "asset_pins": {}, "asset_rejects": {}}
    rejected = choice_params(base, "chr_1", AssetChoice(reject="a"))
    assert rejected["asset_rejects"] == {"chr_1": ["a"]}
    pinned = choice_params(rejected, "chr_1", AssetChoice(asset_id="a"))
    assert pinned["asset_pins"] == {"chr_1": "a"} and pinned["asset_rejects"] == {}
    assert choice_params(pinned, "chr_1", AssetChoice(clear=True))["asset_pins"] == {}
    with pytest.raises(NexusError) as err:
        choice_params(base, "chr_1", AssetChoice(asset_id="a", reject="b"))
    assert err.value.code == ErrorCode.VALIDATION_FAILED


def test_music_is_looped_to_length_at_the_beds_peak(tmp_path: Path) -> None:
    bed = asset_art.music_bed(tune(tmp_path / "t.wav", 2.0), 5.0)
    assert bed.shape == (5 * 48_000, 2)
    assert abs(float(np.abs(bed).max()) - asset_art.BED_PEAK) < 1e-3
    assert float(np.abs(bed[3 * 48_000 : 3 * 48_000 + 4800]).max()) > 0.3  # the loop plays on


def test_unusable_files_are_refused_clearly(tmp_path: Path) -> None:
    junk = tmp_path / "notes.png"
    junk.write_text("not a picture")
    for call in (lambda: asset_art.open_picture(junk), lambda: asset_art.music_bed(junk, 3.0)):
        with pytest.raises(NexusError) as err:
            call()
        assert err.value.code == ErrorCode.ASSET_UNUSABLE


def test_a_card_is_the_busts_size_framed_in_the_accent() -> None:
    look = Look(palette=["#f2d3b8", "#2b2320", "#3f6fb0", "#5fa8d3"], hair_style=0,
                face_shape=0, accessory=0)  # fmt: skip
    card = portrait_card(Image.new("RGB", (300, 900), RED), look, 400)
    assert card.size == card_size(400) == (300, 400)
    assert card.getpixel((150, 200))[:3] == RED  # the picture, centre-cropped
    assert card.getpixel((3, 200))[:3] == (0x5F, 0xA8, 0xD3)  # the accent border
    assert card.getpixel((0, 0))[3] == 0  # rounded corner


def test_a_tampered_bible_is_refused(tmp_path: Path) -> None:
    sha = hashlib.sha256(b"png").hexdigest()
    entry = BibleAsset(entity_id="chr_1", name="Tom", role="character", kind="portrait",
                       file="assets/chr_1.png", sha256=sha)  # fmt: skip
    doc = {"characters": [{"name": "Tom", "voice": "en-male-1"}]}
    good = build_bible(doc, [(entry, b"png")], run_id="r", project_id="p")
    manifest, entities, paths = read_bible(good, tmp_path / "ok")
    assert paths[0].read_bytes() == b"png" and bible_cast(good) == {"Tom": "en-male-1"}
    assert manifest.assets[0].name == "Tom" and entities == doc
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(buf, "w") as dst:
        for item in src.namelist():
            dst.writestr(item, b"jpg" if item.endswith(".png") else src.read(item))
    for data in (buf.getvalue(), b"not a zip"):
        with pytest.raises(NexusError) as err:
            read_bible(data, tmp_path / "bad")
        assert err.value.code == ErrorCode.BIBLE_INVALID


def test_a_cast_with_an_unknown_voice_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown voice ids in cast: nope"):
        StudioParams(story=STORY, cast={"Tom": "nope"})
