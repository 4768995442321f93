"""A small PromQL tokenizer for tests: the metric selectors (name and matcher labels) and the
grouping labels (``by``/``without``/``on``/``ignoring``/``group_left``) of an expression, so the
shipped dashboards and alert rules can be checked against the metric catalogue.

It does not evaluate anything; `promtool check rules` checks the syntax where it is installed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nexus.observer.catalogue import BY_NAME, series_names

TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<range>\[[^\]]*\])
  | (?P<number>(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:e[+-]?\d+)?)(?:ms|s|m|h|d|w|y)?)
  | (?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<var>\$\{?[a-zA-Z_][a-zA-Z0-9_]*\}?)
  | (?P<op>=~|!~|!=|==|>=|<=|[-+*/%^<>=,(){}@])
    """,
    re.VERBOSE,
)
FUNCTIONS = {
    "abs", "absent", "absent_over_time", "avg_over_time", "ceil", "changes", "clamp",
    "clamp_max", "clamp_min", "count_over_time", "day_of_month", "day_of_week", "delta",
    "deriv", "exp", "floor", "histogram_quantile", "holt_winters", "idelta", "increase",
    "irate", "label_join", "label_replace", "last_over_time", "ln", "log2", "log10",
    "max_over_time", "min_over_time", "predict_linear", "quantile_over_time", "rate",
    "resets", "round", "scalar", "sort", "sort_desc", "sqrt", "stddev_over_time",
    "sum_over_time", "time", "timestamp", "vector",
}  # fmt: skip
AGGREGATIONS = {
    "sum", "avg", "min", "max", "count", "stddev", "stdvar", "topk", "bottomk", "quantile",
    "count_values", "group",
}  # fmt: skip
GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan"}


class PromQLError(ValueError):
    pass


@dataclass
class Selector:
    metric: str
    labels: set[str] = field(default_factory=set)


@dataclass
class Parsed:
    selectors: list[Selector]
    grouping: set[str]
    functions: set[str]


def tokenize(expr: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(expr):
        m = TOKEN.match(expr, pos)
        if m is None:
            raise PromQLError(f"cannot read {expr[pos : pos + 20]!r} in {expr!r}")
        kind = m.lastgroup or ""
        if kind != "space":
            tokens.append((kind, m.group()))
        pos = m.end()
    return tokens


def _label_list(tokens: list[tuple[str, str]], i: int) -> tuple[set[str], int]:
    """``( a, b )`` starting at tokens[i] == '('; returns the labels and the index after ')'."""
    labels: set[str] = set()
    i += 1
    while i < len(tokens) and tokens[i][1] != ")":
        kind, text = tokens[i]
        if kind == "ident":
            labels.add(text)
        elif text != ",":
            raise PromQLError(f"unexpected {text!r} in a label list")
        i += 1
    return labels, i + 1


def _matchers(tokens: list[tuple[str, str]], i: int) -> tuple[set[str], int]:
    """``{ a="x", b=~"y" }`` starting at tokens[i] == '{'."""
    labels: set[str] = set()
    i += 1
    while i < len(tokens) and tokens[i][1] != "}":
        kind, text = tokens[i]
        if kind == "ident":
            if i + 2 >= len(tokens) or tokens[i + 1][1] not in {"=", "!=", "=~", "!~"}:
                raise PromQLError(f"label {text!r} without a matcher")
            if tokens[i + 2][0] != "string":
                raise PromQLError(f"label {text!r} must be matched against a string")
            labels.add(text)
            i += 3
        elif text == ",":
            i += 1
        else:
            raise PromQLError(f"unexpected {text!r} in a selector")
    if i >= len(tokens):
        raise PromQLError("unclosed selector")
    return labels, i + 1


def parse(expr: str) -> Parsed:
    tokens = tokenize(expr)
    selectors: list[Selector] = []
    grouping: set[str] = set()
    functions: set[str] = set()
    depth = 0
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        nxt = tokens[i + 1][1] if i + 1 < len(tokens) else ""
        if text in "()":
            depth += 1 if text == "(" else -1
            if depth < 0:
                raise PromQLError(f"unbalanced parentheses in {expr!r}")
        elif kind == "ident" and text in GROUPING and nxt == "(":
            labels, i = _label_list(tokens, i + 1)
            grouping |= labels
            continue
        elif kind == "ident" and text in AGGREGATIONS and nxt in GROUPING:
            functions.add(text)  # ``sum by (pool) (...)``: the grouping comes first
        elif kind == "ident" and nxt == "(":
            if text not in FUNCTIONS | AGGREGATIONS:
                raise PromQLError(f"unknown function {text!r} in {expr!r}")
            functions.add(text)
        elif kind == "ident" and text.lower() not in KEYWORDS and text not in GROUPING:
            labels: set[str] = set()
            i += 1
            if i < len(tokens) and tokens[i][1] == "{":
                labels, i = _matchers(tokens, i)
            selectors.append(Selector(text, labels))
            continue
        elif text == "{":
            raise PromQLError(f"a selector without a metric name in {expr!r}")
        i += 1
    if depth != 0:
        raise PromQLError(f"unbalanced parentheses in {expr!r}")
    return Parsed(selectors, grouping, functions)


# Series Prometheus itself attaches to every target; allowed beside the catalogue.
BUILTIN_SERIES = {"up": ("job", "instance")}
SCRAPE_LABELS = {"job", "instance"}


def catalogue_problems(expr: str) -> list[str]:
    """Why ``expr`` queries something the metric catalogue does not define ([] if nothing)."""
    known = series_names()
    parsed = parse(expr)
    problems: list[str] = []
    allowed_grouping = {"le"} | SCRAPE_LABELS
    if not parsed.selectors:
        problems.append(f"no metric in {expr!r}")
    for sel in parsed.selectors:
        if sel.metric in BUILTIN_SERIES:
            labels = set(BUILTIN_SERIES[sel.metric])
        elif sel.metric in known:
            base = re.sub(r"_(bucket|sum|count)$", "", sel.metric)
            metric = BY_NAME.get(sel.metric) or BY_NAME[base]
            labels = set(metric.labels) | SCRAPE_LABELS
            if sel.metric.endswith("_bucket") and metric.kind == "histogram":
                labels.add("le")
        else:
            problems.append(f"{sel.metric} is not in the catalogue")
            continue
        for label in sel.labels - labels:
            problems.append(f"{sel.metric} has no label {label!r}")
        allowed_grouping |= labels
    for label in parsed.grouping - allowed_grouping:
        problems.append(f"grouping by {label!r}, which no metric of {expr!r} has")
    return problems
