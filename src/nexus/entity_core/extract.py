"""extract_entities: Story -> EntityPack (characters, places, props; aliases merged; continuity)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from nexus.contracts import studio
from nexus.entity_core import gender, lexicon, lexicon_zh, names_en, names_zh, things
from nexus.entity_core.continuity import Gender, assign_voices, entity_id_for, look_for
from nexus.entity_core.mentions import MentionIndex, build_mention_index

_ZH_NICK = re.compile(
    r"(?:小名|乳名|外号|绰号|昵称)(?:叫|是)?[“「]?(?P<alias>[\u4e00-\u9fff]{2,3})"
)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"\b[A-Za-z]{2,}\b")
_ZH_SURNAMES = frozenset(lexicon.CHINESE_SURNAMES)
_ZH_TITLE_WORDS = frozenset({*lexicon.CHINESE_KIN_SUFFIXES, *lexicon_zh.CHINESE_TITLES})
_ZH_CALL = re.compile(r"(?:叫|喊|称)(?:她|他)(?:作|做)?[“「]?(?P<alias>[\u4e00-\u9fff]{2,3})")
_EN_CALL = re.compile(
    r"\b(?:called|call|calls)\s+(?:him|her)\s+(?P<alias>[A-Z][a-z]+)|"
    r"\b(?:known as|nicknamed)\s+(?P<alias2>[A-Z][a-z]+)"
)


@dataclass
class _Person:
    name: str
    aliases: set[str] = field(default_factory=set[str])
    gender: Gender = "unknown"
    first_pos: int = 0


def _pieces(story: studio.Story) -> Iterator[tuple[int, str]]:
    """(offset, text) of every sentence part, offsets running through the whole story."""
    offset = 0
    for scene in story.scenes:
        for sentence in scene.sentences:
            for part in sentence.parts:
                yield offset, part.text
                offset += len(part.text) + 1


def _full_text(story: studio.Story) -> str:
    """The story's sentences, one paragraph per line."""
    paragraphs: dict[int, list[str]] = {}
    for scene in story.scenes:
        for sentence in scene.sentences:
            paragraphs.setdefault(sentence.paragraph_index, []).append(sentence.text)
    return "\n".join(" ".join(texts) for texts in paragraphs.values())


def _english_people(story: studio.Story, speakers: list[str]) -> list[_Person]:
    stats = names_en.collect_names(_pieces(story), speakers)
    clusters = names_en.merge_aliases(names_en.select_people(stats), list(stats.values()))
    people: list[_Person] = []
    for cluster in clusters:
        name = cluster.canonical()
        aliases = {s for s in cluster.surfaces() if s != name}
        aliases |= {" ".join(s.words) for s in cluster.stats} - {name}
        gender: Gender = names_en.title_gender(cluster)  # type: ignore[assignment]
        if gender == "unknown":
            gender = lexicon.TITLES.get(name.split()[0].rstrip(".").lower(), "unknown")  # type: ignore[assignment]
        people.append(_Person(name, aliases, gender, cluster.first_pos))
    return people


def _english_places(story: studio.Story, people: list[_Person]) -> list[tuple[str, set[str], int]]:
    stats = names_en.collect_names(_pieces(story))
    person_words = {w for p in people for a in (p.name, *p.aliases) for w in a.split()}
    named = [
        (" ".join(s.words), set[str](), s.first_pos)
        for s in stats.values()
        if names_en.is_place(s) and not set(s.words) & person_words
    ]
    common = things.english_places(_pieces(story))
    return named + [(t.name(), set(t.aliases()), t.first_pos) for t in common]


def _chinese_people(story: studio.Story, speakers: list[str]) -> list[_Person]:
    text = _full_text(story)
    found = names_zh.find_person_names(text)
    names = [c.name for c in found]
    for speaker in speakers:
        if re.fullmatch(r"[\u4e00-\u9fff]{2,4}", speaker) and speaker not in names:
            names.append(speaker)
    people = {n: _Person(n, first_pos=text.find(n)) for n in names}
    _link_chinese_aliases(text, people)
    return list(people.values())


def _merge(people: dict[str, _Person], alias: str, into: str) -> None:
    if alias == into or into not in people:
        return
    target = people[into]
    target.aliases.add(alias)
    absorbed = people.pop(alias, None)
    if absorbed is not None:
        target.aliases |= absorbed.aliases


def _surname_of(name: str) -> tuple[str, str] | None:
    """(surname, rest) when ``name`` opens with a known surname (two-character ones first)."""
    for size in (2, 1):
        if len(name) > size and name[:size] in _ZH_SURNAMES:
            return name[:size], name[size:]
    return None


def _link_chinese_aliases(text: str, people: dict[str, _Person]) -> None:
    """Given-name aliases (张小雨 -> 小雨), surname + title (沈掌柜 -> 沈玉兰) and 老/小 + surname
    when one full name has that surname, kinship words before a full name (舅舅刘建国), and
    nicknames the text links (小名/外号/大家叫她X)."""
    full_names = [n for n in people if _full_name(n)]
    for full in full_names:
        split = _surname_of(full)
        if split is None:
            continue
        given = split[1]
        if len(given) == 2 and (given in people or text.replace(full, "").count(given) > 0):
            _merge(people, given, full)
    for short in [n for n in people if n not in full_names]:
        split = _surname_of(short[1:] if short[0] in ("老", "小") else short)
        titled = split is not None and split[1] in _ZH_TITLE_WORDS
        if not (titled or (short[0] in ("老", "小") and len(short) == 2)):
            continue
        surname = split[0] if titled and split else short[1:]
        owners = [n for n in full_names if n in people and n.startswith(surname)]
        if len(owners) == 1:
            _merge(people, short, owners[0])
    for kin in [n for n in people if n in lexicon_zh.CHINESE_KIN_WORDS]:
        after = [n for n in full_names if n in people and kin + n in text]
        if len(after) == 1:
            _merge(people, kin, after[0])
    for pattern in (_ZH_NICK, _ZH_CALL):
        for match in pattern.finditer(text):
            alias = match.group("alias")
            owner = _nearest_before(text, match.start(), [n for n in people if n != alias])
            if owner and (alias in people or text.count(alias) >= 2):
                _merge(people, alias, owner)


def _full_name(name: str) -> bool:
    """Surname + one or two given characters that are not a title (林月, 沈玉兰, not 沈掌柜)."""
    split = _surname_of(name)
    return split is not None and 1 <= len(split[1]) <= 2 and split[1] not in _ZH_TITLE_WORDS


def _nearest_before(text: str, pos: int, names: list[str]) -> str | None:
    """The name mentioned last before ``pos`` within the same paragraph."""
    start = text.rfind("\n", 0, pos) + 1
    best: tuple[int, str] | None = None
    for name in names:
        at = text.rfind(name, start, pos)
        if at >= 0 and (best is None or at > best[0]):
            best = (at, name)
    return best[1] if best else None


def _link_english_nicknames(story: studio.Story, people: list[_Person]) -> list[_Person]:
    text = _full_text(story)
    by_name = {p.name: p for p in people}
    for match in _EN_CALL.finditer(text):
        alias = match.group("alias") or match.group("alias2")
        forms = [a for p in people for a in (p.name, *p.aliases) if a != alias]
        owner_form = _nearest_before(text, match.start(), forms)
        owner = next((p for p in people if owner_form in (p.name, *p.aliases)), None)
        if owner is None:
            continue
        owner.aliases.add(alias)
        absorbed = by_name.pop(alias, None)
        if absorbed is not None and absorbed is not owner:
            owner.aliases |= absorbed.aliases
            people = [p for p in people if p is not absorbed]
    return people


_KIN_NOUNS = "|".join(sorted({w for ws in lexicon.KIN_NAMES.values() for w in ws}, key=len))
_NAME_RUN = r"[A-Z][a-z'’\-]+(?:\s+[A-Z][a-z'’\-]+){0,2}"
_EN_KIN_APPOSITION = re.compile(
    rf"\b(?:[Hh]is|[Hh]er|[Tt]heir|[Mm]y|[Oo]ur|[Yy]our)\s+(?P<kin>{_KIN_NOUNS}),\s+(?P<name>{_NAME_RUN})"
    rf"|(?P<name2>{_NAME_RUN}),\s+(?:his|her|their|my|our|your)\s+(?P<kin2>{_KIN_NOUNS})\b"
)


def _link_english_kin(story: studio.Story, people: list[_Person]) -> list[_Person]:
    """ "Her grandfather, Tobias Quill," makes "Grandpa" (a kinship word used as a name) his."""
    text = _full_text(story)
    for match in _EN_KIN_APPOSITION.finditer(text):
        kin = (match.group("kin") or match.group("kin2")).lower()
        name = match.group("name") or match.group("name2")
        owner = next((p for p in people if name in (p.name, *p.aliases)), None)
        kin_people = [
            p
            for p in people
            if p is not owner and kin in lexicon.KIN_NAMES.get(p.name.lower(), frozenset())
        ]
        if owner is None or len(kin_people) != 1:
            continue
        absorbed = kin_people[0]
        owner.aliases |= {absorbed.name, *absorbed.aliases}
        if owner.gender == "unknown":
            owner.gender = absorbed.gender
        owner.first_pos = min(owner.first_pos, absorbed.first_pos)
        people = [p for p in people if p is not absorbed]
    return people


def _speakers(story: studio.Story) -> list[str]:
    return [
        p.speaker for scene in story.scenes for s in scene.sentences for p in s.parts if p.speaker
    ]


def _people(story: studio.Story) -> list[_Person]:
    speakers = _speakers(story)
    people: list[_Person] = []
    if _has_english(story):
        people += _link_english_kin(
            story, _link_english_nicknames(story, _english_people(story, speakers))
        )
    if _has_chinese(story):
        for person in _chinese_people(story, speakers):
            forms = sorted(person.aliases, key=len, reverse=True)
            genders = [gender.chinese_name_gender(f) for f in (person.name, *forms)]
            person.gender = next((g for g in genders if g != "unknown"), "unknown")
            people.append(person)
    return people


def _has_chinese(story: studio.Story) -> bool:
    """Chinese rules run on Chinese and mixed stories, and on English ones with Chinese lines."""
    return story.language != "en" or len(_HAN.findall(_full_text(story))) >= 20


def _has_english(story: studio.Story) -> bool:
    return story.language != "zh" or len(_LATIN.findall(_full_text(story))) >= 20


def _places_and_props(
    story: studio.Story, people: list[_Person]
) -> tuple[list[tuple[str, set[str], int]], list[tuple[str, set[str], int]]]:
    person_forms = {a for p in people for a in (p.name, *p.aliases)}
    places: list[tuple[str, set[str], int]] = []
    props: list[tuple[str, set[str], int]] = []
    if _has_english(story):
        places += _english_places(story, people)
        place_heads = {name.split()[-1].lower() for name, _, _ in places}
        props += [
            (t.name(), set(t.aliases()), t.first_pos)
            for t in things.english_props(_pieces(story))
            if t.head not in place_heads
        ]
    if _has_chinese(story):
        zh_places, zh_props = things.chinese_places_and_props(_full_text(story), person_forms)
        places += [(t.name(), set(), t.first_pos) for t in zh_places]
        props += [(t.name(), set(), t.first_pos) for t in zh_props]
    places = [p for p in places if p[0] not in person_forms]
    return places, props


def _entities(
    kind: studio.EntityKind, found: list[tuple[str, set[str], int]]
) -> list[tuple[studio.Entity, int]]:
    seen: set[str] = set()
    result: list[tuple[studio.Entity, int]] = []
    for name, aliases, first_pos in found:
        entity_id = entity_id_for(kind, name)
        if entity_id in seen:
            continue
        seen.add(entity_id)
        entity = studio.Entity(entity_id=entity_id, kind=kind, name=name, aliases=sorted(aliases))
        result.append((entity, first_pos))
    return result


def _with_counts(
    entities: list[tuple[studio.Entity, int]], index: MentionIndex, text: str
) -> list[studio.Entity]:
    """Count mentions with the final alias index; order by mentions, then first appearance."""
    counts: dict[str, int] = {}
    for _, entity_id in index.find(text):
        counts[entity_id] = counts.get(entity_id, 0) + 1
    ranked = sorted(entities, key=lambda ef: (-counts.get(ef[0].entity_id, 0), ef[1], ef[0].name))
    return [
        e.model_copy(update={"mentions": counts.get(e.entity_id, 0)})
        for e, _ in ranked
        if counts.get(e.entity_id, 0) > 0
    ]


def extract_entities(
    story: studio.Story,
    *,
    voices: list[str],
    narrator_voice: str,
    voice_genders: dict[str, Gender] | None = None,
) -> studio.EntityPack:
    """Characters, places and props of a story, with stable ids, one voice and one look each.

    Deterministic: the same story and voices always give the same pack. ``voice_genders``
    (optional, from the TTS catalogue) lets a character get a voice of its gender.
    """
    people = _people(story)
    places, props = _places_and_props(story, people)
    chars = _entities("character", [(p.name, p.aliases, p.first_pos) for p in people])
    all_pairs = chars + _entities("place", places) + _entities("prop", props)
    index = build_mention_index(e for e, _ in all_pairs)
    text = _full_text(story)
    priors: dict[str, Gender] = {
        entity_id_for("character", p.name): p.gender
        if p.gender != "unknown"
        else gender.apposition_gender(text, p.name)
        for p in people
    }
    votes = gender.pronoun_votes(story, index)
    characters = [
        c.model_copy(
            update={
                "gender": gender.decide_gender(priors[c.entity_id], votes.get(c.entity_id), c.name)
            }
        )
        for c in _with_counts(chars, index, text)
    ]
    assigned = assign_voices(
        [(c.entity_id, c.gender) for c in characters], voices, narrator_voice, voice_genders
    )
    characters = [
        c.model_copy(update={"voice": assigned[c.entity_id], "look": look_for(c.entity_id)})
        for c in characters
    ]
    return studio.EntityPack(
        language=story.language,
        characters=characters,
        places=_with_counts(_entities("place", places), index, text),
        props=_with_counts(_entities("prop", props), index, text),
        narrator_voice=narrator_voice,
    )
