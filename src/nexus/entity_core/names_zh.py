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

from nexus.entity_core import lexicon, lexicon_zh

_HAN = re.compile(r"[\u4e00-\u9fff]")
_SPEECH = "|".join(lexicon.CHINESE_SPEECH_VERBS)
_SURNAMES_2 = tuple(s for s in lexicon.CHINESE_SURNAMES if len(s) == 2)
_SURNAMES_1 = frozenset(s for s in lexicon.CHINESE_SURNAMES if len(s) == 1)
_KIN = sorted({*lexicon.CHINESE_KIN_SUFFIXES, *lexicon_zh.CHINESE_TITLES}, key=len, reverse=True)
# Surnames that are far more often function words before a name ("和林海", "向小雨").
_FUNCTION_SURNAMES = frozenset("和与跟同向对把被给让叫")
_PERSON_NOUNS = "男孩|女孩|孩子|姑娘|小伙子|老人|男人|女人|儿子|女儿|朋友|同学|人"
_TITLED = re.compile("(?:" + "|".join(lexicon.CHINESE_SURNAMES) + ")(?:" + "|".join(_KIN) + ")")
_KIN_WORDS = sorted(lexicon_zh.CHINESE_KIN_WORDS, key=len, reverse=True)


@dataclass(frozen=True)
class NameCandidate:
    name: str
    count: int
    first_pos: int
    speaker: bool
    form: str  # "full", "kin" (surname + kinship word or title), "kinword", "prefix", "tagged"


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
        kin_word = next((k for k in _KIN_WORDS if text.startswith(k, i)), None)
        if kin_word is not None:
            found.setdefault(kin_word, "kinword")
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


def _is_speaker(text: str, name: str, reach: int = 6, *, clauses: bool = False) -> bool:
    """``name`` followed by a speech verb within ``reach`` characters (across commas when
    ``clauses``: "舅舅接过箱子，笑着说：")."""
    gap = "[^。！？“”「」]" if clauses else "[^，。！？“”「」]"
    pattern = re.escape(name) + rf"(?P<gap>{gap}{{0,{reach}}}?)(?:{_SPEECH})[：:，,。“「]"
    # "房东王阿姨笑着说": the one who speaks is the titled name nearer the verb, not 房东.
    return any(_TITLED.search(m.group("gap")) is None for m in re.finditer(pattern, text))


class _Tokens:
    """rjieba's segmentation of the text, to tell a name from the edge of a longer word."""

    def __init__(self, text: str) -> None:
        self.owner: list[tuple[int, int]] = []  # char -> (token start, token end)
        self.verbs: set[int] = set()  # starts of one-character verb tokens ("一边包饺子": 包)
        pos = 0
        tagged = rjieba.tag(text)
        for i, (word, tag) in enumerate(tagged):
            self.owner += [(pos, pos + len(word))] * len(word)
            after = tagged[i + 1][1] if i + 1 < len(tagged) else ""
            if len(word) == 1 and tag == "v" and not after.startswith("nr"):
                self.verbs.add(pos)  # 包 + 饺子, but not 谢 + 老三
            pos += len(word)
        self.text = text

    def _splits_word(self, start: int, end: int) -> bool:
        """True when [start, end) cuts a dictionary word in two ("山谷|大声", "老捕|头")."""
        for edge in (start, end):
            if 0 < edge < len(self.owner):
                t_start, t_end = self.owner[edge]
                if t_start < edge and rjieba.has_word(self.text[t_start:t_end]):
                    return True
        return False

    def clean_count(self, name: str) -> int:
        """Occurrences of ``name`` that do not cut a dictionary word at either edge."""
        count, at = 0, self.text.find(name)
        while at >= 0:
            verb = at in self.verbs  # the "surname" is a verb here: 包 of 包饺子
            count += int(not verb and not self._splits_word(at, at + len(name)))
            at = self.text.find(name, at + 1)
        return count


def _not_a_name(text: str, name: str, form: str) -> bool:
    """Adverbs ("冷冷地", "小声说"), places ("柳树巷") and words glued to a verb ("何压低")."""
    if name in lexicon_zh.CHINESE_NOT_NAMES or (len(name) == 2 and name[0] == name[1]):
        return True
    located = sum(text.count(name + loc) for loc in lexicon_zh.CHINESE_LOCATIVES)
    if located * 2 >= text.count(name):
        return True  # "柳树上", "桂花树下": a thing with a place around it
    if form == "full" and name[-1] in lexicon_zh.CHINESE_PLACE_ENDINGS:
        return True
    if form == "full" and len(name) == 3 and rjieba.has_word(name[:2]):
        tags = rjieba.tag(name[:2])
        if tags[0][1] not in ("nr", "nrt", "nrfg"):
            return True  # 房东王: 房东 is a word, so 房 is no surname here
    if any(v.startswith(name) and v != name for v in lexicon.CHINESE_SPEECH_VERBS):
        return True
    adverbial = text.count(name + "地") + text.count(name + "得")
    return adverbial * 2 >= text.count(name)


def _plausible(name: str, form: str, speaker: bool, tagged_nr: int) -> bool:
    """Dictionary words (黄昏, 小心, 老人) are names only with more evidence.

    Evidence: a speech tag, rjieba tagging the word nr in context at least twice (林海), or a
    kinship/prefix form the dictionary itself tags nr (阿婆).
    """
    if not rjieba.has_word(name) or speaker:
        return True
    if len(name) == 3:
        return False  # 胡萝卜, 桂花树: a dictionary word of three characters is a thing
    if form == "full" and tagged_nr >= 2:
        return True
    tags = rjieba.tag(name)
    return form in ("kin", "prefix") and len(tags) == 1 and tags[0][1] == "nr"


def _is_named(text: str, name: str) -> bool:
    """ "一个男孩叫石头", "她的女儿名叫小满": the text says this is someone's name."""
    return re.search(rf"(?:{_PERSON_NOUNS})(?:叫|名叫|叫做){re.escape(name)}", text) is not None


def _enough(text: str, name: str, form: str, tokens: _Tokens) -> tuple[int, bool] | None:
    """(clean count, speaks or is named) when a candidate has the evidence a name needs."""
    count = tokens.clean_count(name)
    kin = form == "kinword"
    speaker = _is_speaker(text, name, 20 if kin else 6, clauses=kin) or _is_named(text, name)
    if form == "kinword":
        return (count, speaker) if count >= 2 and speaker else None
    if (count < 2 and not speaker) or count == 0 or _not_a_name(text, name, form):
        return None
    if form == "prefix" and name[1] not in _SURNAMES_1 and rjieba.has_word(name):
        tags = rjieba.tag(name)
        if not (len(tags) == 1 and tags[0][1] in ("nr", "nrt")):
            return None  # 小声, 小心: words, not 小 + a name
    return count, speaker


def find_person_names(text: str) -> list[NameCandidate]:
    """Recurring person names in a Chinese text, most mentioned first.

    A three-character full name wins over its two-character prefix when most occurrences of the
    prefix continue into it (陈海生 over 陈海); a name inside a longer accepted name counts only
    where it stands alone. A full name written once is kept when the story goes on to use it
    another way (see ``_introduced_once``).
    """
    raw = _raw_candidates(text)
    counts = {name: text.count(name) for name in raw}
    tagged = Counter(w for w, tag in rjieba.tag(text) if tag == "nr")
    tokens = _Tokens(text)
    kept: dict[str, NameCandidate] = {}
    for name, form in raw.items():
        evidence = _enough(text, name, form, tokens)
        if evidence is None:
            continue
        _, speaker = evidence
        if len(name) == 2 and form == "full":
            longer = [n for n in raw if len(n) == 3 and n.startswith(name) and counts[n] >= 2]
            if any(counts[n] >= 0.7 * counts[name] for n in longer):
                continue
        if len(name) == 3 and form == "full" and counts[name] < 0.7 * counts[name[:2]]:
            continue
        if form != "kinword" and not _plausible(name, form, speaker, tagged[name]):
            continue
        kept[name] = NameCandidate(name, counts[name], text.find(name), speaker, form)
    kept.update(_tagged_names(text, kept))
    kept.update(_titled_pairs(text, raw, kept, tokens))
    for name in _introduced_once(text, raw, kept, tokens):
        kept[name] = NameCandidate(name, 1, text.find(name), False, "full")
    return _drop_contained(text, kept)


def _titled_pairs(
    text: str, raw: dict[str, str], kept: dict[str, NameCandidate], tokens: _Tokens
) -> dict[str, NameCandidate]:
    """Surname + title forms written once each but twice between them (钱先生 ... 钱老板)."""
    by_surname: dict[str, list[str]] = {}
    for name, form in raw.items():
        if form == "kin" and name not in kept and tokens.clean_count(name) >= 1:
            by_surname.setdefault(name[0], []).append(name)
    extra: dict[str, NameCandidate] = {}
    for names in by_surname.values():
        if len(names) >= 2 and not any(_not_a_name(text, n, "kin") for n in names):
            for name in names:
                extra[name] = NameCandidate(name, text.count(name), text.find(name), False, "kin")
    return extra


def _introduced_once(
    text: str, raw: dict[str, str], kept: dict[str, NameCandidate], tokens: _Tokens
) -> list[str]:
    """Three-character full names written once, then used by given name (林晓晓 ... 晓晓), by
    surname + title (沈玉兰 ... 沈掌柜) or right after a kinship name (舅舅刘建国)."""
    found: list[str] = []
    for name, form in raw.items():
        if form != "full" or len(name) != 3 or name in kept or text.count(name) != 1:
            continue
        if name[:2] in kept or (name[1:] in kept and name[0] in _FUNCTION_SURNAMES):
            continue  # 杨雪擦 is 杨雪 + a verb; 和林海 is "and" + 林海
        if tokens.clean_count(name) != 1 or _not_a_name(text, name, form):
            continue
        if rjieba.has_word(name[:2]) and rjieba.tag(name[:2])[0][1] not in ("nr", "nrt"):
            continue  # 周围, 柳树: the surname is part of a word here
        surname, given = name[0], name[1:]
        by_given = text.count(given) >= 3
        titled = [k for k in kept.values() if k.form == "kin" and k.name.startswith(surname)]
        kin_before = any(k.form == "kinword" and k.name + name in text for k in kept.values())
        if by_given or titled or kin_before:
            found.append(name)
    return found


def _tagged_names(text: str, kept: dict[str, NameCandidate]) -> dict[str, NameCandidate]:
    """Names rjieba tags nr that no pattern found (阿婆, 小林), when they recur as a speaker."""
    extra: dict[str, NameCandidate] = {}
    tally = Counter(w for w, tag in rjieba.tag(text) if tag in ("nr", "nrt") and 2 <= len(w) <= 3)
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
