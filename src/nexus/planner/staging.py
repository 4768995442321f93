"""Staging of planned shots: cast, place, props, camera, transition, prompt and duration target."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Literal

from nexus.contracts import studio
from nexus.entity_core.mentions import MentionIndex
from nexus.planner.groups import Group
from nexus.planner.lines import SHOT_PADDING_S, estimate_lines_s
from nexus.planner.setting import Setting, advance_setting, narration_of

MAX_CAST = 3
_OPENING_MOVES: tuple[studio.CameraMove, ...] = ("pan_right", "zoom_out", "pan_left")
_DIALOGUE_MOVES: tuple[studio.CameraMove, ...] = ("push_in", "static", "zoom_in")
_NARRATION_MOVES: tuple[studio.CameraMove, ...] = (
    "pan_left",
    "zoom_in",
    "pan_right",
    "zoom_out",
    "static",
)


def shot_id_for(index: int) -> str:
    return f"shot-{index:03d}"


def choose_camera(
    key: str, kind: str, scene_start: bool, previous: studio.CameraMove | None
) -> studio.CameraMove:
    """A move picked by hash from the moves that suit the shot, never the previous one."""
    moves = (
        _OPENING_MOVES
        if scene_start
        else _DIALOGUE_MOVES
        if kind == "dialogue"
        else _NARRATION_MOVES
    )
    start = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % len(moves)
    for step in range(len(moves)):
        move = moves[(start + step) % len(moves)]
        if move != previous:
            return move
    return moves[start]


def choose_transition(
    index: int, scene_start: bool, kind: str, previous_kind: str | None
) -> studio.Transition:
    """Fade into a new scene, dissolve between narration shots, cut in conversation."""
    if index == 0 or scene_start:
        return "fade"
    if kind == "narration" and previous_kind == "narration":
        return "dissolve"
    return "cut"


def duration_target(
    lines: list[studio.SpeechLine], bounds: tuple[float, float], rate: Mapping[str, float] | None
) -> float:
    low, high = bounds
    return round(min(high, max(low, estimate_lines_s(lines, rate) + SHOT_PADDING_S)), 2)


def join_texts(texts: Sequence[str], language: str) -> str:
    return ("" if language == "zh" else " ").join(texts)


def _language(lines: list[studio.SpeechLine], default: Literal["zh", "en"]) -> Literal["zh", "en"]:
    zh = sum(1 for line in lines if line.language == "zh")
    if not lines:
        return default
    return "zh" if zh * 2 >= len(lines) else "en"


def _scene_places(story: studio.Story, index: MentionIndex) -> dict[int, str | None]:
    """Each scene's most mentioned place (first mentioned on a tie), else the previous scene's."""
    result: dict[int, str | None] = {}
    carried: str | None = None
    for scene in story.scenes:
        text = " ".join(s.text for s in scene.sentences)
        found = [eid for _, eid in index.find(text) if eid.startswith("plc_")]
        if found:
            counts = Counter(found)
            carried = max(dict.fromkeys(found), key=lambda eid: counts[eid])
        result[scene.index] = carried
    return result


def _scene_settings(story: studio.Story, index: MentionIndex) -> dict[int, Setting]:
    """Each scene's opening setting; an unnamed landmark carries over only to a scene that
    names no place of its own (a new place without a landmark shows none), and "the tower"
    after a lighthouse scene is still the lighthouse."""
    result: dict[int, Setting] = {}
    landmark: studio.Landmark | None = None
    for scene in story.scenes:
        text = narration_of(scene.sentences)
        if scene.landmark == "tower" and landmark == "lighthouse":
            pass
        elif scene.landmark is not None:
            landmark = scene.landmark
        elif any(eid.startswith("plc_") for _, eid in index.find(text)):
            landmark = None
        result[scene.index] = Setting(scene.time_of_day, scene.weather, landmark)
    return result


def _cast(group: Group, text: str, index: MentionIndex, on_stage: list[str]) -> list[str]:
    cast: list[str] = [group.speaker_id] if group.speaker_id else []
    cast += [eid for eid in index.ordered_ids(text) if eid.startswith("chr_") and eid not in cast]
    for line in group.lines:
        if line.speaker_id and line.speaker_id not in cast:
            cast.append(line.speaker_id)
    if group.kind == "dialogue" and len(cast) < 2:
        # Someone is being spoken to: the last other character on stage in this scene.
        cast += [eid for eid in reversed(on_stage) if eid not in cast][:1]
    return cast[:MAX_CAST]


def visual_prompt(
    pack: studio.EntityPack,
    place_id: str | None,
    cast: list[str],
    props: list[str],
    speaker_id: str | None,
    text: str,
    scene_title: str | None,
    setting: Setting | None = None,
) -> str:
    names = {e.entity_id: e.name for e in [*pack.characters, *pack.places, *pack.props]}
    parts: list[str] = []
    if scene_title:
        parts.append(f"scene: {scene_title}")
    parts.append(f"place: {names[place_id]}" if place_id else "place: open landscape")
    if setting is not None:
        stated = [setting.landmark, setting.time_of_day, setting.weather]
        if any(stated):
            parts.append("setting: " + ", ".join(str(v) for v in stated if v))
    if cast:
        who = [names[c] + (" (speaking)" if c == speaker_id else "") for c in cast]
        parts.append("characters: " + ", ".join(who))
    if props:
        parts.append("props: " + ", ".join(names[p] for p in props))
    gist = text if len(text) <= 140 else text[:139].rstrip() + "…"
    parts.append(f"moment: {gist}")
    return "; ".join(parts)


def decorate(
    groups: list[Group],
    story: studio.Story,
    index: MentionIndex,
    pack: studio.EntityPack,
    *,
    bounds: tuple[float, float],
    rate: Mapping[str, float] | None,
) -> list[studio.ShotPlan]:
    """Turn planned groups into ShotPlans, carrying the place and the last speaker forward."""
    default: Literal["zh", "en"] = "en" if story.language == "en" else "zh"
    scene_places = _scene_places(story, index)
    scene_settings = _scene_settings(story, index)
    setting = Setting()
    titles = {scene.index: scene.title for scene in story.scenes}
    shots: list[studio.ShotPlan] = []
    place: str | None = None
    on_stage: list[str] = []
    for i, group in enumerate(groups):
        scene_start = i == 0 or groups[i - 1].scene != group.scene
        if scene_start:
            place, on_stage = scene_places.get(group.scene), []
            setting = scene_settings.get(group.scene, Setting())
        language = _language(group.lines, default)
        text = join_texts(group.texts, language)
        narration = " ".join(line.text for line in group.lines if line.kind == "narration")
        setting = advance_setting(setting, narration)
        mentioned = [eid for eid in index.ordered_ids(narration) if eid.startswith("plc_")]
        place = mentioned[-1] if mentioned else place  # where the action ends up
        cast = _cast(group, text, index, on_stage)
        on_stage = [eid for eid in on_stage if eid not in cast] + cast
        props = [eid for eid in index.ordered_ids(text) if eid.startswith("prp_")]
        previous = shots[-1] if shots else None
        shots.append(
            studio.ShotPlan(
                shot_id=shot_id_for(i),
                index=i,
                scene_index=group.scene,
                text=text,
                lines=group.lines,
                speaker_id=group.speaker_id,
                character_ids=cast,
                place_id=place,
                camera=choose_camera(
                    f"{group.scene}:{i}:{text}",
                    group.kind,
                    scene_start,
                    previous.camera if previous else None,
                ),
                duration_target_s=duration_target(group.lines, bounds, rate),
                visual_prompt=visual_prompt(
                    pack,
                    place,
                    cast,
                    props,
                    group.speaker_id,
                    text,
                    titles.get(group.scene),
                    setting,
                ),
                transition_in=choose_transition(
                    i, scene_start, group.kind, previous.kind if previous else None
                ),
                kind=group.kind,
                prop_ids=props,
                language=language,
                time_of_day=setting.time_of_day,
                weather=setting.weather,
                landmark=setting.landmark,
            )
        )
    return shots
