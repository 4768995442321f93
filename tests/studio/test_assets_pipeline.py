"""A user's own portraits, backdrop and music used by a produce (issue 12 item 5), with the
matches explained in shots.json and entities.json; a rejection and a pin re-run only the
shots showing that character and the composition. The library is the TEST DOUBLE of
``tests/studio/asset_double.py``; the lead's end-to-end test runs the real one."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nexus.contracts.studio import EntityPack, ShotPlan
from nexus.core.settings import load_settings
from nexus.platform import Platform
from nexus.studio.asset_revision import AssetChoice, choice_params
from nexus.workers.video.shot import cast_of, layout_cast, render_shot
from tests.studio.asset_fixtures import (
    STORY,
    YELLOW,
    artifact,
    executed,
    finish,
    portrait,
    user_library,
)

pytestmark = pytest.mark.timeout(300)
PARAMS = {"story": STORY, "resolution": "640x360"}


@pytest.fixture
async def platform(tmp_path: Path) -> AsyncIterator[Platform]:
    settings = load_settings(env="test", data_dir=tmp_path / "data")
    p = await Platform(settings).start_embedded()
    p.registry.services["assets"] = user_library(tmp_path / "mine")
    yield p
    await p.close()


def region_rgb(img: Image.Image, box: tuple[float, float, float, float]) -> np.ndarray:
    w, h = img.size
    crop = img.crop((round(box[0] * w), round(box[1] * h), round(box[2] * w), round(box[3] * h)))
    return np.asarray(crop.convert("RGB"), dtype=np.float32).reshape(-1, 3).mean(axis=0)


def card_centre(shot: ShotPlan, pack: EntityPack, who: str) -> tuple[float, ...]:
    """The middle of ``who``'s card in the frame, as fractions of 640 x 360."""
    slot = next(s for s in layout_cast(cast_of(shot, pack), shot.speaker_id, (640, 360),
                                       shot.variant) if s.entity.entity_id == who)  # fmt: skip
    top, half = slot.bottom - slot.height, slot.height * 0.75 / 2
    x0, x1 = (slot.center_x - half * 0.5) / 640, (slot.center_x + half * 0.5) / 640
    return (x0, (top + slot.height * 0.2) / 360, x1, (top + slot.height * 0.45) / 360)


async def test_users_assets_are_used_explained_and_revised(platform: Platform) -> None:
    run_id, _ = await platform.create_run("studio", PARAMS)
    run, outs, jobs = await finish(platform, run_id)
    assert run.status == "succeeded", run.error
    matches = {m["name"]: m for m in outs["assets"]["matches"]}
    assert (
        matches["Tom"]["decision"] == "matched" and matches["Tom"]["chosen"]["title"] == "tom-red"
    )
    assert matches["lighthouse"]["decision"] == "matched"
    assert matches["calm"]["decision"] == "matched"  # the music mood
    assert matches["Mara"]["decision"] == "none" and matches["harbour"]["decision"] == "none"
    pack = EntityPack.model_validate(outs["plan"]["pack"])
    tom = next(c.entity_id for c in pack.characters if c.name == "Tom")
    # the frames: Tom's card is his red picture, the lighthouse's backdrop the blue one
    shot = ShotPlan.model_validate(outs["shot-001.frame"] and outs["plan"]["shots"][1])
    assert jobs["shot-001.frame"].skill == "studio.frame_assets"
    assert jobs["shot-002.frame"].skill == "video.storyboard"  # Mara at the harbour: as today
    frame = Image.open(await artifact(platform, outs["shot-001.frame"]["frame_sha256"]))
    r, g, b = region_rgb(frame, card_centre(shot, pack, tom))
    assert r > g + 60 and r > b + 60, (r, g, b)
    r, g, b = region_rgb(frame, (0.4, 0.03, 0.6, 0.15))  # sky above the cast: the blue picture
    assert b > r + 50 and b > g + 30, (r, g, b)
    drawn, _ = render_shot(shot, pack, (640, 360))  # the same shot without the library
    r0, g0, b0 = region_rgb(drawn, card_centre(shot, pack, tom))
    assert not (r0 > g0 + 60 and r0 > b0 + 60)
    assert jobs["music"].skill == "studio.music_asset" and executed(jobs, "music.bed") == 0
    # the documents say what was chosen and why
    final = outs["final"]
    shots_doc = json.loads((await artifact(platform, final["shots_sha256"])).read_text())
    used = {a["name"]: a for a in shots_doc[1]["assets"]}
    assert used["Tom"]["asset_id"] == matches["Tom"]["chosen"]["asset_id"]
    assert used["Tom"]["score"] > 0 and used["Tom"]["why"] and "score" in used["Tom"]["reason"]
    assert used["lighthouse"]["decision"] == "matched"
    entities = json.loads((await artifact(platform, final["entities_sha256"])).read_text())
    by_name = {e["name"]: e for e in entities["characters"]}
    assert (
        by_name["Tom"]["asset"]["title"] == "tom-red"
        and by_name["Mara"]["asset"]["decision"] == "none"
    )
    assert entities["music"]["title"] == "calm-sea"
    tom_shots = [s["shot_id"] for s in outs["plan"]["shots"] if tom in s["character_ids"]]

    # a second portrait of Tom, and the user rejects the red one: only Tom's shots re-run
    lib = platform.registry.services["assets"]
    folder = Path(lib.assets[0].path).parent
    yellow_id = lib.add("local", "default", portrait(folder / "tom-yellow.png", YELLOW),
                        "portrait", ["portrait"], "Tom")  # fmt: skip
    red_id = matches["Tom"]["chosen"]["asset_id"]
    params = choice_params(run.params, tom, AssetChoice(reject=red_id))
    b_id, _ = await platform.create_run("studio", params, parent_run_id=run_id)
    run_b, outs_b, jobs_b = await finish(platform, b_id)
    assert run_b.status == "succeeded", run_b.error
    tom_b = next(m for m in outs_b["assets"]["matches"] if m["entity_id"] == tom)
    assert tom_b["chosen"]["asset_id"] == yellow_id and tom_b["rejected"] == [red_id]
    assert executed(jobs_b, "studio.frame_assets") == len(tom_shots)
    assert {k for k, j in jobs_b.items() if k.endswith(".frame") and not j.cache_hit} == {
        f"{s}.frame" for s in tom_shots
    }
    assert executed(jobs_b, "video.storyboard") == 0 and executed(jobs_b, "studio.plan") == 0
    assert executed(jobs_b, "studio.asset") == 1  # the yellow file; the others are cached
    assert executed(jobs_b, "studio.clip") <= len(tom_shots)
    assert executed(jobs_b, "studio.mix") == 0 and executed(jobs_b, "studio.music_asset") == 0
    assert executed(jobs_b, "studio.final") == 1 and executed(jobs_b, "audio.tts") == 0

    # pinning the red one again: the frames are those of the first run, all cached
    params_c = choice_params(run_b.params, tom, AssetChoice(asset_id=red_id))
    assert params_c["asset_rejects"] == {}
    c_id, _ = await platform.create_run("studio", params_c, parent_run_id=b_id)
    run_c, outs_c, jobs_c = await finish(platform, c_id)
    assert run_c.status == "succeeded", run_c.error
    tom_c = next(m for m in outs_c["assets"]["matches"] if m["entity_id"] == tom)
    assert tom_c["decision"] == "pinned" and tom_c["chosen"]["asset_id"] == red_id
    assert executed(jobs_c, "studio.frame_assets") == 0
    assert outs_c["shot-001.frame"]["frame_sha256"] == outs["shot-001.frame"]["frame_sha256"]
    assert executed(jobs_c, "studio.final") == 1
