"""Scoring of one engine's output against the labelled set: entity matching and quote alignment.

Pure functions over plain data, so an LLM-assisted engine is scored exactly like the rules.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class PredEntity:
    """An entity as an engine found it."""

    entity_id: str
    name: str
    aliases: list[str] = field(default_factory=list)
    gender: str = "unknown"

    def forms(self) -> set[str]:
        return {norm_form(f) for f in (self.name, *self.aliases)}


@dataclass
class Prediction:
    """What an engine says about one story: entities and the spoken stream in reading order."""

    characters: list[PredEntity]
    places: list[PredEntity]
    lines: list[tuple[str, str | None, str]]  # (text, speaker entity_id or None, kind)


@dataclass
class Label:
    name: str
    aliases: list[str] = field(default_factory=list)
    gender: str | None = None

    def forms(self) -> set[str]:
        return {norm_form(f) for f in (self.name, *self.aliases)}


@dataclass
class Labels:
    language: str
    characters: list[Label]
    places: list[Label]
    quotes: list[tuple[str, str]]  # (speaker name or "narrator", first words)
    titles: list[str]
    optional_places: set[str]
    optional_characters: set[str]


def load_labels(path: Path) -> Labels:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    optional = data.get("optional", {})
    return Labels(
        language=data["language"],
        characters=[
            Label(c["name"], c.get("aliases", []), c.get("gender")) for c in data["character"]
        ],
        places=[Label(p["name"], p.get("aliases", [])) for p in data.get("place", [])],
        quotes=[(q[0], q[1]) for q in data.get("quotes", [])],
        titles=list(data.get("titles", [])),
        optional_places={norm_form(p) for p in optional.get("places", [])},
        optional_characters={norm_form(p) for p in optional.get("characters", [])},
    )


def norm_form(text: str) -> str:
    """Case, curly apostrophes, a leading "the" and spacing do not make two names differ."""
    text = text.replace("’", "'").strip().casefold()
    text = re.sub(r"^the\s+", "", text)
    return re.sub(r"\s+", " ", text)


def norm_speech(text: str) -> str:
    """Letters, digits and Han only: cue splitting and speakable() punctuation do not matter."""
    return re.sub(r"[\W_]+", "", text.replace("’", "'")).casefold()


@dataclass
class EntityScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    false_positives: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    matches: dict[str, PredEntity] = field(default_factory=dict)  # label name -> prediction

    def add(self, other: EntityScore) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn


def _label_for(pred: PredEntity, labels: list[Label]) -> Label | None:
    """The label a prediction names: by its canonical name first, then by any alias."""
    name = norm_form(pred.name)
    for label in labels:
        if name in label.forms():
            return label
    forms = pred.forms()
    return next((label for label in labels if forms & label.forms()), None)


def score_entities(preds: list[PredEntity], labels: list[Label], optional: set[str]) -> EntityScore:
    """One true positive per label; a second prediction of the same label (a missed alias
    merge) is a false positive; predictions of optional items count neither way."""
    score = EntityScore()
    for pred in preds:
        label = _label_for(pred, labels)
        if label is not None and label.name not in score.matches:
            score.matches[label.name] = pred
            score.tp += 1
        elif label is None and pred.forms() & optional:
            continue
        else:
            score.fp += 1
            why = f" (again {label.name})" if label is not None else ""
            score.false_positives.append(pred.name + why)
    score.missed = [label.name for label in labels if label.name not in score.matches]
    score.fn = len(score.missed)
    return score


@dataclass
class SpeakerScore:
    correct: int = 0
    total: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: SpeakerScore) -> None:
        self.correct, self.total = self.correct + other.correct, self.total + other.total


class _Stream:
    """The spoken lines joined into one normalised string, each char mapped to its line."""

    def __init__(self, lines: list[tuple[str, str | None, str]]) -> None:
        self.lines = lines
        self.text = ""
        self.owner: list[int] = []
        for i, (text, _, _) in enumerate(lines):
            piece = norm_speech(text)
            self.text += piece
            self.owner += [i] * len(piece)

    def find(self, snippet: str, start: int) -> tuple[int, int] | None:
        """(line index, end position) of the snippet's next occurrence, or None."""
        at = self.text.find(norm_speech(snippet), start)
        if at < 0:
            return None
        return self.owner[at], at + len(norm_speech(snippet))


def score_speakers(pred: Prediction, labels: Labels, chars: EntityScore) -> SpeakerScore:
    """Each labelled quote is looked up, in reading order, among the dialogue lines: right when
    it is spoken by the prediction matched to the labelled speaker (a quote read as narration
    is not found, so it is wrong). Each title is right when no dialogue line is just the title.
    """
    ids = {p.entity_id: name for name, p in chars.matches.items()}
    dialogue = [line for line in pred.lines if line[2] == "dialogue"]
    stream = _Stream(dialogue)
    score = SpeakerScore()
    cursor = 0
    for speaker, snippet in labels.quotes:
        score.total += 1
        found = stream.find(snippet, cursor)
        if found is None:
            score.errors.append(f"{snippet!r}: not spoken as dialogue")
            continue
        line, cursor = found
        speaker_id = dialogue[line][1]
        got = "narrator" if speaker_id is None else ids.get(speaker_id, "?")
        if got == speaker:
            score.correct += 1
        else:
            score.errors.append(f"{snippet!r}: expected {speaker}, got {got}")
    for title in labels.titles:
        score.total += 1
        spoken = [text for text, _, _ in dialogue if norm_speech(text) == norm_speech(title)]
        if spoken:
            score.errors.append(f"title {title!r} spoken as dialogue")
        else:
            score.correct += 1
    return score


def gender_and_aliases(chars: EntityScore, labels: Labels) -> tuple[int, int, int, int, list[str]]:
    """(genders right, genders labelled, aliases found, aliases labelled, the misses) over the
    labelled characters that were found."""
    g_ok = g_n = a_ok = a_n = 0
    misses: list[str] = []
    for label in labels.characters:
        pred = chars.matches.get(label.name)
        if pred is None:
            continue
        if label.gender:
            g_n += 1
            g_ok += int(pred.gender == label.gender)
            if pred.gender != label.gender:
                misses.append(f"gender of {label.name}: expected {label.gender}, got {pred.gender}")
        forms = pred.forms()
        a_n += len(label.aliases)
        found = [a for a in label.aliases if norm_form(a) in forms]
        a_ok += len(found)
        misses += [f"alias of {label.name} missed: {a}" for a in label.aliases if a not in found]
    return g_ok, g_n, a_ok, a_n, misses
