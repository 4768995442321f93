"""Done-when of issue 12, through the API of one embedded platform: a user's own portrait,
backdrop and music are used by a produce, shots.json and entities.json explain the choices,
a rejection and a pin re-run only the shots showing that character and the composition, and
an entity bible carries the cast into a second project. The library is the TEST DOUBLE of
``tests/studio/asset_double.py``; the lead's end-to-end test runs the real one."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image

from nexus.contracts.studio import EntityPack, ShotPlan
from nexus.core.settings import load_settings
from nexus.gateway.app import create_app
from nexus.gateway.security import Passwords
from nexus.gateway.services import accounts
from nexus.platform import Platform
from nexus.workers.video.shot import cast_of, layout_cast, render_shot
from tests.studio.asset_double import TokenLibrary
from tests.studio.asset_fixtures import (
    BLUE,
    STORY,
    YELLOW,
    artifact,
    background,
    executed,
    finish,
    portrait,
    tune,
)

pytestmark = pytest.mark.timeout(300)
SECRET = "asset-test-" + "x" * 40
PASSWORD = "correct horse battery staple"


class World:
    def __init__(self, platform: Platform, api: httpx.AsyncClient, tenant: str, mine: Path):
        self.platform, self.api, self.tenant, self.mine = platform, api, tenant, mine
        self.lib = TokenLibrary()
        platform.registry.services["assets"] = self.lib

    async def run(self, project: str, **body: Any) -> tuple[Any, dict[str, Any], dict[str, Any]]:
        r = await self.api.post("/api/v1/runs", json={"project_id": project, "pipeline": "studio",
                                                      **body})  # fmt: skip
        assert r.status_code == 201, r.text
        return await self.finish(r.json()["run_id"])

    async def finish(self, run_id: str) -> tuple[Any, dict[str, Any], dict[str, Any]]:
        run, outs, jobs = await finish(self.platform, run_id)
        assert run.status == "succeeded", run.error
        return run, outs, jobs


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    settings = load_settings(env="test", data_dir=tmp_path / "data",
                             gateway={"jwt_secret": SECRET})  # fmt: skip
    platform = await Platform(settings).start_embedded()
    _, tenant = await accounts.create_user(
        platform.db, Passwords(), email="ed@a.example", password=PASSWORD, role="admin",
        tenant_slug="a",
    )  # fmt: skip
    app = create_app(settings, platform=platform)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://nexus", timeout=60) as api:  # fmt: skip
        r = await api.post("/api/v1/auth/login", json={"email": "ed@a.example",
                                                       "password": PASSWORD})  # fmt: skip
        api.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        yield World(platform, api, tenant, tmp_path / "mine")
    await platform.close()


def region_rgb(img: Image.Image, box: tuple[float, float, float, float]) -> np.ndarray:
    w, h = img.size
    crop = img.crop((round(box[0] * w), round(box[1] * h), round(box[2] * w), round(box[3] * h)))
    return np.asarray(crop.convert("RGB"), dtype=np.float32).reshape(-1, 3).mean(axis=0)


def card_centre(shot: ShotPlan, pack: EntityPack, who: str) -> tuple[float, float, float, float]:
    """The middle of ``who``'s card in a 640 x 360 frame, as fractions."""
    slot = next(s for s in layout_cast(cast_of(shot, pack), shot.speaker_id, (640, 360),
                                       shot.variant) if s.entity.entity_id == who)  # fmt: skip
    top, half = slot.bottom - slot.height, slot.height * 0.75 / 4
    return ((slot.center_x - half) / 640, (top + slot.height * 0.2) / 360,
            (slot.center_x + half) / 640, (top + slot.height * 0.45) / 360)  # fmt: skip


def is_red(rgb: np.ndarray) -> bool:
    return bool(rgb[0] > rgb[1] + 60 and rgb[0] > rgb[2] + 60)


async def json_artifact(platform: Platform, sha: str) -> Any:
    return json.loads((await artifact(platform, sha)).read_text())


async def test_a_users_cast_is_used_explained_revised_and_carried(world: World) -> None:
    api, lib = world.api, world.lib
    project = (await api.post("/api/v1/projects", json={"name": "Keepers"})).json()["project_id"]
    world.mine.mkdir()
    red_id = lib.add(world.tenant, project, portrait(world.mine / "tom-red.png", (205, 30, 35)),
                     "portrait", ["portrait"], "Tom")  # fmt: skip
    lib.add(world.tenant, project, background(world.mine / "lighthouse.png", BLUE), "background",
            ["lighthouse", "coast"], "the lighthouse")  # fmt: skip
    lib.add(world.tenant, project, tune(world.mine / "calm-sea.wav"), "music", ["calm"], None)
    story = await api.post(f"/api/v1/projects/{project}/stories",
                           json={"title": "The Keeper", "text": STORY})  # fmt: skip
    run, outs, jobs = await world.run(project, story_id=story.json()["story_id"],
                                      params={"resolution": "640x360"})  # fmt: skip
    # the matches, over the API
    got = (await api.get(f"/api/v1/runs/{run.run_id}/assets")).json()
    matches = {m["name"]: m for m in got["matches"]}
    assert got["ready"] and matches["Tom"]["decision"] == "matched"
    assert matches["Tom"]["chosen"]["asset_id"] == red_id
    assert (
        matches["lighthouse"]["decision"] == "matched" and matches["calm"]["decision"] == "matched"
    )
    assert matches["Mara"]["decision"] == "none" and matches["harbour"]["decision"] == "none"
    pack = EntityPack.model_validate(outs["plan"]["pack"])
    tom = next(c.entity_id for c in pack.characters if c.name == "Tom")
    tom_shots = [s["shot_id"] for s in outs["plan"]["shots"] if tom in s["character_ids"]]
    # the pixels: Tom's card is his red picture, the lighthouse's backdrop the blue one
    shot = ShotPlan.model_validate(outs["plan"]["shots"][1])
    assert jobs["shot-001.frame"].skill == "studio.frame_assets"
    assert jobs["shot-002.frame"].skill == "video.storyboard"  # Mara at the harbour: as today
    frame = Image.open(await artifact(world.platform, outs["shot-001.frame"]["frame_sha256"]))
    assert is_red(region_rgb(frame, card_centre(shot, pack, tom)))
    r, g, b = region_rgb(frame, (0.4, 0.03, 0.6, 0.15))  # the sky above the cast
    assert b > r + 50 and b > g + 30, (r, g, b)
    drawn, _ = render_shot(shot, pack, (640, 360))  # the same shot without the library
    assert not is_red(region_rgb(drawn, card_centre(shot, pack, tom)))
    assert jobs["music"].skill == "studio.music_asset" and executed(jobs, "music.bed") == 0
    # the documents say what was chosen and why
    shots_doc = await json_artifact(world.platform, outs["final"]["shots_sha256"])
    used = {a["name"]: a for a in shots_doc[1]["assets"]}
    assert used["Tom"]["asset_id"] == red_id and used["Tom"]["score"] > 0
    assert used["Tom"]["why"] and "added for 'Tom'" in used["Tom"]["reason"]
    assert used["lighthouse"]["decision"] == "matched"
    entities = await json_artifact(world.platform, outs["final"]["entities_sha256"])
    by_name = {e["name"]: e for e in entities["characters"]}
    assert by_name["Tom"]["asset"]["title"] == "tom-red"
    assert (
        by_name["Mara"]["asset"]["decision"] == "none" and entities["music"]["title"] == "calm-sea"
    )

    # a second portrait of Tom, the red one rejected: only Tom's shots and the film re-run
    yellow_id = lib.add(world.tenant, project, portrait(world.mine / "tom-yellow.png", YELLOW),
                        "portrait", ["portrait"], "Tom")  # fmt: skip
    bad = await api.put(f"/api/v1/runs/{run.run_id}/entities/Tom/asset",
                        json={"asset_id": yellow_id, "reject": red_id})  # fmt: skip
    assert bad.status_code == 422 and bad.json()["code"] == "validation_failed"
    bad = await api.put(f"/api/v1/runs/{run.run_id}/entities/Tom/asset", json={"asset_id": "x"})
    assert bad.status_code == 404 and bad.json()["code"] == "asset_not_found"
    bad = await api.put(f"/api/v1/runs/{run.run_id}/entities/Nobody/asset", json={"clear": True})
    assert bad.status_code == 404
    r = await api.put(f"/api/v1/runs/{run.run_id}/entities/Tom/asset", json={"reject": red_id})
    assert r.status_code == 202 and r.json()["entity_id"] == tom
    run_b, outs_b, jobs_b = await world.finish(r.json()["run_id"])
    tom_b = next(m for m in outs_b["assets"]["matches"] if m["entity_id"] == tom)
    assert tom_b["chosen"]["asset_id"] == yellow_id and tom_b["rejected"] == [red_id]
    assert {k for k, j in jobs_b.items() if k.endswith(".frame") and not j.cache_hit} == {
        f"{s}.frame" for s in tom_shots
    }
    assert executed(jobs_b, "studio.asset") == 1  # the yellow file; the others are cached
    assert executed(jobs_b, "studio.clip") <= len(tom_shots)
    for skill in (
        "studio.plan",
        "audio.tts",
        "video.storyboard",
        "studio.mix",
        "studio.music_asset",
    ):
        assert executed(jobs_b, skill) == 0, skill
    assert executed(jobs_b, "studio.final") == 1
    # the red one pinned again: the first run's frames, all cached
    r = await api.put(
        f"/api/v1/runs/{run_b.run_id}/entities/{tom}/asset", json={"asset_id": red_id}
    )
    run_c, outs_c, jobs_c = await world.finish(r.json()["run_id"])
    assert run_c.params["asset_rejects"] == {} and run_c.params["asset_pins"] == {tom: red_id}
    assert executed(jobs_c, "studio.frame_assets") == 0 and executed(jobs_c, "studio.final") == 1
    assert outs_c["shot-001.frame"]["frame_sha256"] == outs["shot-001.frame"]["frame_sha256"]

    # the bible: exported from the project, imported into a second one, same look and voices
    zipped = await api.get(f"/api/v1/projects/{project}/bible")
    assert zipped.status_code == 200 and zipped.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["source_run_id"] == run_c.run_id
    assert {a["name"] for a in manifest["assets"]} == {"Tom", "lighthouse", "calm"}
    second = (await api.post("/api/v1/projects", json={"name": "Keepers II"})).json()["project_id"]
    files = {"file": ("bible.zip", zipped.content, "application/zip")}
    imported = await api.post(f"/api/v1/projects/{second}/bible", files=files)
    assert imported.status_code == 201, imported.text
    voices = {c.name: c.voice for c in pack.characters}
    assert imported.json()["cast"] == voices
    settings = (await api.get(f"/api/v1/projects/{second}")).json()["settings"]
    assert settings["voices"] == voices
    sequel = "# Next Winter\n\nMara came to the lighthouse. Tom was already there.\n\n" + (
        '"The lamp is lit," Tom said.\n\n"Good," Mara said.\n'
    )
    story2 = await api.post(f"/api/v1/projects/{second}/stories",
                            json={"title": "Next Winter", "text": sequel})  # fmt: skip
    run2, outs2, jobs2 = await world.run(second, story_id=story2.json()["story_id"],
                                         params={"resolution": "640x360"})  # fmt: skip
    assert run2.params["cast"] == voices  # the project's kept voices
    tom2 = next(m for m in outs2["assets"]["matches"] if m["name"] == "Tom")
    assert tom2["decision"] == "matched" and tom2["chosen"]["sha256"] == lib.assets[0].sha256
    assert tom2["chosen"]["asset_id"] != red_id  # the second project's own copy
    spoken = {
        (ln["speaker_id"], jobs2[f"{s['shot_id']}.tts.{j}"].params["voice"])
        for s in outs2["plan"]["shots"]
        for j, ln in enumerate(s["lines"])
        if ln["speaker_id"]
    }
    assert spoken == {(c.entity_id, c.voice) for c in pack.characters}  # same ids, same voices
    entities2 = await json_artifact(world.platform, outs2["final"]["entities_sha256"])
    assert {c["name"]: c["voice"] for c in entities2["characters"]} == voices
    assert {c["name"]: c["look"] for c in entities2["characters"]} == {
        c.name: c.model_dump(mode="json")["look"] for c in pack.characters
    }
