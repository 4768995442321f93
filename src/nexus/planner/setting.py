"""Scene settings the text states: time of day, weather and the main landmark (ADR 0111).

Only narration counts (a character saying "see you tomorrow morning" does not make it
morning). Within a text the last cue wins ("It rained all night; by dawn the rain had
stopped" ends at dawn, clear); a phrase that ends a weather ("the rain stopped", "雨停了")
is a ``clear`` cue and outranks the word it contains.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import cast

from nexus.contracts import studio
from nexus.contracts.studio import Landmark, TimeOfDay, Weather

# English words match whole (\b); Chinese ones are two characters or a character that is
# never part of a name in this sense (夜 night, 雾 fog).
_TIME_CUES: dict[str, str] = {
    "dawn": r"\b(?:dawn|daybreak|sunrise|first light)\b|黎明|拂晓|破晓|天亮|天明|日出",
    "morning": r"\bmornings?\b|早上|早晨|清晨|上午|次日清早|第二天一早",
    "day": r"\b(?:noon|midday|afternoon|daytime|broad daylight)\b|中午|正午|下午|白天|午后",
    "dusk": r"\b(?:dusk|sunset|evening|twilight|sundown)\b|黄昏|傍晚|夕阳|日落|暮色",
    "night": r"\b(?:night|nights|nightfall|midnight|tonight|moonlight|moonlit|starlight)\b"
    r"|\bafter dark\b|夜|晚上|月光|天黑|入夜",
}
_WEATHER_CUES: dict[str, str] = {
    "clear": (
        r"\b(?:rain|storm|snow|fog|mist|wind)\s+(?:had\s+)?"
        r"(?:stopped|ended|cleared|passed|lifted|eased|died down|blown over|was over)\b"
        r"|\bstopped raining\b|\bafter the (?:rain|storm)\b"
        r"|\b(?:sunny|sunshine|sunlight|clear sky|clear skies|cloudless)\b"
        r"|(?:雨|风暴|暴风|风雨|大风|台风|雪|雾)(?:终于|已经|渐渐|也)?(?:停|过去|散|住)"
        r"|雨过天晴|放晴|天晴|晴朗|阳光|晴天"
    ),
    "rain": r"\b(?:rain|rains|rainy|raining|rained|drizzle|downpour|raindrops?)\b"
    r"|下雨|大雨|小雨|细雨|雨水|雨中|雨夜|暴雨|雨点|雨滴|冷雨",
    "storm": r"\b(?:storm|storms|stormy|thunder|thunderstorm|lightning|gale|tempest)\b"
    r"|风暴|暴风|雷声|打雷|闪电|台风",
    "snow": r"\b(?:snow|snowing|snowed|snowfall|blizzard|snowflakes?)\b|下雪|大雪|雪花|飘雪",
    "fog": r"\b(?:fog|foggy|mist|misty|haze)\b|大雾|浓雾|雾气|起雾",
}
_LANDMARK_CUES: dict[str, str] = {
    "lighthouse": r"\blighthouses?\b|灯塔",
    "bridge": r"\bbridges?\b|桥",
    "tower": r"\b(?:clock tower|bell tower|tower|belfry|steeple)\b|钟楼|(?<![灯宝])塔",
    "temple": r"\b(?:temple|pagoda|shrine|monastery)\b|寺|庙|宝塔",
    "windmill": r"\bwindmills?\b|风车",
}


def _compile(cues: Mapping[str, str]) -> list[tuple[str, re.Pattern[str]]]:
    return [(name, re.compile(pattern, re.IGNORECASE)) for name, pattern in cues.items()]


_TIME = _compile(_TIME_CUES)
_WEATHER = _compile(_WEATHER_CUES)
_LANDMARK = _compile(_LANDMARK_CUES)


def _matches(text: str, table: list[tuple[str, re.Pattern[str]]]) -> list[tuple[int, int, str]]:
    """(start, -length, name) of every cue, longest first at one position, in text order."""
    found = [
        (m.start(), -(m.end() - m.start()), name)
        for name, pattern in table
        for m in pattern.finditer(text)
    ]
    found.sort()
    kept: list[tuple[int, int, str]] = []
    covered_to = -1
    for start, neg_len, name in found:
        if start < covered_to:
            continue  # inside a longer cue ("rain" in "the rain stopped")
        kept.append((start, neg_len, name))
        covered_to = start - neg_len
    return kept


def last_cue(text: str, table: list[tuple[str, re.Pattern[str]]]) -> str | None:
    found = _matches(text, table)
    return found[-1][2] if found else None


def first_cue(text: str, table: list[tuple[str, re.Pattern[str]]]) -> str | None:
    found = _matches(text, table)
    return found[0][2] if found else None


def stated_time(text: str) -> TimeOfDay | None:
    return cast(TimeOfDay | None, last_cue(text, _TIME))


def stated_weather(text: str) -> Weather | None:
    return cast(Weather | None, last_cue(text, _WEATHER))


def main_landmark(text: str) -> Landmark | None:
    """The landmark named most often (the first named on a tie). A text naming a lighthouse
    calls it "the tower" too: there, tower mentions count for the lighthouse."""
    names = [name for _, _, name in _matches(text, _LANDMARK)]
    if "lighthouse" in names:
        names = ["lighthouse" if name == "tower" else name for name in names]
    if not names:
        return None
    counts = Counter(names)
    return cast(Landmark, max(dict.fromkeys(names), key=lambda name: counts[name]))


@dataclass(frozen=True)
class Setting:
    """Where and when a shot is: each field None when the text never said."""

    time_of_day: TimeOfDay | None = None
    weather: Weather | None = None
    landmark: Landmark | None = None


def opening_setting(scene_text: str, carried: Setting) -> Setting:
    """A scene's setting as it opens: its first stated time and weather, else the carried ones.

    A scene that moves to another time without saying the weather starts with no weather (the
    rain of last night is not assumed to last till noon). Its landmark is the one it names
    most, or None: whether an unnamed one carries over is the stager's call (it knows places).
    """
    time = cast(TimeOfDay | None, first_cue(scene_text, _TIME))
    weather = cast(Weather | None, first_cue(scene_text, _WEATHER))
    opening = carried
    if time is not None:
        opening = replace(opening, time_of_day=time)
        if time != carried.time_of_day and weather is None:
            opening = replace(opening, weather=None)
    if weather is not None:
        opening = replace(opening, weather=weather)
    return replace(opening, landmark=main_landmark(scene_text))


def narration_of(sentences: list[studio.Sentence]) -> str:
    """The narrator's words of some sentences (quotations left out)."""
    return " ".join(p.text for s in sentences for p in s.parts if p.kind == "narration")


def stage_scenes(scenes: list[studio.Scene]) -> list[studio.Scene]:
    """Scenes with the time, weather and landmark their narration states (time and weather
    carried from the scene before when unsaid)."""
    carried = Setting()
    staged: list[studio.Scene] = []
    for scene in scenes:
        carried = opening_setting(narration_of(scene.sentences), carried)
        staged.append(
            scene.model_copy(
                update={
                    "time_of_day": carried.time_of_day,
                    "weather": carried.weather,
                    "landmark": carried.landmark,
                }
            )
        )
    return staged


def advance_setting(current: Setting, narration: str) -> Setting:
    """The setting after a shot's narration: its last stated time and weather win."""
    time, weather = stated_time(narration), stated_weather(narration)
    if time is not None:
        current = replace(current, time_of_day=time)
    if weather is not None:
        current = replace(current, weather=weather)
    return current
