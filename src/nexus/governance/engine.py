"""The Rego engine wrapper: compile a policy once, answer ``PolicyInput`` with a decision.

The engine is regorus (PyPI ``gordon-to-regorus``, ADR 0210). Input always crosses as JSON
text (``set_input_json``), never as host objects: a binding that converts Python values
turns ``False`` into ``0.0`` and can let an unapproved action through (ADR 0211).

A policy is one Rego module. Its package is the entry point; the rules read are ``allow``
(boolean, required), ``deny`` and ``needs_approval`` (sets of reason strings) and
``approval_ttl_s`` (number). A deny reason wins; an action no ``allow`` admits is denied; an
allowed action with ``needs_approval`` reasons waits for a human. Old-style (Rego v0,
``allow { ... }``) modules are accepted as written: the ``future.keywords`` they may use
(``in``, ``if``, ``contains``, ``every``) are imported for them.
"""

from __future__ import annotations

import importlib
import re
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any, Literal

from nexus.contracts.errors import ErrorCode
from nexus.contracts.governance import PolicyDecision
from nexus.core.errors import NexusError

_regorus: Any = importlib.import_module("regorus")
Syntax = Literal["v1", "v0"]
_PACKAGE = re.compile(r"^\s*package\s+([A-Za-z_][\w.]*)\s*$", re.MULTILINE)
_FUTURE = "import future.keywords"
RULES = ("deny", "needs_approval", "allow", "approval_ttl_s")  # in the order they decide
_ABSENT = "not a valid rule path"
NO_RULE_ALLOWS = "no rule allows it"
# What a decision may be memoised on (``memo_fields``): every reference to ``input`` is one of
# these members, or a named field of ``input.context``; ``input`` whole, ``input.context``
# whole or indexed (``input.context[k]``) are not.
_INPUT = re.compile(r"\binput\b")
_KEYED = re.compile(r"\s*\.\s*(action|principal|resource)\b")
_CONTEXT_FIELD = re.compile(r"\s*\.\s*context\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*\()")
# Built-ins whose answer is not a function of the input: a memo would freeze them.
_IMPURE = re.compile(r"\b(time\.now_ns|rand\.|uuid\.|http\.send|opa\.runtime|net\.lookup)")
MEMO_SIZE = 4096  # decisions kept per compiled policy (an LRU)


def _first_line(message: str) -> str:
    """The engine's message without its Rust stack backtrace."""
    return message.split("Stack backtrace:")[0].strip()


def package_of(source: str) -> str:
    found = _PACKAGE.search(source)
    if found is None:
        raise NexusError(ErrorCode.POLICY_INVALID, "the policy has no `package` line")
    return found.group(1)


def _with_future_keywords(source: str) -> str:
    """A v0 module with ``import future.keywords`` added after its package line."""
    if _FUTURE in source:
        return source
    found = _PACKAGE.search(source)
    assert found is not None
    return f"{source[: found.end()]}\n{_FUTURE}{source[found.end() :]}"


# The binding's Engine is PyO3 "unsendable": dropping it on another thread than the one that
# made it raises (an unraisable error, and the engine leaks). The cyclic garbage collector runs
# on whichever thread happens to allocate (an asyncio.to_thread worker, say), so an engine
# caught in a reference cycle can be dropped anywhere. A foreign-thread drop parks it here
# instead, and its own thread frees it the next time it compiles a policy.
_PARKED: deque[tuple[int, Any]] = deque()


class PinnedEngine:
    """The only reference to one regorus engine, with the thread that made it."""

    __slots__ = ("engine", "thread")

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.thread = threading.get_ident()

    def __del__(self) -> None:
        if threading.get_ident() != self.thread:
            _PARKED.append((self.thread, self.engine))


def _free_parked() -> None:
    """Drop the parked engines this thread made (the others stay parked)."""
    me = threading.get_ident()
    for _ in range(len(_PARKED)):
        try:
            owner, engine = _PARKED.popleft()
        except IndexError:
            return
        if owner != me:
            _PARKED.append((owner, engine))
        del engine


def _engine(source: str, package: str, syntax: Syntax) -> PinnedEngine:
    _free_parked()
    pinned = PinnedEngine(_regorus.Engine())
    if syntax == "v0":
        pinned.engine.set_rego_v0(True)
        source = _with_future_keywords(source)
    pinned.engine.add_policy("policy.rego", source)
    return pinned


@dataclass
class CompiledPolicy:
    """One policy version, parsed and ready; ``evaluate`` takes the input as JSON text."""

    source: str
    package: str
    syntax: Syntax
    version: int
    engine: PinnedEngine
    rules: dict[str, str]  # rule name -> its path, for the rules the policy defines
    # The context fields its decision can depend on (besides action, principal, resource);
    # None: it may read more than that, so nothing is memoised.
    memo_context: tuple[str, ...] | None = None
    memo: OrderedDict[str, PolicyDecision] = field(default_factory=OrderedDict, repr=False)

    def evaluate_json(self, input_json: str) -> PolicyDecision:
        """Only the rules the module defines are evaluated (one engine call each)."""
        try:
            engine = self.engine.engine
            engine.set_input_json(input_json)
            raw = {name: engine.eval_rule(path) for name, path in self.rules.items()}
        except RuntimeError as exc:  # a conflict or a type error at evaluation: fail closed
            reason = f"policy error: {_first_line(str(exc))[:300]}"
            return PolicyDecision(verdict="deny", reasons=[reason], policy_version=self.version)
        return decision_of(raw, self.version)

    def remembered(self, key: str) -> PolicyDecision | None:
        """The memoised decision for ``key`` (a policy with ``memo_context`` None keeps none)."""
        found = self.memo.get(key)
        if found is not None:
            self.memo.move_to_end(key)
        return found

    @property
    def context_free(self) -> bool:
        return self.memo_context == ()

    def remember(self, key: str, decision: PolicyDecision) -> None:
        if self.memo_context is None:
            return
        self.memo[key] = decision
        if len(self.memo) > MEMO_SIZE:
            self.memo.popitem(last=False)


def memo_fields(source: str) -> tuple[str, ...] | None:
    """The ``input.context`` fields the module can read, when it provably reads nothing else
    of the input than ``input.action``, ``input.principal``, ``input.resource`` and those
    named fields, and calls no built-in whose answer changes by itself; else None. Textual
    and conservative: any other mention of ``input`` (``input`` whole, ``input.context``
    whole or indexed, ``walk(input, ...)``, ``with input as``, even in a comment or a
    string) says None. ``()``: the module reads no context at all."""
    if _IMPURE.search(source):
        return None
    fields: set[str] = set()
    for m in _INPUT.finditer(source):
        if _KEYED.match(source, m.end()):
            continue
        field = _CONTEXT_FIELD.match(source, m.end())
        if field is None:
            return None
        fields.add(field.group(1))
    return tuple(sorted(fields))


def context_free(source: str) -> bool:
    """The module's decision depends on action, principal and resource only."""
    return memo_fields(source) == ()


def decision_of(raw: dict[str, Any], version: int) -> PolicyDecision:
    """A deny reason wins; then nothing allowing it is a deny; an allowed action with a
    ``needs_approval`` reason waits for a human; else it is allowed (ADR 0211)."""
    denied = sorted(str(r) for r in raw.get("deny") or ())
    if denied:
        return PolicyDecision(verdict="deny", reasons=denied, policy_version=version)
    if raw.get("allow") is not True:
        return PolicyDecision(verdict="deny", reasons=[NO_RULE_ALLOWS], policy_version=version)
    held = sorted(str(r) for r in raw.get("needs_approval") or ())
    if held:
        ttl = raw.get("approval_ttl_s")
        return PolicyDecision(
            verdict="needs_approval",
            reasons=held,
            policy_version=version,
            approval_ttl_s=int(ttl) if isinstance(ttl, int | float) and ttl > 0 else None,
        )
    return PolicyDecision(verdict="allow", reasons=[], policy_version=version)


def compile_policy(source: str, version: int = 0) -> CompiledPolicy:
    """Parse ``source`` as Rego v1, else as v0; ``policy_invalid`` with the engine's message."""
    package = package_of(source)
    errors: list[str] = []
    for syntax in ("v1", "v0"):
        try:
            engine = _engine(source, package, syntax)
        except RuntimeError as exc:
            errors.append(f"as Rego {syntax}: {_first_line(str(exc))}")
            continue
        rules = _rules(engine.engine, package)
        return CompiledPolicy(
            source, package, syntax, version, engine, rules, memo_context=memo_fields(source)
        )
    raise NexusError(ErrorCode.POLICY_INVALID, "\n".join(errors)[:2000])


def _rules(engine: Any, package: str) -> dict[str, str]:
    """The decision rules the module defines, found by evaluating each on an empty input
    (errors that only show at evaluation surface here, as ``policy_invalid``)."""
    found: dict[str, str] = {}
    engine.set_input_json("{}")
    for name in RULES:
        path = f"data.{package}.{name}"
        try:
            engine.eval_rule(path)
        except RuntimeError as exc:
            message = _first_line(str(exc))
            if _ABSENT in message:
                continue
            raise NexusError(ErrorCode.POLICY_INVALID, f"{name}: {message}"[:2000]) from exc
        found[name] = path
    if not found:
        raise NexusError(
            ErrorCode.POLICY_INVALID,
            f"package {package} defines none of the rules {', '.join(RULES)}",
        )
    return found
