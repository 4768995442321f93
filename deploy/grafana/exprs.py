"""PromQL of the shipped dashboards, built from a few shapes: a rate or an increase summed by
labels, a histogram quantile, the share of a counter's rate that matches a filter.

``matchers`` are label matchers as PromQL writes them inside braces (``'pool=~"$pool"'``),
joined with ``and_``; an empty string selects every series.
"""

from __future__ import annotations

RI = "$__rate_interval"
RANGE = "$__range"


def and_(*matchers: str) -> str:
    return ",".join(m for m in matchers if m)


def series(metric: str, matchers: str = "") -> str:
    return f"{metric}{{{matchers}}}" if matchers else metric


def rate(metric: str, matchers: str = "", window: str = RI) -> str:
    return f"rate({series(metric, matchers)}[{window}])"


def increase(metric: str, matchers: str = "", window: str = RANGE) -> str:
    return f"increase({series(metric, matchers)}[{window}])"


def agg(op: str, by: str, expr: str) -> str:
    """``sum(expr)``, or ``sum by (labels) (expr)``."""
    return f"{op} by ({by}) ({expr})" if by else f"{op}({expr})"


def sum_by(by: str, expr: str) -> str:
    return agg("sum", by, expr)


def quantile(q: float, metric: str, by: str = "", matchers: str = "") -> str:
    """The ``q`` quantile of a histogram over the rate interval, per ``by`` labels."""
    labels = f"le, {by}" if by else "le"
    return f"histogram_quantile({q}, {sum_by(labels, rate(f'{metric}_bucket', matchers))})"


def share(metric: str, part: str, by: str = "", matchers: str = "", *, window: str = RI) -> str:
    """Rate of the series matching ``part`` over the rate of all, per ``by`` labels."""
    if window == RANGE:
        top, bottom = increase(metric, and_(matchers, part)), increase(metric, matchers)
    else:
        top, bottom = rate(metric, and_(matchers, part), window), rate(metric, matchers, window)
    return f"{sum_by(by, top)} / {sum_by(by, bottom)}"


def or_zero(expr: str) -> str:
    return f"{expr} or vector(0)"


def legend(*labels: str) -> str:
    """``{{pipeline}} {{status}}``: a series' legend from its labels."""
    return " ".join(f"{{{{{label}}}}}" for label in labels)
