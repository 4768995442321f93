"""Stated time, weather and landmark reach the pixels: measured on rendered frames.

Stories are planned by the real planner and entity extractor, and the shot's frame rendered
by the storyboard renderer; the checks measure the frame (luminance, rain streaks found by
their direction, the lighthouse's lit lamp), not the plan.
"""

from __future__ import annotations

import numpy as np
import pytest
from tests.frame_measures import luma, streakiness

from nexus.contracts.studio import Entity, EntityPack, ShotPlan, SpeechLine
from nexus.entity_core import extract_entities
from nexus.planner import ingest_story, plan_shots
from nexus.workers.video.backdrop import render_backdrop
from nexus.workers.video.shot import render_shot

SIZE = (640, 360)

RAINY_THEN_MORNING = """# The Night Ferry

It was a rainy night at Gull Rock. Cold rain hammered the lighthouse while Ines trimmed the
lamp and watched the black water for the ferry.

"Any sign of them?" asked her brother Paulo from the stairs.

---

The next morning the rain had stopped. Ines walked down to the village market to buy bread,
and the sun was warm on the cobbles.
"""

RAINY_NIGHT_ZH = """# 雨夜

那天夜里下着大雨。阿青一个人守在灯塔上，看着漆黑的海面。

“船还没回来。”阿青说。
"""


def planned(story: str) -> tuple[list[ShotPlan], EntityPack]:
    parsed = ingest_story(story.encode())
    voices = ["en-female-1", "en-male-1"] if parsed.language == "en" else ["zh-female-1"]
    pack = extract_entities(parsed, voices=voices, narrator_voice=f"{parsed.language}-narrator")
    return plan_shots(parsed, pack), pack


def test_rainy_night_then_next_morning_reach_the_frames() -> None:
    shots, pack = planned(RAINY_THEN_MORNING)
    night, morning = shots[0], shots[-1]
    assert (night.time_of_day, night.weather, night.landmark) == ("night", "rain", "lighthouse")
    assert (morning.time_of_day, morning.weather) == ("morning", "clear")
    assert morning.landmark is None  # the market scene is not at the lighthouse
    night_frame, _ = render_shot(night, pack, SIZE)
    morning_frame, _ = render_shot(morning, pack, SIZE)
    assert luma(night_frame).mean() < 70
    assert luma(morning_frame).mean() > luma(night_frame).mean() + 50
    assert streakiness(night_frame) > 0.3
    assert streakiness(morning_frame) < 0.1
    # every shot of the night scene is dark and rainy, not just the one naming it
    for shot in shots:
        if shot.scene_index == night.scene_index:
            frame, _ = render_shot(shot, pack, SIZE)
            assert luma(frame).mean() < 75 and streakiness(frame) > 0.3, shot.text


def test_chinese_rainy_night_shows_rain_and_night() -> None:
    shots, pack = planned(RAINY_NIGHT_ZH)
    assert {(s.time_of_day, s.weather, s.landmark) for s in shots} == {
        ("night", "rain", "lighthouse")
    }
    frame, _ = render_shot(shots[0], pack, SIZE)
    assert luma(frame).mean() < 70 and streakiness(frame) > 0.3


def test_rain_is_drawn_only_when_stated() -> None:
    place = Entity(entity_id="plc_rock", kind="place", name="Gull Rock")
    dry = render_backdrop(place, "", SIZE, time_of_day="night")
    wet = render_backdrop(place, "", SIZE, time_of_day="night", weather="rain")
    clear_word = render_backdrop(place, "it rained", SIZE, time_of_day="night", weather="clear")
    assert streakiness(dry) < 0.1 and streakiness(clear_word) < 0.1
    assert streakiness(wet) > 0.3
    # overcast: the rainy night sky shows no moon, so its brightest sky pixels are dimmer
    sky = slice(0, SIZE[1] // 2)
    assert np.percentile(luma(wet)[sky], 99.9) < np.percentile(luma(dry)[sky], 99.9)


@pytest.mark.parametrize(
    ("time_of_day", "low", "high"),
    [("night", 0, 70), ("dusk", 60, 130), ("morning", 120, 255), ("day", 120, 255)],
)
def test_time_of_day_sets_the_brightness(time_of_day: str, low: float, high: float) -> None:
    place = Entity(entity_id="plc_field", kind="place", name="the far field")
    frame = render_backdrop(place, "", SIZE, time_of_day=time_of_day)
    assert low <= luma(frame).mean() <= high


def test_a_stated_lighthouse_is_drawn_with_its_lamp_lit_at_night() -> None:
    place = Entity(entity_id="plc_rock", kind="place", name="Gull Rock")
    plain = render_backdrop(place, "", SIZE, time_of_day="night")
    with_light = render_backdrop(place, "", SIZE, time_of_day="night", landmark="lighthouse")
    rgb = np.asarray(with_light, dtype=np.int16)
    # the lit lantern: warm, bright pixels that the plain night field does not have
    warm = (rgb[..., 0] > 220) & (rgb[..., 1] > 200) & (rgb[..., 2] < 200)
    plain_rgb = np.asarray(plain, dtype=np.int16)
    plain_warm = (plain_rgb[..., 0] > 220) & (plain_rgb[..., 1] > 200) & (plain_rgb[..., 2] < 200)
    assert warm.sum() > 20 and plain_warm.sum() == 0


@pytest.mark.parametrize("landmark", ["bridge", "tower", "temple", "windmill"])
def test_other_landmarks_change_the_skyline(landmark: str) -> None:
    place = Entity(entity_id="plc_field", kind="place", name="the far field")
    plain = np.asarray(render_backdrop(place, "", SIZE, time_of_day="day"), dtype=np.int16)
    shown = np.asarray(
        render_backdrop(place, "", SIZE, time_of_day="day", landmark=landmark), dtype=np.int16
    )
    changed = np.abs(shown - plain).sum(axis=2) > 40
    assert changed.mean() > 0.02  # a structure covering part of the frame
    assert changed[: SIZE[1] * 2 // 3].mean() > changed[SIZE[1] * 2 // 3 :].mean()  # standing up


def test_shot_without_a_stated_setting_keeps_the_hint_light() -> None:
    pack = EntityPack(language="en", narrator_voice="en-narrator")
    shot = ShotPlan(
        shot_id="shot-0", index=0, scene_index=0, text="Late at night she waited.",
        lines=[SpeechLine(text="Late at night she waited.", voice="en-narrator")],
        duration_target_s=3,
    )  # fmt: skip
    frame, _ = render_shot(shot, pack, SIZE)
    assert luma(frame).mean() < 80
