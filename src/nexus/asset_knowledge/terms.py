"""Search terms of a text, the same for documents and queries (ADR 0233): Chinese runs cut by
rjieba's search mode (words and their parts), Latin words lowercased and lightly stemmed,
stop words dropped. Mixed text yields both."""

from __future__ import annotations

import re

import rjieba

_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[a-zA-Z][a-zA-Z'\u00c0-\u024f]*|\d+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
STOP_EN = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "this",
        "that",
        "these",
        "those",
        "was",
        "were",
        "has",
        "have",
        "had",
        "my",
        "your",
        "our",
        "their",
        "some",
        "any",
        "very",
    ]
)
STOP_ZH = frozenset(
    [
        "的",
        "了",
        "是",
        "在",
        "和",
        "与",
        "及",
        "或",
        "一个",
        "一",
        "个",
        "着",
        "把",
        "被",
        "很",
        "也",
        "都",
        "就",
        "而",
        "之",
        "其",
        "这",
        "那",
        "有",
    ]
)


def stem(word: str) -> str:
    """A light English stemmer: plurals and common verb endings (keeps short words whole)."""
    w = word.lower().replace("'", "")
    if len(w) <= 3:
        return w
    for suffix, repl, min_len in (
        ("ies", "y", 5),
        ("sses", "ss", 5),
        ("ing", "", 6),
        ("ed", "", 5),
        ("es", "", 5),
        ("s", "", 4),
    ):
        if w.endswith(suffix) and len(w) >= min_len and not w.endswith("ss"):
            base = w[: len(w) - len(suffix)] + repl
            if len(base) >= 3 and len(base) > 2 and base[-1] == base[-2] and suffix == "ing":
                base = base[:-1]  # running -> run
            return base
    return w


def terms(text: str) -> list[str]:
    """The search terms of ``text`` in order (with repeats: term frequency counts)."""
    out: list[str] = []
    for match in _RUN.finditer(text):
        run = match.group(0)
        if _CJK.match(run):
            out.extend(w for w in rjieba.cut_for_search(run) if w.strip() and w not in STOP_ZH)
        elif run[0].isdigit():
            out.append(run)
        else:
            word = run.lower()
            if word not in STOP_EN:
                out.append(stem(word))
    return out


def split_words(name: str) -> str:
    """A filename as words: ``old_lighthouse-keeper2.png`` -> ``old lighthouse keeper 2``."""
    stem_part = name.rsplit(".", 1)[0] if "." in name else name
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", stem_part)
    spaced = re.sub(r"(\d+)", r" \1 ", spaced)
    return " ".join(re.split(r"[\s_\-.,+()\[\]]+", spaced)).strip()
