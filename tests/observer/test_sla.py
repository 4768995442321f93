"""SLA evaluation (pure): quantiles, failure rates, windows, too few samples, settings checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from nexus.core.errors import NexusError
from nexus.core.settings import ObserverSettings, SlaSettings
from nexus.observer.alerts import alert_type
from nexus.observer.sla import RunSample, evaluate_sla, parse_window, quantile

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def sample(status: str, took_s: float, ago_s: float = 60, pipeline: str = "demo") -> RunSample:
    end = NOW - timedelta(seconds=ago_s)
    return RunSample(pipeline, status, end - timedelta(seconds=took_s), end)


def sla(**kw: object) -> SlaSettings:
    base: dict[str, object] = {"name": "d", "pipeline": "demo", "duration_s": 10}
    base |= {"max_failure_rate": 0.2, "min_samples": 3, "window_s": 3600}
    return SlaSettings.model_validate(base | kw)


def test_nearest_rank_quantile() -> None:
    values = [float(v) for v in range(1, 21)]  # 1..20
    assert quantile(values, 0.95) == 19.0
    assert quantile(values, 0.5) == 10.0
    assert quantile([7.0], 0.99) == 7.0
    assert quantile([3.0, 1.0, 2.0], 0.34) == 2.0


def test_duration_and_failure_objectives_ok_and_breached() -> None:
    runs = [sample("succeeded", t) for t in (1, 2, 3, 4, 50)] + [sample("failed", 1)]
    duration, failures = evaluate_sla(sla(quantile=0.95), runs, NOW)
    assert (duration.objective, duration.indicator) == ("d.duration", "duration")
    assert duration.value == 50.0 and duration.samples == 5 and duration.status == "breached"
    assert failures.value == pytest.approx(1 / 6) and failures.status == "ok"
    duration, _ = evaluate_sla(sla(quantile=0.8), runs, NOW)
    assert duration.value == 4.0 and duration.status == "ok"


def test_failure_rate_ignores_cancelled_runs_and_other_pipelines() -> None:
    runs = [
        sample("failed", 1),
        sample("succeeded", 1),
        sample("succeeded", 1),
        sample("cancelled", 1),
        sample("failed", 1, pipeline="studio"),
    ]
    _, failures = evaluate_sla(sla(), runs, NOW)
    assert failures.samples == 3 and failures.value == pytest.approx(1 / 3)
    assert failures.status == "breached"


def test_window_excludes_old_runs_and_can_be_overridden() -> None:
    runs = [sample("failed", 1, ago_s=7200)] + [sample("succeeded", 1) for _ in range(3)]
    _, failures = evaluate_sla(sla(), runs, NOW)
    assert failures.value == 0.0 and failures.window_s == 3600
    _, failures = evaluate_sla(sla(), runs, NOW, window_s=3 * 3600)
    assert failures.value == pytest.approx(0.25) and failures.status == "breached"


def test_too_few_samples_is_no_data_not_a_breach() -> None:
    runs = [sample("failed", 100), sample("failed", 100)]
    duration, failures = evaluate_sla(sla(), runs, NOW)
    assert duration.status == "no_data" and duration.value is None and duration.samples == 0
    assert failures.status == "no_data" and failures.value == 1.0 and failures.samples == 2


def test_an_sla_may_have_one_target() -> None:
    (only,) = evaluate_sla(sla(duration_s=None), [sample("succeeded", 1)] * 3, NOW)
    assert only.indicator == "failure_rate"
    with pytest.raises(ValidationError, match="needs duration_s or max_failure_rate"):
        sla(duration_s=None, max_failure_rate=None)


def test_sla_names_are_unique_and_well_formed() -> None:
    with pytest.raises(ValidationError, match="its own name"):
        ObserverSettings(slas=[sla(), sla(pipeline="studio")])
    with pytest.raises(ValidationError):
        sla(name="Not OK!")


@pytest.mark.parametrize(
    ("text", "seconds"), [("90", 90), ("45s", 45), ("30m", 1800), ("6h", 21600), ("7d", 604800)]
)
def test_parse_window(text: str, seconds: float) -> None:
    assert parse_window(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "1y", "-5m", "soon", "1.5h", "100000d"])
def test_parse_window_refuses_nonsense(text: str) -> None:
    with pytest.raises(NexusError) as err:
        parse_window(text)
    assert err.value.code == "validation_failed"


def test_alerts_are_raised_on_breach_and_cleared_only_by_ok() -> None:
    assert alert_type(None, "breached") == "nexus.observer.sla_breached"
    assert alert_type("ok", "breached") == "nexus.observer.sla_breached"
    assert alert_type("no_data", "breached") == "nexus.observer.sla_breached"
    assert alert_type("breached", "breached") is None
    assert alert_type("breached", "no_data") is None  # a quiet night is not a recovery
    assert alert_type("breached", "ok") == "nexus.observer.sla_recovered"
    assert alert_type(None, "ok") is None and alert_type("no_data", "ok") is None
