"""Stated setting: time of day, weather and landmark from the narration, carried sensibly."""

from __future__ import annotations

import pytest

from nexus.contracts.studio import ShotPlan
from nexus.entity_core import extract_entities
from nexus.planner import ingest_story, plan_shots
from nexus.planner.setting import main_landmark, stated_time, stated_weather


@pytest.mark.parametrize(
    ("text", "time", "weather"),
    [
        ("It was a rainy night in the port.", "night", "rain"),
        ("The next morning the rain had stopped.", "morning", "clear"),
        ("It rained all night; by dawn the storm had passed.", "dawn", "clear"),
        ("At dusk the snow began to fall.", "dusk", "snow"),
        ("那天夜里下着大雨。", "night", "rain"),
        ("第二天早上，雨停了。", "morning", "clear"),
        ("傍晚起了大雾。", "dusk", "fog"),
        ("The knight walked into the Rainier Hotel.", None, None),  # whole words only
        ("She opened the door.", None, None),
    ],
)
def test_cues(text: str, time: str | None, weather: str | None) -> None:
    assert (stated_time(text), stated_weather(text)) == (time, weather)


def test_main_landmark_is_the_most_named() -> None:
    assert main_landmark("The bridge, the lighthouse, the lighthouse again.") == "lighthouse"
    assert main_landmark("They met under the old clock tower.") == "tower"
    assert main_landmark("灯塔上的灯亮了。") == "lighthouse"  # not the tower in 灯塔
    assert main_landmark("山上有一座古寺。") == "temple"
    assert main_landmark("A quiet street.") is None


STORY = """# Harbour Lights

It was a stormy night at Gull Rock. Waves broke over the lighthouse while Ines kept the lamp.

"Tomorrow morning we sail," said her brother Paulo. She did not answer.

Ines climbed down the stairs and sat by the stove.

---

At noon Ines walked to the village market of Porto Alto and bought bread.

---

She sat alone on the bench.
"""


def planned() -> list[ShotPlan]:
    story = ingest_story(STORY.encode())
    pack = extract_entities(story, voices=["en-female-1", "en-male-1"], narrator_voice="n")
    return plan_shots(story, pack)


def test_the_scene_keeps_its_setting_and_dialogue_does_not_change_it() -> None:
    shots = planned()
    first_scene = [s for s in shots if s.scene_index == 0]
    assert len(first_scene) >= 2
    # "Tomorrow morning" is said, not narrated: the night scene stays night for every shot
    assert {(s.time_of_day, s.weather) for s in first_scene} == {("night", "storm")}
    assert {s.landmark for s in first_scene} == {"lighthouse"}


def test_a_new_time_drops_the_weather_and_a_new_place_drops_the_landmark() -> None:
    shots = planned()
    market = [s for s in shots if s.scene_index == 1]
    assert {(s.time_of_day, s.weather, s.landmark) for s in market} == {("day", None, None)}
    # the last scene states nothing and names no place: it carries the market's setting
    last = [s for s in shots if s.scene_index == 2]
    assert {(s.time_of_day, s.weather, s.landmark) for s in last} == {("day", None, None)}


def test_scenes_record_their_opening_setting() -> None:
    story = ingest_story(STORY.encode())
    assert [(sc.time_of_day, sc.weather, sc.landmark) for sc in story.scenes] == [
        ("night", "storm", "lighthouse"),
        ("day", None, None),
        ("day", None, None),
    ]


@pytest.mark.parametrize(
    ("text", "time", "weather"),
    [
        ("By nightfall the wind was howling.", "night", None),
        ("天黑以后，雨点砸在玻璃上。", "night", "rain"),
        ("天亮时，风暴终于停了。", "dawn", "clear"),
        ("After the storm the harbour was calm.", None, "clear"),
    ],
)
def test_more_cues(text: str, time: str | None, weather: str | None) -> None:
    assert (stated_time(text), stated_weather(text)) == (time, weather)


def test_the_tower_of_a_lighthouse_story_is_the_lighthouse() -> None:
    assert main_landmark("守塔人走上灯塔。") == "lighthouse"
    story = ingest_story(
        b"# Keeper\n\nThe lighthouse stood on the rock, and Ada kept its lamp every night.\n\n"
        b"---\n\nThe wind howled around the tower all night while Ada trimmed the wick.\n"
    )
    pack = extract_entities(story, voices=["en-female-1"], narrator_voice="n")
    assert {s.landmark for s in plan_shots(story, pack)} == {"lighthouse"}
