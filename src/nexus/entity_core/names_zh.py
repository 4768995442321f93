"""Chinese person names, found offline: surname patterns, kinship forms and speech-tag positions.

rjieba's POS tags alone miss names it has never seen (it tags 林月 as a numeral and glues
王伯笑 together), so candidates come from surname and prefix patterns, are kept when they recur
and are not ordinary dictionary words, and rjieba only vetoes common words.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import rjieba

from nexus.entity_core import lexicon

_HAN = re.compile(r"[\u4e00-\u9fff]")
_SPEECH = "|".join(lexicon.CHINESE_SPEECH_VERBS)
_SURNAMES_2 = tuple(s for s in lexicon.CHINESE_SURNAMES if len(s) == 2)
_SURNAMES_1 = frozenset(s for s in lexicon.CHINESE_SURNAMES if len(s) == 1)
_KIN = sorted(lexicon.CHINESE_KIN_SUFFIXES, key=len, reverse=True)


@dataclass(frozen=True)
class NameCandidate:
    name: str
    count: int
    first_pos: int
    speaker: bool
    form: str  # "full", "kin", "prefix", "tagged"


def _given_ok(ch: str) -> bool:
    return bool(_HAN.match(ch)) and ch not in lexicon.CHINESE_NAME_BREAKERS


def _surname_at(text: str, i: int) -> str | None:
    for surname in _SURNAMES_2:
        if text.startswith(surname, i):
            return surname
    return text[i] if text[i] in _SURNAMES_1 else None


def _raw_candidates(text: str) -> dict[str, str]:
    """Every string shaped like a name, with its form."""
    found: dict[str, str] = {}
    for i in range(len(text)):
        if (
            text[i] in lexicon.CHINESE_NAME_PREFIXES
            and i + 1 < len(text)
            and _given_ok(text[i + 1])
        ):
            found.setdefault(text[i : i + 2], "prefix")
        surname = _surname_at(text, i)
        if surname is None:
            continue
        j = i + len(surname)
        kin = next((k for k in _KIN if text.startswith(k, j)), None)
        if kin is not None:
            found.setdefault(surname + kin, "kin")
            continue
        if j < len(text) and _given_ok(text[j]):
            found.setdefault(text[i : j + 1], "full")
            if j + 1 < len(text) and _given_ok(text[j + 1]):
                found.setdefault(text[i : j + 2], "full")
    return found


def _is_speaker(text: str, name: str) -> bool:
    pattern = re.escape(name) + rf"[^，。！？“”「」]{{0,6}}?(?:{_SPEECH})[：:，,。“「]"
    return re.search(pattern, text) is not None


def _plausible(name: str, form: str, speaker: bool, tagged_nr: int) -> bool:
    """Dictionary words (黄昏, 小心, 老人) are names only with more evidence.

    Evidence: a speech tag, rjieba tagging the word nr in context at least twice (林海), or a
    kinship/prefix form the dictionary itself tags nr (阿婆).
    """
    if not rjieba.has_word(name) or speaker:
        return True
    if form == "full" and tagged_nr >= 2:
        return True
    tags = rjieba.tag(name)
    return form in ("kin", "prefix") and len(tags) == 1 and tags[0][1] == "nr"


def find_person_names(text: str) -> list[NameCandidate]:
    """Recurring person names in a Chinese text, most mentioned first.

    A three-character full name wins over its two-character prefix when most occurrences of the
    prefix continue into it (陈海生 over 陈海); a name inside a longer accepted name counts only
    where it stands alone.
    """
    raw = _raw_candidates(text)
    counts = {name: text.count(name) for name in raw}
    tagged = Counter(w for w, tag in rjieba.tag(text) if tag == "nr")
    kept: dict[str, NameCandidate] = {}
    for name, form in raw.items():
        speaker = _is_speaker(text, name)
        if counts[name] < 2 and not speaker:
            continue
        if len(name) == 2 and form == "full":
            longer = [n for n in raw if len(n) == 3 and n.startswith(name) and counts[n] >= 2]
            if any(counts[n] >= 0.7 * counts[name] for n in longer):
                continue
        if len(name) == 3 and form == "full" and counts[name] < 0.7 * counts[name[:2]]:
            continue
        if not _plausible(name, form, speaker, tagged[name]):
            continue
        kept[name] = NameCandidate(name, counts[name], text.find(name), speaker, form)
    kept.update(_tagged_names(text, kept))
    return _drop_contained(text, kept)


def _tagged_names(text: str, kept: dict[str, NameCandidate]) -> dict[str, NameCandidate]:
    """Names rjieba tags nr that no pattern found (阿婆, 小林), when they recur as a speaker."""
    extra: dict[str, NameCandidate] = {}
    tally = Counter(w for w, tag in rjieba.tag(text) if tag == "nr" and 2 <= len(w) <= 3)
    for word, count in tally.items():
        if word in kept or not all(_HAN.match(c) for c in word):
            continue
        if count >= 2 and _is_speaker(text, word):
            extra[word] = NameCandidate(word, text.count(word), text.find(word), True, "tagged")
    return extra


def _drop_contained(text: str, kept: dict[str, NameCandidate]) -> list[NameCandidate]:
    result: list[NameCandidate] = []
    for cand in kept.values():
        containers = [c.name for c in kept.values() if c.name != cand.name and cand.name in c.name]
        if containers:
            alone = re.sub("|".join(map(re.escape, containers)), "", text).count(cand.name)
            if alone == 0:
                continue
            cand = NameCandidate(cand.name, alone, cand.first_pos, cand.speaker, cand.form)
        result.append(cand)
    result.sort(key=lambda c: (-c.count, c.first_pos))
    return result


def person_name_strings(text: str) -> list[str]:
    """Just the names, longest first (what speech-tag matching wants)."""
    names = [c.name for c in find_person_names(text)]
    return sorted(names, key=len, reverse=True)
