"""One redaction function for logs, the audit log, traces and (where policy says so) prompts.

Secrets and personal data in Chinese and English formats are replaced by a typed marker
(``[email]``, ``[phone]``, ``[cn_id]``, ``[card]``, ``[api_key]``, ``[jwt]``, ``[ip]``) so a
reader still sees what kind of value was there. Numbers that only look like a card or an ID
(a failed Luhn or ID checksum) are kept: redaction must not eat timestamps or amounts.

``find`` reports what it found (kind and span) for the safety checks; ``redact`` and
``redact_value`` rewrite. Keys whose names say they hold a secret are redacted whole.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SECRET_KEY_PARTS = (
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "authorization",
    "cookie",
    "credential",
)
REDACTED = "***"

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _cn_id_ok(s: str) -> bool:
    body, check = s[:17], s[17].upper()
    if not body.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == check


def _luhn_ok(s: str) -> bool:
    digits = [int(c) for c in s if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


_DIGIT = re.compile(r"\d")  # the same (Unicode) digits as the rules' \d


@dataclass(frozen=True)
class _Rule:
    kind: str
    pattern: re.Pattern[str]
    check: Any = None  # (matched text) -> bool; None: always
    # What every match contains (a literal, a few): a text without it is not scanned with
    # ``pattern``. None: a digit (the number-shaped rules).
    gate: re.Pattern[str] | None = None


# Order matters: the longer, more specific shapes first (a JWT before an API key, an ID
# number before a phone number).
_RULES: tuple[_Rule, ...] = (
    _Rule(
        "jwt",
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
        gate=re.compile("eyJ"),
    ),
    _Rule(
        "api_key",
        re.compile(
            r"\b(?:sk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}"
            r"|xox[abpr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}|nx_[A-Za-z0-9_-]{20,})"
        ),
        gate=re.compile("sk-|AKIA|gh[pousr]_|xox[abpr]-|AIza|nx_"),
    ),
    _Rule(
        "bearer",
        re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{16,}"),
        gate=re.compile("(?i:bearer)"),
    ),
    _Rule(
        "email",
        re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"),
        gate=re.compile("@"),
    ),
    _Rule(
        "cn_id",
        re.compile(
            r"(?<!\d)[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?!\d)"
        ),
        _cn_id_ok,
    ),
    _Rule("phone", re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")),
    _Rule("card", re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)"), _luhn_ok),
    _Rule(
        "phone",
        re.compile(r"(?<![\w+])(?:\+1[ .-]?)?\(?[2-9]\d{2}\)?[ .-]\d{3}[ .-]\d{4}(?!\d)"),
    ),
    _Rule("phone", re.compile(r"(?<![\w])\+\d{1,3}[ .-]?\d{2,4}[ .-]?\d{3,4}[ .-]?\d{3,4}(?!\d)")),
    _Rule(
        "ip",
        re.compile(
            r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.])"
        ),
    ),
)


_TRIGGER = re.compile("|".join([_DIGIT.pattern, *(r.gate.pattern for r in _RULES if r.gate)]))


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int


def find(text: str) -> list[Finding]:
    """Every sensitive value in ``text``, non-overlapping, in order."""
    if _TRIGGER.search(text) is None:  # most texts: names, words, ids without digits
        return []
    digits = _DIGIT.search(text) is not None
    taken: list[Finding] = []
    for rule in _RULES:
        if not digits if rule.gate is None else rule.gate.search(text) is None:
            continue
        for m in rule.pattern.finditer(text):
            if rule.check is not None and not rule.check(m.group(0)):
                continue
            if any(m.start() < f.end and f.start < m.end() for f in taken):
                continue
            taken.append(Finding(rule.kind, m.start(), m.end()))
    return sorted(taken, key=lambda f: f.start)


def redact(text: str) -> str:
    """``text`` with every sensitive value replaced by ``[kind]``."""
    found = find(text)
    if not found:
        return text
    out: list[str] = []
    at = 0
    for f in found:
        out.append(text[at : f.start])
        out.append(f"[{'api_key' if f.kind == 'bearer' else f.kind}]")
        at = f.end
    out.append(text[at:])
    return "".join(out)


def is_secret_key(key: str) -> bool:
    lowered = key.lower()
    return any(part in lowered for part in SECRET_KEY_PARTS)


def redact_value(value: Any, _depth: int = 0) -> Any:
    """``value`` (str, mapping, list; anything JSON-like) with secrets and personal data
    redacted: strings rewritten, values under secret-named keys replaced whole."""
    if _depth > 32:
        return REDACTED
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {
            k: (
                REDACTED if isinstance(k, str) and is_secret_key(k) else redact_value(v, _depth + 1)
            )
            for k, v in value.items()  # pyright: ignore[reportUnknownVariableType]
        }
    if isinstance(value, list | tuple):
        return [redact_value(v, _depth + 1) for v in value]  # pyright: ignore[reportUnknownVariableType]
    return value
