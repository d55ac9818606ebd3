from pathlib import Path

import httpx
import pytest
from fakes import INTERNAL_TOKEN, GatewayFactory, closed_url

from gateway.app import create_app
from gateway.settings import GatewaySettings


async def test_healthz(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_ready_when_broker_and_services_answer(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"] == {
        k: "ok" for k in ("broker", "identity", "billing", "onboarding", "notifications", "product")
    }


async def test_not_ready_when_a_service_is_down_but_product_down_is_only_reported(
    gateway_client: GatewayFactory,
) -> None:
    async with gateway_client(product_upstream_url=closed_url()) as gateway:
        product_down = await gateway.get("/readyz")
    assert product_down.status_code == 200
    assert product_down.json()["checks"]["product"] != "ok"
    async with gateway_client(billing_internal_url=closed_url()) as gateway:
        billing_down = await gateway.get("/readyz")
    assert billing_down.status_code == 503
    assert billing_down.json()["status"] == "not_ready"
    assert billing_down.json()["checks"]["billing"] != "ok"


def test_bad_route_table_refuses_to_start(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "routes.yaml"
    source.write_text("routes: [{path: /api/v1/x, upstream: identity, policy: owner}]")
    with pytest.raises(SystemExit) as caught:
        create_app(GatewaySettings(internal_api_token=INTERNAL_TOKEN, route_table_file=source))
    assert caught.value.code == 2
    message = capsys.readouterr().err.strip()
    assert message.startswith("configuration error: route table:")
    assert "routes.0.policy" in message
    assert "\n" not in message
