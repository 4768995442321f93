"""Alias merging: name forms of one character joined (titles, kinship words, nicknames, scripts).

English: "called him Y" nicknames and kinship appositions ("her grandfather, Tobias Quill").
Chinese: given names, surname + title, 老/小 + surname, kinship word + full name, linked
nicknames. Across scripts (mixed stories): a Han name whose pinyin is an English name form
(苏曼 = Su Man, 周宁 -> Ning), and a Chinese kinship word with its English one (爷爷 = Grandpa).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pypinyin import lazy_pinyin

from nexus.entity_core import lexicon, lexicon_zh
from nexus.entity_core.continuity import Gender

_HAN_CHAR = re.compile(r"[\u4e00-\u9fff]")
_ZH_NICK = re.compile(
    r"(?:小名|乳名|外号|绰号|昵称)(?:叫|是)?[“「]?(?P<alias>[\u4e00-\u9fff]{2,3})"
)
_ZH_SURNAMES = frozenset(lexicon.CHINESE_SURNAMES)
_ZH_TITLE_WORDS = frozenset({*lexicon.CHINESE_KIN_SUFFIXES, *lexicon_zh.CHINESE_TITLES})
_ZH_CALL = re.compile(r"(?:叫|喊|称)(?:她|他)(?:作|做)?[“「]?(?P<alias>[\u4e00-\u9fff]{2,3})")
_EN_CALL = re.compile(
    r"\b(?:called|call|calls)\s+(?:him|her)\s+(?P<alias>[A-Z][a-z]+)|"
    r"\b(?:known as|nicknamed)\s+(?P<alias2>[A-Z][a-z]+)"
)


@dataclass
class Person:
    name: str
    aliases: set[str] = field(default_factory=set[str])
    gender: Gender = "unknown"
    first_pos: int = 0


def merge(people: dict[str, Person], alias: str, into: str) -> None:
    if alias == into or into not in people:
        return
    target = people[into]
    target.aliases.add(alias)
    absorbed = people.pop(alias, None)
    if absorbed is not None:
        target.aliases |= absorbed.aliases


def surname_of(name: str) -> tuple[str, str] | None:
    """(surname, rest) when ``name`` opens with a known surname (two-character ones first)."""
    for size in (2, 1):
        if len(name) > size and name[:size] in _ZH_SURNAMES:
            return name[:size], name[size:]
    return None


def link_chinese_aliases(text: str, people: dict[str, Person]) -> None:
    """Given-name aliases (张小雨 -> 小雨), surname + title (沈掌柜 -> 沈玉兰) and 老/小 + surname
    when one full name has that surname, kinship words before a full name (舅舅刘建国), and
    nicknames the text links (小名/外号/大家叫她X)."""
    full_names = [n for n in people if _full_name(n)]
    for full in full_names:
        split = surname_of(full)
        if split is None:
            continue
        given = split[1]
        if len(given) == 2 and (given in people or text.replace(full, "").count(given) > 0):
            merge(people, given, full)
    for short in [n for n in people if n not in full_names]:
        split = surname_of(short[1:] if short[0] in ("老", "小") else short)
        titled = split is not None and split[1] in _ZH_TITLE_WORDS
        if not (titled or (short[0] in ("老", "小") and len(short) == 2)):
            continue
        surname = split[0] if titled and split else short[1:]
        owners = [n for n in full_names if n in people and n.startswith(surname)]
        if len(owners) == 1:
            merge(people, short, owners[0])
    _titled_together(people, full_names)
    _surname_nicknames(text, people, full_names)
    for kin in [n for n in people if n in lexicon_zh.CHINESE_KIN_WORDS]:
        after = [n for n in full_names if n in people and kin + n in text]
        if len(after) == 1:
            merge(people, kin, after[0])
    for pattern in (_ZH_NICK, _ZH_CALL):
        for match in pattern.finditer(text):
            alias = match.group("alias")
            owner = _nearest_before(text, match.start(), [n for n in people if n != alias])
            if owner and (alias in people or text.count(alias) >= 2):
                merge(people, alias, owner)


def _titled_together(people: dict[str, Person], full_names: list[str]) -> None:
    """Titled forms of one surname with no full name to join stay one character (钱先生, 钱老板)."""
    by_surname: dict[str, list[str]] = {}
    for name in people:
        split = surname_of(name)
        if split is not None and split[1] in _ZH_TITLE_WORDS:
            by_surname.setdefault(split[0], []).append(name)
    for surname, names in by_surname.items():
        if len(names) >= 2 and not any(n.startswith(surname) for n in full_names):
            for name in names[1:]:
                merge(people, name, names[0])


def _surname_nicknames(text: str, people: dict[str, Person], full_names: list[str]) -> None:
    """老周 / 小林 written anywhere, and a doubled given character (曼曼 for 苏曼), when one
    full name owns them."""
    for full in [n for n in full_names if n in people]:
        split = surname_of(full)
        if split is None:
            continue
        surname, given = split
        same = [n for n in full_names if n in people and n.startswith(surname)]
        forms = [f"老{surname}", f"小{surname}"] if len(same) == 1 else []
        if len(given) == 1:
            forms.append(given * 2)
        for form in forms:
            if form in text and form not in people:
                people[full].aliases.add(form)


def _full_name(name: str) -> bool:
    """Surname + one or two given characters that are not a title (林月, 沈玉兰, not 沈掌柜)."""
    split = surname_of(name)
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


def link_english_nicknames(text: str, people: list[Person]) -> list[Person]:
    by_name = {p.name: p for p in people}
    for match in _EN_CALL.finditer(text):
        alias = match.group("alias") or match.group("alias2")
        forms = [a for p in people for a in (p.name, *p.aliases) if a != alias]
        # "His daughter Amy called him Dad": Dad is him, not Amy, so look before the clause.
        clause = max(text.rfind(c, 0, match.start()) for c in ".!?;\n")
        owner_form = _nearest_before(text, clause + 1 if clause >= 0 else 0, forms)
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


def link_english_kin(text: str, people: list[Person]) -> list[Person]:
    """ "Her grandfather, Tobias Quill," makes "Grandpa" (a kinship word used as a name) his."""
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


def _pinyin(han: str) -> str:
    return "".join(lazy_pinyin(han)).casefold()


def _latin_key(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.casefold())


def _cross_script_owner(person: Person, english: list[Person]) -> Person | None:
    """The English character a Chinese one is: same pinyin (full or given name) or the same
    kinship (爷爷 = Grandpa)."""
    keys = {_pinyin(f) for f in (person.name, *person.aliases)}
    split = surname_of(person.name)
    if split is not None:
        keys.add(_pinyin(split[1]))
        keys.add(_pinyin(split[1] + split[0]))  # 林美 = Mei Lin, given name first
    kin = lexicon_zh.CHINESE_KIN_ENGLISH.get(person.name)
    matches: list[Person] = []
    for other in english:
        forms = (other.name, *other.aliases)
        if any(_latin_key(f) in keys for f in forms) or (
            kin is not None and any(f.casefold() in kin for f in forms)
        ):
            matches.append(other)
    return matches[0] if len(matches) == 1 else None


def _romanised_forms(text: str, english: list[Person], chinese: list[Person]) -> None:
    """Han strings that spell an English character's name (陈国华 = Chen Guohua), and surname +
    title forms of its surname (陈师傅 for Chen Guohua)."""
    known = {f for p in chinese for f in (p.name, *p.aliases)}
    found: set[str] = set()
    for i in range(len(text)):
        split = surname_of(text[i : i + 3]) or surname_of(text[i : i + 2])
        if split is not None:
            found |= {text[i : i + 2], text[i : i + 3]}
    titles = sorted(_ZH_TITLE_WORDS, key=len, reverse=True)
    for han in sorted(found - known):
        split = surname_of(han)
        if split is None or not all(_HAN_CHAR.match(c) for c in han):
            continue
        key = _pinyin(han)
        owners = [p for p in english if any(_latin_key(f) == key for f in (p.name, *p.aliases))]
        if len(owners) == 1 and len(key) >= 5:
            owners[0].aliases.add(han)
    for i in range(len(text)):
        surname = text[i]
        title = next((t for t in titles if text.startswith(t, i + 1)), None)
        if title is None or surname not in _ZH_SURNAMES:
            continue
        owners = [p for p in english if _pinyin(surname) in _surname_keys(p)]
        if len(owners) == 1:
            owners[0].aliases.add(surname + title)


def _surname_keys(person: Person) -> set[str]:
    words = person.name.split()
    return {_latin_key(words[0]), _latin_key(words[-1])} if len(words) >= 2 else set()


def _called_in_chinese(text: str, english: list[Person], chinese: list[Person]) -> list[Person]:
    """ "叫Jack Morris，大家都叫他老杰克": the Chinese nickname joins the English character."""
    by_form = {f: p for p in english for f in (p.name, *p.aliases)}
    for match in _ZH_CALL.finditer(text):
        alias = match.group("alias")
        owner_form = _nearest_before(text, match.start(), list(by_form))
        if owner_form is None:
            continue
        owner = by_form[owner_form]
        owner.aliases.add(alias)
        for person in [p for p in chinese if p.name == alias]:
            owner.aliases |= person.aliases
            chinese = [p for p in chinese if p is not person]
    return chinese


def link_across_scripts(text: str, english: list[Person], chinese: list[Person]) -> list[Person]:
    """Mixed stories: join a Chinese character to the English one with its name or kinship.

    The English form stays canonical when it is the more mentioned (first) one.
    """
    _romanised_forms(text, english, chinese)
    chinese = _called_in_chinese(text, english, chinese)
    kept: list[Person] = []
    for person in chinese:
        owner = _cross_script_owner(person, english)
        if owner is None:
            kept.append(person)
            continue
        owner.aliases |= {person.name, *person.aliases}
        if owner.gender == "unknown":
            owner.gender = person.gender
    for person in english:
        person.aliases |= {f for f in list(person.aliases) if surname_of(f) and (f[0] in "老小")}
    return english + kept


def merge_places_across_scripts(
    places: list[tuple[str, set[str], int]],
) -> list[tuple[str, set[str], int]]:
    """上海 and "Shanghai" in one mixed story are one place: the Han name's pinyin is the
    English name (the Han name stays canonical)."""
    english = {_latin_key(n): i for i, (n, _, _) in enumerate(places) if not _HAN_CHAR.search(n)}
    absorbed: set[int] = set()
    for name, forms, _ in places:
        if not _HAN_CHAR.search(name):
            continue
        j = english.get(_pinyin(name))
        if j is not None and j not in absorbed:
            forms |= {places[j][0], *places[j][1]}
            absorbed.add(j)
    return [p for i, p in enumerate(places) if i not in absorbed]
