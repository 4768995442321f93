"""extract_entities: Story -> EntityPack (characters, places, props; aliases merged; continuity)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from nexus.contracts import studio
from nexus.entity_core import aliases, gender, lexicon, names_en, names_zh, places_zh, things
from nexus.entity_core.continuity import Gender, assign_voices, entity_id_for, look_for
from nexus.entity_core.mentions import MentionIndex, build_mention_index

_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"\b[A-Za-z]{2,}\b")


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


def _english_people(story: studio.Story, speakers: list[str]) -> list[aliases.Person]:
    stats = names_en.collect_names(_pieces(story), speakers)
    clusters = names_en.merge_aliases(names_en.select_people(stats), list(stats.values()))
    people: list[aliases.Person] = []
    for cluster in clusters:
        name = cluster.canonical()
        forms = {s for s in cluster.surfaces() if s != name}
        forms |= {" ".join(s.words) for s in cluster.stats} - {name}
        gender: Gender = names_en.title_gender(cluster)  # type: ignore[assignment]
        if gender == "unknown":
            title = name.split()[0].rstrip(".").lower()
            gender = lexicon.TITLES.get(title, "unknown")  # type: ignore[assignment]
        people.append(aliases.Person(name, forms, gender, cluster.first_pos))
    return people


def _english_places(
    story: studio.Story, people: list[aliases.Person]
) -> list[tuple[str, set[str], int]]:
    stats = names_en.collect_names(_pieces(story))
    person_words = {w for p in people for a in (p.name, *p.aliases) for w in a.split()}
    named = [
        (" ".join(s.words), set[str](), s.first_pos)
        for s in stats.values()
        if names_en.is_place(s) and not set(s.words) & person_words
    ]
    # "the old bridge" is the Old Bridge when the story names it so: the common noun yields.
    taken = {name.casefold() for name, _, _ in named}
    common = [
        (t.name(), set(t.aliases()), t.first_pos)
        for t in things.english_places(_pieces(story))
        if not {t.name().casefold(), *(a.casefold() for a in t.aliases())} & taken
    ]
    return named + common


def _chinese_people(story: studio.Story, speakers: list[str]) -> list[aliases.Person]:
    text = _full_text(story)
    found = names_zh.find_person_names(text)
    names = [c.name for c in found]
    for speaker in speakers:
        if re.fullmatch(r"[\u4e00-\u9fff]{2,4}", speaker) and speaker not in names:
            names.append(speaker)
    people = {n: aliases.Person(n, first_pos=text.find(n)) for n in names}
    aliases.link_chinese_aliases(text, people)
    return list(people.values())


def _speakers(story: studio.Story) -> list[str]:
    return [
        p.speaker for scene in story.scenes for s in scene.sentences for p in s.parts if p.speaker
    ]


def _people(story: studio.Story) -> list[aliases.Person]:
    speakers = _speakers(story)
    text = _full_text(story)
    english: list[aliases.Person] = []
    chinese: list[aliases.Person] = []
    if _has_english(story):
        english = _english_people(story, speakers)
        english = aliases.link_english_kin(text, aliases.link_english_nicknames(text, english))
    if _has_chinese(story):
        for person in _chinese_people(story, speakers):
            forms = sorted(person.aliases, key=len, reverse=True)
            genders: list[Gender] = [gender.chinese_name_gender(f) for f in (person.name, *forms)]
            known: list[Gender] = [g for g in genders if g != "unknown"]
            person.gender = known[0] if known else "unknown"
            chinese.append(person)
    if english and _has_chinese(story):
        return aliases.link_across_scripts(text, english, chinese)
    return english + chinese


def _has_chinese(story: studio.Story) -> bool:
    """Chinese rules run on Chinese and mixed stories, and on English ones with Chinese lines."""
    return story.language != "en" or len(_HAN.findall(_full_text(story))) >= 20


def _has_english(story: studio.Story) -> bool:
    return story.language != "zh" or len(_LATIN.findall(_full_text(story))) >= 20


def _places_and_props(
    story: studio.Story, people: list[aliases.Person]
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
        text = _full_text(story)
        places += [
            (t.name(), set(), t.first_pos) for t in places_zh.chinese_places(text, person_forms)
        ]
        props += [(t.name(), set(), t.first_pos) for t in things.chinese_props(text)]
    places = [p for p in places if p[0] not in person_forms]
    return aliases.merge_places_across_scripts(places), props


def _entities(
    kind: studio.EntityKind, found: list[tuple[str, set[str], int]]
) -> list[tuple[studio.Entity, int]]:
    seen: set[str] = set()
    result: list[tuple[studio.Entity, int]] = []
    for name, forms, first_pos in found:
        entity_id = entity_id_for(kind, name)
        if entity_id in seen:
            continue
        seen.add(entity_id)
        entity = studio.Entity(entity_id=entity_id, kind=kind, name=name, aliases=sorted(forms))
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


def _with_genders(
    story: studio.Story,
    people: list[aliases.Person],
    characters: list[studio.Entity],
    index: MentionIndex,
) -> list[studio.Entity]:
    """Each character's gender: title or kinship word, a noun before the name, then pronouns."""
    text = _full_text(story)
    priors: dict[str, Gender] = {
        entity_id_for("character", p.name): p.gender
        if p.gender != "unknown"
        else gender.apposition_gender(text, p.name)
        for p in people
    }
    votes = gender.pronoun_votes(story, index)
    for entity_id, extra in gender.possessor_votes(story, index).items():
        votes.setdefault(entity_id, Counter()).update(extra)
    return [
        c.model_copy(
            update={
                "gender": gender.decide_gender(priors[c.entity_id], votes.get(c.entity_id), c.name)
            }
        )
        for c in characters
    ]


def _merge_titled_namesakes(characters: list[studio.Entity]) -> list[studio.Entity]:
    """ "Mr. Penhallow" joins "Arthur Penhallow" when he is the one full name with that surname
    and the same gender; "Mrs. Penhallow" stays herself when every full name of that surname is
    a man. When a full name's gender is unknown, the titled form could be either: dropped."""
    result = list(characters)
    for titled in characters:
        words = titled.name.split()
        if len(words) != 2 or lexicon.TITLES.get(words[0].rstrip(".").lower()) != titled.gender:
            continue
        owners = [c for c in result if c is not titled and _full_form_of(c.name, words[1])]
        same = [c for c in owners if c.gender == titled.gender]
        if len(same) == 1:
            owner = same[0]
            merged = owner.model_copy(
                update={
                    "aliases": sorted({*owner.aliases, titled.name, *titled.aliases}),
                    "mentions": owner.mentions + titled.mentions,
                }
            )
            result = [merged if c is owner else c for c in result if c is not titled]
        elif any(c.gender == "unknown" for c in owners):
            result = [c for c in result if c is not titled]
    return sorted(result, key=lambda c: -c.mentions)


def _without_shared_aliases(characters: list[studio.Entity]) -> list[studio.Entity]:
    """An alias two characters share ("Penhallow" for Arthur and Mrs. Penhallow) names neither."""
    owners: Counter[str] = Counter(a for c in characters for a in set(c.aliases))
    return [
        c.model_copy(update={"aliases": [a for a in c.aliases if owners[a] == 1]})
        for c in characters
    ]


def _full_form_of(name: str, surname: str) -> bool:
    """ "Arthur Penhallow" is a full name of Penhallow; "Mrs. Penhallow" is not."""
    words = name.split()
    untitled = words[0].rstrip(".").lower() not in lexicon.TITLES
    return len(words) >= 2 and words[-1] == surname and untitled


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
    characters = _with_genders(story, people, _with_counts(chars, index, text), index)
    characters = _without_shared_aliases(_merge_titled_namesakes(characters))
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
