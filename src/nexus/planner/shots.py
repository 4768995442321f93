"""plan_shots: one shot per dialogue turn or narration group, sized by estimated speech.

Policy (ADR 0022): a paragraph of narration is a shot (short ones merge, long ones split at
line boundaries); each run of one speaker's quotations in a paragraph, with its speech tags,
is a shot. Over ``max_shots``, neighbouring shots merge, narration first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from nexus.contracts import studio
from nexus.entity_core.mentions import MentionIndex, build_mention_index
from nexus.planner import staging
from nexus.planner.groups import Group
from nexus.planner.lines import SHOT_PADDING_S, estimate_lines_s, make_lines
from nexus.planner.speakers import SpeakerContext, resolve_speaker
from nexus.planner.text import speech_units

_SHORT_NARRATION_S = 3.5  # narration shorter than this joins the next narration paragraph
_BEAT_WORDS = 8
_BEAT_HAN = 16


@dataclass(frozen=True)
class _Env:
    pack: studio.EntityPack
    index: MentionIndex
    voices: dict[str, str]
    genders: dict[str, str]
    default: Literal["zh", "en"]


def _people_in(text: str, index: MentionIndex) -> list[str]:
    return [eid for eid in index.ordered_ids(text) if eid.startswith("chr_")]


def _is_beat_text(text: str) -> bool:
    han, words = speech_units(text)
    return han <= _BEAT_HAN and words <= _BEAT_WORDS


def _is_beat(sentence: studio.Sentence) -> bool:
    """A short narration sentence ("He smiled.") that stays with the quotation next to it."""
    return _is_beat_text(sentence.text)


def _add_part(
    group: Group,
    part: studio.SentencePart,
    sentence: studio.Sentence,
    speaker: str | None,
    env: _Env,
) -> None:
    spoken = part.kind == "dialogue"
    group.lines += make_lines(
        part.text,
        kind=part.kind,
        speaker_id=speaker if spoken else None,
        voice=env.voices.get(speaker or "", env.pack.narrator_voice)
        if spoken
        else env.pack.narrator_voice,
        default_language=env.default,
    )
    group.add_text(sentence.text)
    group.last_sentence = sentence.index


def _joins_turn(group: Group, sentence: studio.Sentence, speaker: str | None, env: _Env) -> bool:
    """Narration before a quotation joins it when in the same sentence or about the speaker."""
    if group.last_sentence == sentence.index:
        return True
    if len(group.texts) != 1 or speaker is None:
        return False
    text = " ".join(line.text for line in group.lines)
    return speaker in _people_in(text, env.index) and _is_beat_text(text)


def _paragraph_groups(
    sentences: list[studio.Sentence], scene: int, env: _Env, ctx: SpeakerContext
) -> list[Group]:
    """Groups of one paragraph: narration runs, and one group per speaker's run of quotations."""
    narration = " ".join(p.text for s in sentences for p in s.parts if p.kind == "narration")
    people = _people_in(narration, env.index)
    paragraph = sentences[0].paragraph_index
    groups: list[Group] = []
    for sentence in sentences:
        current = groups[-1] if groups else None
        if sentence.kind == "narration":
            beat = current is not None and current.kind == "dialogue" and not current.had_beat
            if current is None or (
                current.kind == "dialogue" and not (beat and _is_beat(sentence))
            ):
                current = Group(scene, "narration", None, paragraph=paragraph)
                groups.append(current)
            elif current.kind == "dialogue":
                current.had_beat = True
            _add_part(current, sentence.parts[0], sentence, None, env)
            for part in sentence.parts[1:]:
                _add_part(current, part, sentence, None, env)
        else:
            for part in sentence.parts:
                speaker = None
                if part.kind == "dialogue":
                    speaker = resolve_speaker(
                        part,
                        paragraph=paragraph,
                        paragraph_people=people,
                        ctx=ctx,
                        index=env.index,
                        genders=env.genders,
                    )
                    current = _turn_group(groups, sentence, speaker, scene, paragraph, env)
                elif current is None:
                    current = Group(scene, "narration", None, paragraph=paragraph)
                    groups.append(current)
                _add_part(current, part, sentence, speaker, env)
        for entity_id in _people_in(sentence.text, env.index):
            ctx.saw(entity_id)
    for group in groups:
        if group.kind == "dialogue":
            if group.speaker_id:
                ctx.saw(group.speaker_id)
            ctx.turns.append((paragraph, group.speaker_id))
    return groups


def _turn_group(
    groups: list[Group],
    sentence: studio.Sentence,
    speaker: str | None,
    scene: int,
    paragraph: int,
    env: _Env,
) -> Group:
    """The group a quotation by ``speaker`` goes into, opening a new one when needed."""
    current = groups[-1] if groups else None
    if current is not None:
        if current.kind == "dialogue" and current.speaker_id == speaker:
            return current
        if current.kind == "narration" and _joins_turn(current, sentence, speaker, env):
            current.kind, current.speaker_id = "dialogue", speaker
            return current
    group = Group(scene, "dialogue", speaker, paragraph=paragraph)
    groups.append(group)
    return group


def _retag(group: Group) -> Group:
    """Kind and speaker from the lines a (split) group actually holds."""
    spoken = [line for line in group.lines if line.kind == "dialogue"]
    if not spoken:
        group.kind, group.speaker_id = "narration", None
    else:
        group.kind, group.speaker_id = "dialogue", spoken[0].speaker_id
    return group


_SENTENCE_END = re.compile(r"[.!?。！？…][”」』\"’)）]*$")
_CLAUSE_END = re.compile(r"[,;:，；：、—][”」』\"’)）]*$")


def _cut_index(lines: list[studio.SpeechLine]) -> int:
    """Where to cut a too-long run of lines: after the last sentence end, else clause end."""
    for pattern in (_SENTENCE_END, _CLAUSE_END):
        ends = [i + 1 for i, line in enumerate(lines[:-1]) if pattern.search(line.text)]
        if ends:
            return ends[-1]
    return len(lines) - 1


def _split_long(group: Group, limit_s: float, rate: Mapping[str, float] | None) -> list[Group]:
    """Cut a group whose speech would overrun ``limit_s``, at sentence ends where possible."""
    chunks: list[list[studio.SpeechLine]] = []
    current: list[studio.SpeechLine] = []
    for line in group.lines:
        if current and estimate_lines_s([*current, line], rate) > limit_s:
            cut = _cut_index([*current, line]) if len(current) > 1 else len(current)
            cut = min(cut, len(current))
            chunks.append(current[:cut])
            current = current[cut:]
        current.append(line)
    chunks.append(current)
    if len(chunks) == 1:
        return [_retag(group)]
    pieces = [
        Group(
            group.scene,
            group.kind,
            group.speaker_id,
            lines=chunk,
            paragraph=group.paragraph,
            texts=[_join_lines(chunk)],
        )
        for chunk in chunks
        if chunk
    ]
    return [_retag(piece) for piece in pieces]


def _join_lines(lines: list[studio.SpeechLine]) -> str:
    joiner = "" if all(line.language == "zh" for line in lines) else " "
    return joiner.join(line.text for line in lines)


def _merge_short_narration(
    groups: list[Group], limit_s: float, rate: Mapping[str, float] | None
) -> list[Group]:
    """Join a short narration group to the next narration group of the same scene."""
    merged: list[Group] = []
    for group in groups:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and prev.kind == "narration"
            and group.kind == "narration"
            and prev.scene == group.scene
            and estimate_lines_s(prev.lines, rate) < _SHORT_NARRATION_S
            and estimate_lines_s(prev.lines + group.lines, rate) <= limit_s
        ):
            prev.lines += group.lines
            prev.texts += group.texts
            continue
        merged.append(group)
    return merged


def _merge_pair(first: Group, second: Group) -> Group:
    first.lines += second.lines
    first.texts += [t for t in second.texts if t not in first.texts]
    return _retag(first)


def _fit_shot_count(
    groups: list[Group], max_shots: int, limit_s: float, rate: Mapping[str, float] | None
) -> list[Group]:
    """Merge neighbours until at most ``max_shots`` remain, in bounded phases.

    1. narration + narration in one scene, staying within the shot limit;
    2. the same past the limit; 3. any two shots of one scene; 4. any two shots.
    Within a phase the pair with the least combined speech merges first.
    """

    def allowed(a: Group, b: Group, phase: int) -> bool:
        same_scene = a.scene == b.scene
        narration = a.kind == b.kind == "narration"
        if phase == 1:
            fits = estimate_lines_s(a.lines + b.lines, rate) <= limit_s
            return same_scene and narration and fits
        if phase == 2:
            return same_scene and narration
        return same_scene if phase == 3 else True

    groups = list(groups)
    while len(groups) > max_shots:
        for phase in (1, 2, 3, 4):
            pairs = [i for i in range(len(groups) - 1) if allowed(groups[i], groups[i + 1], phase)]
            if pairs:
                best = min(
                    pairs,
                    key=lambda i: estimate_lines_s(groups[i].lines + groups[i + 1].lines, rate),
                )
                groups[best : best + 2] = [_merge_pair(groups[best], groups[best + 1])]
                break
    return groups


def plan_shots(
    story: studio.Story,
    pack: studio.EntityPack,
    *,
    max_shots: int = 40,
    min_shot_s: float = 2.0,
    max_shot_s: float = 12.0,
    speech_rate: Mapping[str, float] | None = None,
) -> list[studio.ShotPlan]:
    """Plan the shots of a story: lines with voices, cast, place, camera and a duration target.

    ``speech_rate`` maps "en" to words per second and "zh" to Han characters per second.
    """
    if max_shots < 1 or not 0 < min_shot_s <= max_shot_s:
        raise ValueError("need max_shots >= 1 and 0 < min_shot_s <= max_shot_s")
    env = _Env(
        pack=pack,
        index=build_mention_index([*pack.characters, *pack.places, *pack.props]),
        voices={c.entity_id: c.voice or pack.narrator_voice for c in pack.characters},
        genders={c.entity_id: c.gender for c in pack.characters},
        default="en" if story.language == "en" else "zh",
    )
    ctx = SpeakerContext()
    groups: list[Group] = []
    for scene in story.scenes:
        ctx.turns.clear()
        paragraphs: dict[int, list[studio.Sentence]] = {}
        for sentence in scene.sentences:
            paragraphs.setdefault(sentence.paragraph_index, []).append(sentence)
        for sentences in paragraphs.values():
            groups += _paragraph_groups(sentences, scene.index, env, ctx)
    limit_s = max(min_shot_s, max_shot_s - SHOT_PADDING_S)
    groups = [piece for g in groups if g.lines for piece in _split_long(g, limit_s, speech_rate)]
    groups = _merge_short_narration(groups, limit_s, speech_rate)
    groups = _fit_shot_count(groups, max_shots, limit_s, speech_rate)
    return staging.decorate(
        groups, story, env.index, pack, bounds=(min_shot_s, max_shot_s), rate=speech_rate
    )
