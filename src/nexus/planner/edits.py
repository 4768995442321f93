"""apply_shot_edits: a human revision of shots (text, voice, duration, variant) as pure data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from nexus.contracts import studio
from nexus.core.errors import invalid
from nexus.planner import dialogue
from nexus.planner.lines import make_lines
from nexus.planner.staging import duration_target


def _narrator_voice(shots: list[studio.ShotPlan]) -> str | None:
    for shot in shots:
        for line in shot.lines:
            if line.speaker_id is None and line.kind == "narration":
                return line.voice
    return None


def _speaker_voice(shot: studio.ShotPlan) -> str | None:
    return next(
        (
            ln.voice
            for ln in shot.lines
            if ln.speaker_id == shot.speaker_id and ln.kind == "dialogue"
        ),
        None,
    )


def relines(shot: studio.ShotPlan, text: str, narrator_voice: str) -> list[studio.SpeechLine]:
    """Lines for new shot text: quotations go to the shot's speaker, the rest to the narrator.

    Text without quotation marks in a dialogue shot is the speaker's new line as a whole.
    """
    language: Literal["zh", "en"] = shot.language
    speaker_voice = _speaker_voice(shot) or narrator_voice
    runs = dialogue.split_quotes(text, dialogue.detect_quote_style(text))
    if shot.kind == "dialogue" and all(kind == "narration" for kind, _ in runs):
        runs = [("dialogue", text)]
    lines: list[studio.SpeechLine] = []
    for kind, run in runs:
        spoken = kind == "dialogue" and shot.speaker_id is not None
        lines += make_lines(
            run,
            kind="dialogue" if spoken else "narration",
            speaker_id=shot.speaker_id if spoken else None,
            voice=speaker_voice if spoken else narrator_voice,
            default_language=language,
        )
    if not lines:
        raise invalid("the new shot text has nothing to say", text=text)
    return lines


def _edit_one(
    shot: studio.ShotPlan,
    edit: studio.ShotEdit,
    narrator_voice: str,
    bounds: tuple[float, float],
    rate: Mapping[str, float] | None,
) -> studio.ShotPlan:
    update: dict[str, object] = {}
    lines = shot.lines
    if edit.text is not None:
        lines = relines(shot, edit.text, narrator_voice)
        update["text"] = edit.text
        update["duration_target_s"] = duration_target(lines, bounds, rate)
    if edit.voice is not None:
        # The voice of the shot's speaker, or of the narration in a narration shot.
        lines = [
            ln.model_copy(update={"voice": edit.voice})
            if (ln.speaker_id == shot.speaker_id and (shot.speaker_id or ln.kind == "narration"))
            else ln
            for ln in lines
        ]
    update["lines"] = lines
    if edit.duration_s is not None:
        update["duration_target_s"] = edit.duration_s
    if edit.variant == "next":
        update["variant"] = shot.variant + 1
    elif edit.variant is not None:
        update["variant"] = edit.variant
    return shot.model_copy(update=update)


def apply_shot_edits(
    shots: list[studio.ShotPlan],
    edits: dict[int, studio.ShotEdit],
    *,
    narrator_voice: str | None = None,
    min_shot_s: float = 2.0,
    max_shot_s: float = 12.0,
    speech_rate: Mapping[str, float] | None = None,
) -> list[studio.ShotPlan]:
    """Return new shots with ``edits`` (keyed by ShotPlan.index) applied; others unchanged.

    Editing text re-derives the shot's lines and duration target; ``narrator_voice`` defaults
    to the voice the existing narration uses.
    """
    by_index = {shot.index: shot for shot in shots}
    unknown = sorted(set(edits) - set(by_index))
    if unknown:
        raise invalid(f"no shot with index {unknown[0]}", shot=str(unknown[0]))
    voice = narrator_voice or _narrator_voice(shots)
    result: list[studio.ShotPlan] = []
    for shot in shots:
        edit = edits.get(shot.index)
        if edit is None:
            result.append(shot)
            continue
        fallback = voice or _speaker_voice(shot) or shot.lines[0].voice
        result.append(_edit_one(shot, edit, fallback, (min_shot_s, max_shot_s), speech_rate))
    return result
