"""deploy/prometheus/alerts.yaml is a valid rule file and every expression names a series the
runtime or a service exports (a renamed metric must not silently disarm an alert)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from notify import provider_metrics  # noqa: F401  (declares notify's series)
from orderhub_runtime import metrics  # noqa: F401  (declares the runtime's series)
from prometheus_client import REGISTRY

ALERTS = Path(__file__).resolve().parents[1] / "deploy" / "prometheus" / "alerts.yaml"
_SERIES = re.compile(r"\borderhub_[a-z0-9_]+\b")
_SUFFIXES = ("", "_total", "_bucket", "_sum", "_count", "_created")


def exported_series() -> set[str]:
    names: set[str] = set()
    for family in REGISTRY.collect():
        names.update(family.name + suffix for suffix in _SUFFIXES)
    return names


def test_alert_rules_load_and_name_exported_series() -> None:
    document = yaml.safe_load(ALERTS.read_text())
    rules = [rule for group in document["groups"] for rule in group["rules"]]
    assert {group["name"] for group in document["groups"]}
    exported = exported_series()
    named: set[str] = set()
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", rule["alert"])
        assert rule["labels"]["severity"] in {"page", "warning"}
        assert rule["annotations"]["summary"]
        expr = str(rule["expr"])
        assert expr.count("(") == expr.count(")") and expr.count("{") == expr.count("}"), expr
        series = set(_SERIES.findall(expr))
        assert series, f"{rule['alert']} names no OrderHub series"
        assert series <= exported, f"{rule['alert']}: not exported: {series - exported}"
        named |= series
    # What must be watched: outbox age, consumer lag, dead letters, SMS failures.
    assert {
        "orderhub_outbox_oldest_unsent_age_seconds",
        "orderhub_consumer_lag",
        "orderhub_dead_letters_total",
        "orderhub_notify_provider_calls_total",
    } <= named
