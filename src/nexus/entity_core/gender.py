"""Gender guesses for characters: titles and kinship words first, then nearby pronouns."""

from __future__ import annotations

import re
from collections import Counter

from nexus.contracts import studio
from nexus.entity_core import lexicon, lexicon_zh
from nexus.entity_core.continuity import Gender
from nexus.entity_core.mentions import MentionIndex

# Subject, possessive and reflexive forms, and "her" only before a noun ("her grandfather"):
# "Anna thanked him" or "caught her by the collar" says nothing about Anna.
_NOT_NOUN = "|".join(sorted(lexicon.STOP_WORDS, key=len, reverse=True))
_SUBJECT = re.compile(
    r"\b(?:(?P<m>[Hh]e)|(?P<f>[Ss]he))\b"
    # Chinese: a clause-opening 他/她 ("等她" or "看着他" is an object).
    r"|(?:^|(?<=[，。！？；：、\s”」]))(?:(?P<zm>他)|(?P<zf>她))(?!们)"
)
_POSSESSIVE = re.compile(
    r"\b(?:(?P<m>[Hh]is|[Hh]imself)|(?P<f>[Hh]erself|[Hh]er(?=\s+(?!(?:"
    + _NOT_NOUN
    + r")\b)[a-z])))\b|(?:(?P<zm>他)|(?P<zf>她))(?=的)"
)
_LEADING = re.compile(r"^(?:He|She)\b|^[他她]")


def _narration(sentence: studio.Sentence) -> str:
    return " ".join(p.text for p in sentence.parts if p.kind == "narration")


def pronoun_votes(story: studio.Story, index: MentionIndex) -> dict[str, Counter[str]]:
    """Votes per lone character mention from the pronouns after it (see ``_vote``), up to two
    sentences on.

    Dialogue is skipped: "I" and "you" in speech say nothing about the speaker's gender.
    """
    votes: dict[str, Counter[str]] = {}
    sentences = [s for scene in story.scenes for s in scene.sentences]
    for i, sentence in enumerate(sentences):
        text = _narration(sentence)
        found = index.find(text)
        people = {eid for _, eid in found if eid.startswith("chr_")}
        if len(people) != 1:
            continue
        owner = next(iter(people))
        tail = text[next(pos for pos, eid in found if eid == owner) + 1 :]
        for following in sentences[i + 1 : i + 3]:
            if following.paragraph_index != sentence.paragraph_index:
                break
            narration = _narration(following)
            if any(e.startswith("chr_") for e in index.ordered_ids(narration)):
                # Only a sentence-opening pronoun still points back: "她握住王伯的手".
                lead = _LEADING.match(narration)
                tail += " " + (lead.group(0) if lead else "")
                break
            tail += " " + narration
        _vote(votes.setdefault(owner, Counter()), tail)
    return votes


_RELATIVE = (
    "brother|sister|son|daughter|father|mother|husband|wife|uncle|aunt|cousin|nephew|niece"
    "|grandfather|grandmother|grandson|granddaughter|friend|neighbour|neighbor"
)
_POSSESSOR = re.compile(
    rf"\b(?:(?P<m>[Hh]is)|(?P<f>[Hh]er))\s+(?:(?:younger|older|little|big|best)\s+)?"
    rf"(?:{_RELATIVE})\b,?\s+(?=[A-Z])"
)


def possessor_votes(story: studio.Story, index: MentionIndex) -> dict[str, Counter[str]]:
    """ "Leo was eleven and his sister Pippa was eight": "his" before a relative who is named
    right after belongs to the character mentioned last before it (in that sentence, else in
    the sentence before it in the same paragraph)."""
    votes: dict[str, Counter[str]] = {}
    previous: tuple[int, list[str]] = (-1, [])
    for scene in story.scenes:
        for sentence in scene.sentences:
            text = _narration(sentence)
            people = [e for _, e in index.find(text) if e.startswith("chr_")]
            for match in _POSSESSOR.finditer(text):
                before = [e for _, e in index.find(text[: match.start()]) if e.startswith("chr_")]
                if not before and previous[0] == sentence.paragraph_index:
                    before = previous[1]
                after = [e for _, e in index.find(text[match.end() :]) if e.startswith("chr_")]
                if before and after and before[-1] != after[0]:
                    side = "male" if match.group("m") else "female"
                    votes.setdefault(before[-1], Counter())[side] += 2
            previous = (sentence.paragraph_index, people)
    return votes


def _vote(bucket: Counter[str], tail: str) -> None:
    """The nearest subject pronoun after a lone mention points back to it (one vote); failing
    that, the nearest possessive (half a vote: "her grandfather" may be someone else's)."""
    for pattern, weight in ((_SUBJECT, 2), (_POSSESSIVE, 1)):
        first = pattern.search(tail)
        if first is not None:
            male = first.group("m") or first.group("zm")
            bucket["male" if male else "female"] += weight
            return


_MALE_ROLES = (
    "brother|son|father|husband|uncle|nephew|grandfather|boy|man|哥哥|弟弟|爸爸|父亲|儿子|丈夫"
    "|叔叔|男孩|男孩子|男人|小伙子|老头|老汉|少年|男生"
)
_FEMALE_ROLES = (
    "sister|daughter|mother|wife|aunt|niece|grandmother|girl|woman|姐姐|妹妹|妈妈|母亲|女儿|妻子"
    "|阿姨|女孩|女孩子|女人|姑娘|老太太|少女|女生|女老师"
)


def apposition_gender(text: str, name: str) -> Gender:
    """ "Mara's brother, Felix" / "林月的哥哥林海": a kinship word right before the name."""
    escaped = re.escape(name)
    # "his sister Pippa", "男孩叫二娃", "Mara's brother, Felix"
    if re.search(rf"(?:{_MALE_ROLES}),?\s*(?:叫|名叫|叫做)?{escaped}", text):
        return "male"
    if re.search(rf"(?:{_FEMALE_ROLES}),?\s*(?:叫|名叫|叫做)?{escaped}", text):
        return "female"
    return "unknown"


def chinese_name_gender(name: str) -> Gender:
    """Kinship words and titles decide (王伯, 陈阿姨, 舅舅, 周捕头); 月 in a given name hints female
    later (decide_gender)."""
    if name in lexicon_zh.CHINESE_KIN_WORDS:
        return lexicon_zh.CHINESE_KIN_WORDS[name]  # type: ignore[return-value]
    suffixes = {**lexicon.CHINESE_KIN_SUFFIXES, **lexicon_zh.CHINESE_TITLES}
    for suffix, gender in sorted(suffixes.items(), key=lambda kv: -len(kv[0])):
        if name.endswith(suffix) and len(name) > len(suffix):
            return gender  # type: ignore[return-value]
    if name in ("阿婆", "阿姨", "奶奶", "婆婆"):
        return "female"
    if name in ("阿公", "爷爷", "大爷"):
        return "male"
    return "unknown"


def decide_gender(prior: Gender, votes: Counter[str] | None, name: str) -> Gender:
    """A title or kinship word wins; else pronouns need a clear majority; else name hints."""
    if prior != "unknown":
        return prior
    if votes:
        male, female = votes["male"], votes["female"]
        if male >= 2 * max(female, 1) or (male >= 1 and female == 0):
            return "male"
        if female >= 2 * max(male, 1) or (female >= 1 and male == 0):
            return "female"
    if re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name) and name[-1] in lexicon.CHINESE_FEMALE_CHARS:
        return "female"
    return "unknown"
