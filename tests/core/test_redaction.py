"""The one redaction function: Chinese and English formats found, look-alikes kept."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nexus.core import redaction
from nexus.core.redaction import find, redact, redact_value


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("write to tom.smith@example.co.uk today", "email"),
        ("我的手机号是13812345678，请回电", "phone"),
        ("call +86 138 1234 5678", "phone"),
        ("call (415) 555-0132 now", "phone"),
        ("身份证 11010519491231002X 已登记", "cn_id"),
        ("card 4111 1111 1111 1111 exp 12/29", "card"),
        ("key sk-proj-abcdefghijklmnopqrstuvwx", "api_key"),
        ("aws AKIAIOSFODNN7EXAMPLE", "api_key"),
        ("Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123", "bearer"),
        (
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "jwt",
        ),
        ("from 192.168.10.24", "ip"),
    ],
)
def test_finds_each_kind(text: str, kind: str) -> None:
    assert [f.kind for f in find(text)] == [kind]
    marker = "api_key" if kind == "bearer" else kind
    assert f"[{marker}]" in redact(text)


@pytest.mark.parametrize(
    "text",
    [
        "the run took 1234567890123 ms",  # 13 digits failing Luhn
        "id 110105194912310021 fails its checksum",
        "2026-12-03T11:38:51Z",
        "version 1.2.3",
        "shot 3 lasts 4.5 s at 25 fps",
    ],
)
def test_keeps_look_alikes(text: str) -> None:
    assert redact(text) == text


def test_structures_and_secret_keys() -> None:
    value = {"api_key": "plain", "note": ["mail a@b.io"], "n": 3, "nested": {"Password": 1}}
    assert redact_value(value) == {
        "api_key": "***",
        "note": ["mail [email]"],
        "n": 3,
        "nested": {"Password": "***"},
    }


def _ungated(text: str) -> list[tuple[str, int, int]]:
    """``find`` without its gates: every rule's pattern over the whole text."""
    taken: list[tuple[str, int, int]] = []
    for rule in redaction._RULES:  # pyright: ignore[reportPrivateUsage]
        for m in rule.pattern.finditer(text):
            if rule.check is not None and not rule.check(m.group(0)):
                continue
            if any(m.start() < end and start < m.end() for _, start, end in taken):
                continue
            taken.append((rule.kind, m.start(), m.end()))
    return sorted(taken, key=lambda f: f[1])


PIECES = [
    "a", "Z", "x", "@", ".", "-", " ", "+", "(", ")", "_", "eyJ", "sk-", "AKIA", "ghp_", "xoxb-",
    "AIza", "nx_", "Bearer ", "bEaReR ", "1", "3", "8", "0", "9", "X", "１", "٣", "mail.com",
    "4111", "1381234", "5678", "192.", "86 ", "abcdefghijklmnop", "身份证",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_the_gates_only_skip_rules_that_cannot_match(text: str) -> None:
    assert [(f.kind, f.start, f.end) for f in find(text)] == _ungated(text)


def test_gated_examples_match_the_ungated_rules() -> None:
    examples = [
        "tom.smith@example.co.uk",
        "+86 138 1234 5678",
        "demo.noop",
        "run_" + "1" * 32,
        "fullwidth １３８１２３４５６７８",
        "BEARER abcdefghijklmnopqrstuvwxyz0123",
    ]
    for text in examples:
        assert [(f.kind, f.start, f.end) for f in find(text)] == _ungated(text)
