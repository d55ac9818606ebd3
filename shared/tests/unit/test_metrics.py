"""/metrics: requests labelled by route template (never the raw path), scrape-time gauges that time out
are left out rather than blocking the scrape."""

import asyncio

import httpx
from fastapi import FastAPI, Request
from prometheus_client.parser import text_string_to_metric_families

from shared.metrics import (
    OUTBOX_BACKLOG,
    RequestMetricsMiddleware,
    Sample,
    ScrapeGauges,
    metrics_router,
    set_route_template,
)


def app_with(gauges: ScrapeGauges) -> FastAPI:
    app = FastAPI()
    app.add_middleware(RequestMetricsMiddleware, service="unit")
    app.include_router(metrics_router(gauges))

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @app.get("/{path:path}")
    async def catch_all(path: str, request: Request) -> dict[str, str]:
        set_route_template(request.scope, "/api/v1/things/{thing_id}")
        return {"path": path}

    return app


def scraped(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def labels(route: str, status_class: str) -> tuple[tuple[str, str], ...]:
    return (("method", "GET"), ("route", route), ("service", "unit"), ("status_class", status_class))


async def test_requests_are_counted_by_route_template_and_status_class() -> None:
    app = app_with(ScrapeGauges())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://unit") as client:
        for item_id in ("1", "2", "not-a-number"):
            await client.get(f"/items/{item_id}")
        await client.get("/api/v1/things/42")
        found = scraped((await client.get("/metrics")).text)

    assert found[("http_requests_total", labels("/items/{item_id}", "2xx"))] == 2
    assert found[("http_requests_total", labels("/items/{item_id}", "4xx"))] == 1
    assert found[("http_requests_total", labels("/api/v1/things/{thing_id}", "2xx"))] == 1
    assert not any("42" in str(key) or "/metrics" in str(key) for key in found)


async def test_a_probe_that_hangs_is_left_out_and_the_others_are_reported() -> None:
    gauges = ScrapeGauges(timeout=0.1)
    calls = 0

    async def backlog() -> list[Sample]:
        nonlocal calls
        calls += 1
        return [Sample(OUTBOX_BACKLOG, 3, {"service": "unit"})]

    async def hanging() -> list[Sample]:
        await asyncio.Event().wait()
        return []

    gauges.add(backlog, cache_seconds=60.0)
    gauges.add(hanging)
    app = app_with(gauges)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://unit") as client:
        first = await client.get("/metrics")
        second = await client.get("/metrics")

    assert first.status_code == second.status_code == 200
    assert scraped(first.text)[(OUTBOX_BACKLOG, (("service", "unit"),))] == 3
    assert scraped(second.text)[(OUTBOX_BACKLOG, (("service", "unit"),))] == 3
    assert calls == 1  # cached between scrapes
