"""Entity and subtitle revisions and waveforms, against a real server and a real studio run:
the preview names exactly the nodes the revision then executes (everything else is a cache
hit), a voice change re-runs only that character's speech (not its frames), a cue edit only
the shot's segment and the final film, and the errors carry their codes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.gateway.conftest import World, wait_for_run

pytestmark = pytest.mark.timeout(300)
STORY = (
    "# The Keeper\n\nMara climbed the lighthouse stairs. The lamp was cold and the sea was "
    'grey.\n\n"Is anyone there?" Mara called.\n\n"Only me," said Tom. He held a brass key.\n\n'
    "Mara smiled. Together they lit the lamp, and the ships saw it.\n"
)


def executed(c: httpx.Client, run_id: str) -> list[str]:
    jobs = c.get(f"/api/v1/runs/{run_id}/graph").json()["nodes"]
    return sorted(j["node_key"] for j in jobs if j["status"] == "succeeded" and not j["cache_hit"])


@pytest.fixture(scope="module")
def produced(world: World) -> dict[str, Any]:
    with world.client("editor_a") as c:
        project = c.post("/api/v1/projects", json={"name": "revisions"}).json()
        body = {
            "project_id": project["project_id"],
            "pipeline": "studio",
            "params": {"story": STORY, "resolution": "640x360"},
        }
        r = c.post("/api/v1/runs", json=body)
        assert r.status_code == 201, r.text
        run_id = r.json()["run_id"]
        assert wait_for_run(c, run_id, timeout_s=240)["status"] == "succeeded"
        pack = c.get(f"/api/v1/runs/{run_id}/entities").json()["pack"]
        shots = c.get(f"/api/v1/runs/{run_id}/shots").json()["items"]
    return {"run_id": run_id, "pack": pack, "shots": shots}


def speaker(produced: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A character with dialogue, and the shots it speaks in."""
    for character in produced["pack"]["characters"]:
        spoken = [
            s
            for s in produced["shots"]
            if any(ln["speaker_id"] == character["entity_id"] for ln in s["lines"])
        ]
        if spoken:
            return character, spoken
    raise AssertionError("the story has no dialogue")


def test_a_voice_change_reruns_that_characters_speech_only(
    world: World, produced: dict[str, Any]
) -> None:
    run_id = produced["run_id"]
    character, spoken = speaker(produced)
    voice = "en-male-3" if character["voice"] != "en-male-3" else "en-male-2"
    url = f"/api/v1/runs/{run_id}/entities/{character['entity_id']}/revise"
    with world.client("editor_a") as c:
        preview = c.post(f"{url}/preview", json={"voice": voice})
        assert preview.status_code == 200, preview.text
        rerun = preview.json()["rerun"]
        ids = {s["shot_id"] for s in spoken}
        assert "mix" in rerun and "final" in rerun
        assert not [k for k in rerun if k.endswith(".frame")], rerun  # a voice is not a picture
        others = [k for k in rerun if k.split(".")[0].startswith("shot-")]
        assert {k.split(".")[0] for k in others} <= ids | {
            f"shot-{int(i.split('-')[1]) + 1:03d}" for i in ids
        }
        r = c.post(url, json={"voice": voice})
        assert r.status_code == 202, r.text
        revision = r.json()["run_id"]
        assert wait_for_run(c, revision, timeout_s=240)["status"] == "succeeded"
        assert executed(c, revision) == sorted(rerun)
        pack = c.get(f"/api/v1/runs/{revision}/entities").json()["pack"]
        edited = next(e for e in pack["characters"] if e["entity_id"] == character["entity_id"])
        assert edited["voice"] == voice
        lines = [
            ln
            for s in c.get(f"/api/v1/runs/{revision}/shots").json()["items"]
            for ln in s["lines"]
            if ln["speaker_id"] == character["entity_id"]
        ]
        assert lines and all(ln["voice"].split("-", 1)[1] == voice.split("-", 1)[1] for ln in lines)


def test_a_rename_reruns_only_the_final_film(world: World, produced: dict[str, Any]) -> None:
    character, _ = speaker(produced)
    url = f"/api/v1/runs/{produced['run_id']}/entities/{character['entity_id']}/revise"
    with world.client("viewer_a") as c:
        body = {"name": "Marigold", "aliases": ["Goldie"]}
        assert c.post(f"{url}/preview", json=body).json()["rerun"] == ["final"]
        assert c.post(url, json=body).status_code == 403  # viewers preview, editors revise


def test_a_merge_redraws_the_merged_characters_shots(
    world: World, produced: dict[str, Any]
) -> None:
    characters = produced["pack"]["characters"]
    if len(characters) < 2:
        pytest.skip("the story has one character")
    source, target = characters[1], characters[0]
    touched = {
        s["shot_id"]
        for s in produced["shots"]
        if source["entity_id"] in [s["speaker_id"], *s["character_ids"]]
    }
    url = f"/api/v1/runs/{produced['run_id']}/entities/{source['entity_id']}/revise/preview"
    with world.client("editor_a") as c:
        rerun = c.post(url, json={"merge_into": target["entity_id"]}).json()["rerun"]
    frames = {k.split(".")[0] for k in rerun if k.endswith(".frame")}
    assert frames == touched and "final" in rerun and "mix" in rerun


def test_entity_edit_errors(world: World, produced: dict[str, Any]) -> None:
    run_id = produced["run_id"]
    character, _ = speaker(produced)
    base = f"/api/v1/runs/{run_id}/entities"
    with world.client("editor_a") as c:
        missing = c.post(f"{base}/nobody/revise/preview", json={"name": "X"})
        assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
        empty = c.post(f"{base}/{character['entity_id']}/revise/preview", json={})
        assert empty.json()["code"] == "validation_failed"
        bad = c.post(f"{base}/{character['entity_id']}/revise/preview", json={"voice": "nope"})
        assert bad.json()["code"] == "validation_failed"
        url = f"{base}/{character['entity_id']}/revise/preview"
        things = [e["entity_id"] for e in produced["pack"]["places"] + produced["pack"]["props"]]
        for target in [character["entity_id"], "nobody", *things[:1]]:
            merge = c.post(url, json={"merge_into": target})
            assert merge.status_code == 422 and "merge_into" in str(merge.json()["errors"])
    with world.client("admin_b") as c:
        other = c.post(f"{base}/{character['entity_id']}/revise/preview", json={"name": "X"})
        assert other.status_code == 404  # another tenant's run does not exist


def test_a_cue_edit_reruns_its_segment_and_the_final(
    world: World, produced: dict[str, Any]
) -> None:
    run_id = produced["run_id"]
    with world.client("editor_a") as c:
        page = c.get(f"/api/v1/runs/{run_id}/subtitles").json()
        assert page["ready"] and len(page["items"]) >= 3
        cue = page["items"][1]
        url = f"/api/v1/runs/{run_id}/subtitles/{cue['cue_id']}"
        text = "The lamp was colder than the sea."
        preview = c.post(f"{url}/preview", json={"text": text}).json()["rerun"]
        assert preview == [f"{cue['shot_id']}.segment", "final"]
        r = c.patch(url, json={"text": text})
        assert r.status_code == 202, r.text
        revision = r.json()["run_id"]
        assert wait_for_run(c, revision, timeout_s=240)["status"] == "succeeded"
        assert executed(c, revision) == sorted(preview)
        cues = c.get(f"/api/v1/runs/{revision}/subtitles").json()["items"]
        assert next(x for x in cues if x["cue_id"] == cue["cue_id"])["text"] == text
        assert next(x for x in cues if x["cue_id"] == cue["cue_id"])["edited"]
        media = c.get(f"/api/v1/runs/{revision}/media").json()["items"]
        srt = next(m for m in media if m["name"].endswith(".srt"))
        link = srt["url"] if srt["url"].startswith("http") else world.base_url + srt["url"]
        body = httpx.get(link)
        assert "colder than the sea" in body.text


def test_cue_edit_errors(world: World, produced: dict[str, Any]) -> None:
    run_id = produced["run_id"]
    with world.client("editor_a") as c:
        items = c.get(f"/api/v1/runs/{run_id}/subtitles").json()["items"]
        base = f"/api/v1/runs/{run_id}/subtitles"
        for bad in ("nope", "shot-999.0", f"{items[0]['shot_id']}.99"):
            r = c.post(f"{base}/{bad}/preview", json={"text": "x"})
            assert (r.status_code, r.json()["code"]) == (404, "cue_not_found"), bad
        same_shot = [x for x in items if x["shot_id"] == items[0]["shot_id"]]
        first = same_shot[0]
        past = c.post(
            f"{base}/{first['cue_id']}/preview",
            json={"text": "x", "end_s": first["shot_duration_s"] + 1},
        )
        assert (past.status_code, past.json()["code"]) == (422, "cue_timing_invalid")
        if len(same_shot) > 1:
            overlap = c.post(
                f"{base}/{first['cue_id']}/preview",
                json={"text": "x", "end_s": same_shot[1]["end_s"]},
            )
            assert overlap.json()["code"] == "cue_timing_invalid"
        assert c.patch(f"{base}/{first['cue_id']}", json={"text": ""}).status_code == 422


def test_waveform_peaks_follow_the_speech(world: World, produced: dict[str, Any]) -> None:
    run_id = produced["run_id"]
    with world.client("viewer_a") as c:
        tracks = {
            t: c.get(f"/api/v1/runs/{run_id}/waveform", params={"track": t, "points": 200}).json()
            for t in ("narration", "dialogue", "music", "mix")
        }
        bad = c.get(f"/api/v1/runs/{run_id}/waveform", params={"track": "drums"})
        assert bad.status_code == 422
    narration = tracks["narration"]
    assert narration["points"] == 200 == len(narration["min"]) == len(narration["max"])
    assert len(narration["shots"]) == len(produced["shots"])
    assert abs(sum(s["duration_s"] for s in narration["shots"]) - narration["duration_s"]) < 0.01
    for name, track in tracks.items():
        assert max(track["max"]) > 0.05, name  # each track has sound somewhere
        assert all(lo <= hi for lo, hi in zip(track["min"], track["max"], strict=True))
    # dialogue is silent where only narration speaks: the tracks differ
    assert tracks["dialogue"]["max"] != tracks["narration"]["max"]
