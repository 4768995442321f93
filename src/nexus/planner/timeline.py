"""build_timeline: place measured speech inside shots, then clips, audio tracks and subtitles.

Clips run back to back on the frame grid (a transition plays inside the incoming clip, so
nothing overlaps and the timeline's length is the sum of its clips). Lines of a shot play one
after another; each line gets exactly one subtitle cue starting with its speech. A cue lasts
as long as its speech, or longer when its text would otherwise be read faster than the
reading-speed limit (``min_cue_s``): then the cue stays up after the voice stops and the next
line waits for it (ADR 0113).
"""

from __future__ import annotations

import math

from nexus.contracts import studio
from nexus.core.errors import invalid
from nexus.planner.subtitles import min_cue_s, wrap_subtitle

TRANSITION_S: dict[str, float] = {"cut": 0.0, "fade": 0.5, "dissolve": 0.4}
MUSIC_GAIN_DB = -18.0


def _frames_ceil(seconds: float, fps: int) -> float:
    """Round up to a whole frame so clip boundaries fall on frames."""
    return math.ceil(round(seconds * fps, 6)) / fps


def _check(shots: list[studio.ShotPlan], speech: dict[str, list[float]]) -> None:
    for shot in shots:
        durations = speech.get(shot.shot_id)
        if durations is None:
            raise invalid(f"no speech durations for {shot.shot_id}", shot_id=shot.shot_id)
        if len(durations) != len(shot.lines):
            raise invalid(
                f"{shot.shot_id} has {len(shot.lines)} lines but {len(durations)} durations",
                shot_id=shot.shot_id,
            )
        if any(not d > 0 for d in durations):
            raise invalid(
                f"{shot.shot_id} has a non-positive speech duration", shot_id=shot.shot_id
            )


def _slot_s(speech_s: float, cue_text: str) -> float:
    """A line's time on the timeline: its speech, stretched to its cue's reading time."""
    return max(speech_s, math.ceil(min_cue_s(cue_text) * 1000) / 1000)


def build_timeline(
    shots: list[studio.ShotPlan],
    speech_durations: dict[str, list[float]],
    *,
    width: int,
    height: int,
    fps: int = 25,
    gap_s: float = 0.25,
    lead_in_s: float = 0.3,
    tail_s: float = 0.5,
) -> studio.TimelinePlan:
    """Lay shots end to end: shot length = max(target, lead-in + speech + gaps + tail).

    ``speech_durations[shot_id][i]`` is the measured length of ``shot.lines[i]``'s audio.
    """
    if not shots:
        raise invalid("a timeline needs at least one shot")
    if min(gap_s, lead_in_s, tail_s) < 0 or fps <= 0:
        raise invalid("gap, lead-in and tail must be >= 0 and fps > 0")
    _check(shots, speech_durations)
    clips: list[studio.TimelineClip] = []
    audio: list[studio.AudioTrack] = []
    subtitles: list[studio.Subtitle] = []
    start = 0.0
    for shot in shots:
        durations = speech_durations[shot.shot_id]
        texts = [wrap_subtitle(line.text, line.language) for line in shot.lines]
        slots = [_slot_s(d, t) for d, t in zip(durations, texts, strict=True)]
        speech = sum(slots) + gap_s * max(0, len(slots) - 1)
        length = _frames_ceil(max(shot.duration_target_s, lead_in_s + speech + tail_s), fps)
        clips.append(
            studio.TimelineClip(
                shot_id=shot.shot_id,
                start_s=round(start, 3),
                duration_s=round(length, 3),
                transition_in=shot.transition_in,
                transition_s=min(TRANSITION_S[shot.transition_in], length / 4),
            )
        )
        cursor = start + lead_in_s
        for i, (line, seconds) in enumerate(zip(shot.lines, durations, strict=True)):
            begin, end = round(cursor, 3), round(cursor + slots[i], 3)
            audio.append(
                studio.AudioTrack(
                    kind="dialogue" if line.kind == "dialogue" else "narration",
                    shot_id=shot.shot_id,
                    line_index=i,
                    start_s=begin,
                    duration_s=round(seconds, 3),
                )
            )
            subtitles.append(
                studio.Subtitle(
                    start_s=begin, end_s=end, text=texts[i], shot_id=shot.shot_id, line_index=i
                )
            )
            cursor += slots[i] + gap_s
        start += length
    total = round(start, 3)
    audio.append(
        studio.AudioTrack(kind="music", start_s=0.0, duration_s=total, gain_db=MUSIC_GAIN_DB)
    )
    return studio.TimelinePlan(
        width=width,
        height=height,
        fps=fps,
        clips=clips,
        audio=audio,
        subtitles=subtitles,
        duration_s=total,
    )
