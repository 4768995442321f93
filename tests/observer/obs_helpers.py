"""Shared checks of the observability tests: a process's exposition against the catalogue,
and a trace's spans by name."""

from __future__ import annotations

from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from nexus.observer.catalogue import Process, exposed_by

HISTOGRAM_LABELS = {"le"}


def check_exposition(process: Process, text: str | bytes) -> dict[str, Any]:
    """Every catalogue metric ``process`` claims is in ``text`` with its type and exactly its
    labels; nothing else is. Returns the families by catalogue name."""
    families: dict[str, Any] = {}
    if isinstance(text, bytes):
        text = text.decode()
    for family in text_string_to_metric_families(text):
        name = f"{family.name}_total" if family.type == "counter" else family.name
        assert name not in families, f"{name} exposed twice"
        families[name] = family
    claimed = {m.name: m for m in exposed_by(process)}
    assert set(families) == set(claimed), (
        f"{process}: missing {sorted(set(claimed) - set(families))}, "
        f"unexpected {sorted(set(families) - set(claimed))}"
    )
    for name, metric in claimed.items():
        family = families[name]
        assert family.type == metric.kind, (name, family.type, metric.kind)
        for sample in family.samples:
            labels = set(sample.labels) - HISTOGRAM_LABELS
            assert labels == set(metric.labels), (name, sample.labels, metric.labels)
    return families


def samples(family: Any) -> dict[tuple[tuple[str, str], ...], float]:
    return {
        tuple(sorted(s.labels.items())): s.value
        for s in family.samples
        if not s.name.endswith(("_bucket", "_sum", "_created"))
    }


def by_name(spans: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [s for s in spans if s["name"] == name]
