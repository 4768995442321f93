"""English person and place names by rule: capitalised runs, titles, a stop-list, speech tags.

No statistical model installs offline here (no spaCy model on PyPI, NLTK needs downloads), so
names are capitalised words that are not sentence-initial or that recur, minus a stop-list.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from nexus.entity_core import gazetteer, lexicon, places_en

_TITLE_ALT = "|".join(sorted((t.capitalize() for t in lexicon.TITLES), key=len, reverse=True))
# A word never starts with an abbreviated title, so "Then Dr. Reyes" yields title + "Reyes".
_WORD = r"(?!(?:Mr|Mrs|Ms|Dr|St|Prof|Capt)\b)[A-Z][a-z'’\-]*[a-z](?:['’]s)?"
_RUN = re.compile(rf"(?:(?P<title>{_TITLE_ALT})\.?\s+)?(?P<words>{_WORD}(?:\s+{_WORD}){{0,2}})")
_VERB_AFTER = re.compile(r"^\s+(?:[a-z]+ed|was|had|is|has|did|could|would|will|ran|sat|saw|took)\b")
_SPEECH = lexicon.ENGLISH_SPEECH_VERBS
_ABBREVIATED = frozenset({"mr", "mrs", "ms", "dr", "prof", "capt", "st"})
_NAMED_ZH = re.compile(r"(?:叫|名叫|叫做|名字是)\s*$")
_RELATIVES = frozenset(
    {w for ws in lexicon.KIN_NAMES.values() for w in ws}
    | lexicon.words(
        "brother sister cousin son daughter wife husband nephew niece friend neighbour neighbor "
        "boss partner"
    )
)
_NAMING = frozenset({"called", "named", "calls"})  # "a song called Shanghai Night"
_ADJECTIVE_TITLES = frozenset({"old", "young", "little", "big"})
_CONTRACTION = re.compile(r"'(?:re|ve|ll|d|m|s|t)$")


@dataclass
class NameStats:
    """Evidence gathered for one name key (its words without a title)."""

    words: tuple[str, ...]
    count: int = 0
    subject: int = 0  # mentions followed by a verb ("Mara walked")
    non_initial: int = 0
    person: int = 0
    place: int = 0
    after_the: int = 0
    first_pos: int = 1 << 30
    surfaces: Counter[str] = field(default_factory=Counter)
    titles: Counter[str] = field(default_factory=Counter)


def _strip_possessive(word: str) -> str:
    return re.sub(r"['’]s$", "", word)


def _name_key(words: list[str]) -> tuple[str, ...]:
    """Words of a name; only the last loses a possessive ("Arthur's Seat's" -> "Arthur's Seat")."""
    return (*words[:-1], _strip_possessive(words[-1])) if words else ()


def _is_stop(word: str) -> bool:
    """Stop words, also contracted ("You're", "I've", "It's")."""
    low = word.lower().replace("’", "'")
    return low in lexicon.STOP_WORDS or _CONTRACTION.sub("", low) in lexicon.STOP_WORDS


def _split_run(title: str | None, words: list[str]) -> tuple[str | None, list[str]]:
    """Drop leading stop words ("Then Anna" -> "Anna"); a stop word mid-run ends the name.

    A kinship word alone is a name ("Grandma said"); an adjective title before a place word
    belongs to the place ("the Old Town").
    """
    while words and _is_stop(words[0]):
        words, title = words[1:], None
    if len(words) == 1 and _strip_possessive(words[0]).lower() in lexicon.KIN_NAMES:
        return title, words
    adjective = title is not None and title.lower() in _ADJECTIVE_TITLES
    if adjective and words and _strip_possessive(words[-1]).lower() in lexicon.PLACE_NAME_SUFFIXES:
        return None, [str(title), *words]
    kept: list[str] = []
    for word in words:
        if _is_stop(word) or word.lower() in lexicon.TITLES:
            break
        kept.append(word)
    return title, kept


def _context(text: str, start: int, end: int) -> tuple[str, str, str]:
    before = re.findall(r"[A-Za-z’']+", text[max(0, start - 40) : start])
    after = re.findall(r"[A-Za-z’']+", text[end : end + 30])
    prev = before[-1].lower() if before else ""
    prev2 = before[-2].lower() if len(before) > 1 else ""
    nxt = after[0].lower() if after else ""
    return prev, prev2, nxt


def _is_initial(text: str, start: int) -> bool:
    head = text[:start].rstrip(" \"“‘'(—–-")
    return not head or head[-1] in ".!?:;"


def _key(words: tuple[str, ...], title: str | None) -> tuple[str, ...]:
    """Mentions with a gendered title are kept apart: "Mrs. Hale" and "Mr. Hale" differ."""
    gender = lexicon.TITLES.get((title or "").lower(), "unknown")
    return words if gender == "unknown" else (*words, f"#{gender}")


def collect_names(
    texts: Iterable[tuple[int, str]], speakers: Iterable[str] = ()
) -> dict[tuple[str, ...], NameStats]:
    """Evidence per capitalised name from (position, text) pieces and the attributed speakers."""
    stats: dict[tuple[str, ...], NameStats] = {}
    for base, text in texts:
        for match in _RUN.finditer(text):
            title, words = _split_run(match.group("title"), match.group("words").split())
            if not words:
                continue
            words_key = _name_key(words)
            entry = stats.setdefault(_key(words_key, title), NameStats(words_key))
            start = match.start() if title else match.start("words")
            if not title:
                start += match.group("words").find(words[0])
            initial = _is_initial(text, match.start())
            _add_mention(entry, text, (start, match.end()), (title, initial), base)
    for surface in speakers:
        words = surface.split()
        title = None
        if len(words) > 1 and words[0].rstrip(".").lower() in lexicon.TITLES:
            title, words = words[0].rstrip("."), words[1:]
        key = _key(_name_key(_split_run(None, words)[1]), title)
        if key in stats:
            stats[key].person += 2
    return stats


def _add_mention(
    entry: NameStats,
    text: str,
    span: tuple[int, int],
    how: tuple[str | None, bool],
    base: int,
) -> None:
    """Count one mention; ``how`` is (title, whether the run opens a sentence)."""
    start, end = span
    title, initial = how
    prev, prev2, nxt = _context(text, start, end)
    surface = (
        f"{title}. " if title and title.lower() in _ABBREVIATED else f"{title} " if title else ""
    )
    surface += " ".join(_strip_possessive(w) for w in entry.words)
    entry.count += 1
    entry.first_pos = min(entry.first_pos, base + start)
    entry.surfaces[surface] += 1
    if title:
        entry.titles[title.lower()] += 1
    if not initial:
        entry.non_initial += 1
    speech = (nxt in _SPEECH or prev in _SPEECH) and prev not in _NAMING
    relative = prev in _RELATIVES  # "her uncle, Ned Pike", "his sister Pippa"
    if title or speech or relative or _NAMED_ZH.search(text[:start]):
        entry.person += 1  # "叫Jack Morris": a Chinese sentence naming someone
    if _VERB_AFTER.match(text[end:]):
        entry.subject += 1
    if prev == "the" or (prev2 == "the" and prev not in lexicon.PLACE_PREPOSITIONS):
        entry.after_the += 1
    if places_en.place_context(text, start, end):
        entry.place += 1


def is_place(entry: NameStats) -> bool:
    """Mostly found after "in/at/from", or named like a place ("Greyhaven Point")."""
    if entry.words[-1].lower() in lexicon.PLACE_NAME_SUFFIXES and len(entry.words) > 1:
        return True
    if entry.place * 2 >= entry.count and entry.place > entry.person:
        return True
    # A known city or country with no sign of a person (title, speech verb, speaker); a small
    # town is also refused when it acts ("Tiko was", a Cameroonian town and a boy's name).
    if entry.person or entry.titles:
        return False
    name = " ".join(entry.words)
    if entry.subject:
        return gazetteer.is_large_place(name)
    return gazetteer.is_known_place(name)


def is_person(entry: NameStats) -> bool:
    """A speaker, a titled name, or a recurring capitalised name seen mid-sentence."""
    if is_place(entry) or entry.after_the * 2 > entry.count:
        return False
    if any(w.lower() in lexicon.STOP_WORDS for w in entry.words):
        return False
    if entry.person >= 1:
        return True
    if entry.words[0].endswith("ly"):
        return False
    return entry.count >= 2 and (entry.non_initial >= 1 or entry.subject >= 1)


def select_people(stats: dict[tuple[str, ...], NameStats]) -> list[NameStats]:
    """Person names, plus full names seen once whose first or last word is a known person.

    "Mara Quinn" appears once, "Mara" five times: the full name still names her.
    """
    people = [s for s in stats.values() if is_person(s)]
    people += _first_names(stats, people)
    singles = {s.words[0] for s in people if len(s.words) == 1}
    for entry in stats.values():
        if any(entry is p for p in people) or len(entry.words) < 2:
            continue
        # "Jo Park": a known first name before a place-like word is still a person.
        first_name = len(entry.words) == 2 and entry.words[0] in singles and not entry.place
        if is_place(entry) and not first_name:
            continue
        linked = entry.words[0] in singles or entry.words[-1] in singles
        clean = not any(w.lower() in lexicon.STOP_WORDS for w in entry.words)
        if entry.after_the == 0 and linked and clean:
            people.append(entry)
    return people


def _first_names(
    stats: dict[tuple[str, ...], NameStats], people: list[NameStats]
) -> list[NameStats]:
    """ "Walter Crane was the baker ... Walter wiped the counter": a first name that acts, seen
    once alone and once in a full name, is a person."""
    fulls: dict[str, int] = {}
    for entry in stats.values():
        if len(entry.words) >= 2 and not entry.after_the and not is_place(entry):
            fulls[entry.words[0]] = fulls.get(entry.words[0], 0) + entry.count
    found: list[NameStats] = []
    for entry in stats.values():
        if len(entry.words) != 1 or any(entry is p for p in people) or is_place(entry):
            continue
        word = entry.words[0]
        if _is_stop(word) or word.lower() in lexicon.TITLES or word.endswith("ly"):
            continue
        acts = entry.subject >= 1 or entry.non_initial >= 1
        if acts and not entry.after_the and entry.count + fulls.get(word, 0) >= 2:
            found.append(entry)
    return found


@dataclass
class PersonCluster:
    """One character's name forms after alias merging."""

    key: tuple[str, ...]
    stats: list[NameStats]

    @property
    def mentions(self) -> int:
        return sum(s.count for s in self.stats)

    @property
    def first_pos(self) -> int:
        return min(s.first_pos for s in self.stats)

    def surfaces(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for s in self.stats:
            total.update(s.surfaces)
        return total

    def titles(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for s in self.stats:
            total.update(s.titles)
        return total

    def canonical(self) -> str:
        """The full name when one is known, else the most used form (titled on a tie)."""
        if len(self.key) >= 2:
            return " ".join(self.key)
        ranked = sorted(self.surfaces().items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))
        return ranked[0][0]


def merge_aliases(
    people: list[NameStats], others: list[NameStats] | None = None
) -> list[PersonCluster]:
    """Merge "Dr. Anna Reyes", "Anna Reyes", "Anna", "Reyes" and "Dr. Reyes" into one cluster.

    Multi-word names open clusters; a single word joins the cluster whose first or last name
    it is. When two clusters share it, a gendered title decides, else the more mentioned one.
    """
    ordered = sorted(people, key=lambda s: (-len(s.words), -s.count, s.first_pos))
    split = _couples([*people, *(others or [])])
    clusters: list[PersonCluster] = []
    for entry in ordered:
        home = _find_home(entry, clusters, split)
        if home is None:
            clusters.append(PersonCluster(entry.words, [entry]))
        elif home is not _AMBIGUOUS:
            home.stats.append(entry)
    # Forms too rare to be names alone ("Anna" once) still join a cluster they match.
    for entry in others or []:
        if any(entry is p for p in people) or is_place(entry) or entry.after_the:
            continue
        if any(w.lower() in lexicon.STOP_WORDS for w in entry.words):
            continue
        home = _find_home(entry, clusters, split)
        if home is not None and home is not _AMBIGUOUS:
            home.stats.append(entry)
    return clusters


def _couples(stats: list[NameStats]) -> set[tuple[str, ...]]:
    """Surnames written with both a male and a female title ("Mr. Hale", "Mrs. Hale")."""
    seen: dict[tuple[str, ...], set[str]] = {}
    for entry in stats:
        gender = _title_gender(entry.titles)
        if gender != "unknown":
            seen.setdefault(entry.words, set()).add(gender)
    return {words for words, genders in seen.items() if len(genders) == 2}


_AMBIGUOUS = PersonCluster(("",), [])


def _find_home(
    entry: NameStats, clusters: list[PersonCluster], couples: set[tuple[str, ...]]
) -> PersonCluster | None:
    """The cluster a name form belongs to, None for a new one, _AMBIGUOUS to drop it.

    "Mrs. Hale" stays apart from "Tom Hale" when there is also a "Mr. Hale": which one is Tom
    is decided later, by gender (``extract``).
    """
    words = entry.words
    first = words[0]
    gender = _title_gender(entry.titles)
    if gender != "unknown" and words in couples:
        same = [c for c in clusters if c.key == words and title_gender(c) == gender]
        return same[0] if same else None
    if len(words) >= 2:
        matches = [c for c in clusters if c.key[0] == words[0] and c.key[-1] == words[-1]]
    else:
        matches = [
            c
            for c in clusters
            if (len(c.key) >= 2 and first in (c.key[0], c.key[-1]))
            or (c.key == words and "unknown" in (gender, title_gender(c)))
        ]
    if len(matches) <= 1:
        return matches[0] if matches else None
    by_gender = [c for c in matches if gender != "unknown" and title_gender(c) == gender]
    if len(by_gender) == 1:
        return by_gender[0]
    # Two people share this form ("Hale" for Tom and Mary Hale) and nothing tells them apart.
    return _AMBIGUOUS


def _title_gender(titles: Counter[str]) -> str:
    votes: defaultdict[str, int] = defaultdict(int)
    for title, n in titles.items():
        votes[lexicon.TITLES.get(title, "unknown")] += n
    votes.pop("unknown", None)
    if not votes:
        return "unknown"
    return max(votes.items(), key=lambda kv: kv[1])[0]


def title_gender(cluster: PersonCluster) -> str:
    return _title_gender(cluster.titles())
