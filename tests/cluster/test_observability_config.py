"""deploy/observability parses, and every metric its alerts and dashboard query is one the code exports
(taken from the Prometheus registry the apps fill, plus the scrape-time gauges of shared.metrics)."""

import json
import re
from pathlib import Path
from typing import Any

import yaml
from prometheus_client import REGISTRY

import billing.webhooks.metrics
import gateway.entitlements.metrics
import notifications.emails.metrics
import shared.metrics

OBSERVABILITY = Path(__file__).resolve().parents[2] / "deploy" / "observability"
SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_sum", "_count", "_created")}
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset"}
# modules whose import registers the domain counters (kept referenced so the imports are not unused)
EXPORTERS = (billing.webhooks.metrics, gateway.entitlements.metrics, notifications.emails.metrics)


def exported_names() -> set[str]:
    names = set(shared.metrics.GAUGE_HELP)
    for family in REGISTRY.collect():  # the sample names a scrape shows (a counter only as `_total`, ...)
        suffixes = SUFFIXES.get(family.type, ("",))
        names.update(family.name + suffix for suffix in suffixes)
    return names


def metric_names(expr: str) -> set[str]:
    """Metric names in a PromQL expression: identifiers that are neither functions, keywords, label
    names (in `{...}` or `by (...)`) nor durations."""
    expr = re.sub(r'"[^"]*"', "", expr)
    expr = re.sub(r"\{[^}]*\}", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)
    expr = re.sub(r"\b(?:by|without|on|ignoring)\s*\([^)]*\)", "", expr)
    found = set()
    for match in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr):
        following = expr[match.end() :].lstrip()
        if following.startswith("(") or match.group() in PROMQL_WORDS:
            continue
        found.add(match.group())
    return found


def load_yaml(name: str) -> Any:
    return yaml.safe_load((OBSERVABILITY / name).read_text())


def test_alert_rules_parse_and_query_only_exported_metrics() -> None:
    rules = [rule for group in load_yaml("alert-rules.yaml")["groups"] for rule in group["rules"]]
    exported = exported_names()

    assert {r["alert"] for r in rules} == {"StripeWebhookFailures", "DeadLettersPresent", "OutboxLagging"}
    for rule in rules:
        used = metric_names(rule["expr"])
        assert used, rule["alert"]
        assert used <= exported, (rule["alert"], used - exported)
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["annotations"]["summary"]
    thresholds = {r["alert"]: r["expr"] for r in rules}
    assert thresholds["StripeWebhookFailures"].endswith("[1h])) > 1")
    assert thresholds["DeadLettersPresent"].endswith("> 0")
    assert thresholds["OutboxLagging"].endswith("> 30")


def test_dashboard_parses_and_every_panel_queries_exported_metrics() -> None:
    dashboard = json.loads((OBSERVABILITY / "grafana-dashboard.json").read_text())
    exported = exported_names()
    queried: set[str] = set()

    for panel in dashboard["panels"]:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            used = metric_names(target["expr"])
            assert used <= exported, (panel["title"], used - exported)
            queried |= used
    wanted = {
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "outbox_oldest_unpublished_age_seconds",
        "events_consumer_lag_messages",
        "events_dead_letters",
        "billing_webhook_events_total",
        "notifications_emails_sent_total",
        "notifications_emails_failed_total",
        "gateway_entitlement_cache_hits_total",
        "gateway_entitlement_cache_misses_total",
    }
    assert wanted <= queried, wanted - queried


def test_collector_receives_otlp_exports_traces_and_scrapes_the_metrics_endpoints() -> None:
    config = load_yaml("otel-collector.yaml")
    pipelines = config["service"]["pipelines"]

    assert set(config["receivers"]["otlp"]["protocols"]) == {"grpc", "http"}
    assert pipelines["traces"]["receivers"] == ["otlp"]
    assert all(e in config["exporters"] for e in pipelines["traces"]["exporters"])
    [scrape] = config["receivers"]["prometheus"]["config"]["scrape_configs"]
    assert scrape["metrics_path"] == shared.metrics.METRICS_PATH
    assert pipelines["metrics"]["receivers"] == ["prometheus"]
    assert all(e in config["exporters"] for e in pipelines["metrics"]["exporters"])
    for pipeline in pipelines.values():
        assert all(p in config["processors"] for p in pipeline["processors"])
