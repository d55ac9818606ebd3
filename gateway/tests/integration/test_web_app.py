"""WEB_DIST_DIR: the built SPA served at / by the gateway, with the index.html fallback for client-side routes,
while the API, health and unknown /api/v1 paths keep their JSON answers."""

from pathlib import Path

import httpx
import pytest
from fakes import INTERNAL_TOKEN, GatewayFactory

from gateway.app import create_app
from gateway.settings import GatewaySettings

INDEX_HTML = "<!doctype html><title>app</title><div id=root></div>"
ASSET_JS = "console.log('app')"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX_HTML)
    (tmp_path / "assets" / "index-abc123.js").write_text(ASSET_JS)
    (tmp_path.parent / "secret.txt").write_text("outside the dist directory")
    return tmp_path


async def test_serves_the_app_and_falls_back_to_index_for_client_routes(
    gateway_client: GatewayFactory, dist: Path
) -> None:
    async with gateway_client(web_dist_dir=dist) as gateway:
        root = await gateway.get("/")
        deep = await gateway.get("/account/billing/select-plan?x=1")
        asset = await gateway.get("/assets/index-abc123.js")
        missing_asset = await gateway.get("/assets/index-gone.js")
        head = await gateway.head("/welcome")
    assert (root.status_code, root.text) == (200, INDEX_HTML)
    assert root.headers["content-type"].startswith("text/html")
    assert root.headers["cache-control"] == "no-cache"
    assert (deep.status_code, deep.text) == (200, INDEX_HTML)
    assert (asset.status_code, asset.text) == (200, ASSET_JS)
    assert "immutable" in asset.headers["cache-control"]
    assert asset.headers["x-request-id"]
    assert missing_asset.status_code == 404
    assert head.status_code == 200
    assert head.content == b""


async def test_api_and_health_paths_are_never_the_app(gateway_client: GatewayFactory, dist: Path) -> None:
    async with gateway_client(web_dist_dir=dist) as gateway:
        unknown_api = await gateway.get("/api/v1/no-such-route")
        bare_api = await gateway.get("/api")
        health = await gateway.get("/healthz")
        forwarded = await gateway.get("/api/v1/config/public")
        posted = await gateway.post("/welcome", json={})
    assert (unknown_api.status_code, unknown_api.json()) == (404, {"detail": "Not Found"})
    assert bare_api.status_code == 404
    assert bare_api.json() == {"detail": "Not Found"}
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert forwarded.status_code == 200
    assert forwarded.headers["content-type"].startswith("application/json")
    assert posted.status_code == 404
    assert posted.json() == {"detail": "Not Found"}


async def test_paths_outside_the_dist_directory_are_not_served(gateway_client: GatewayFactory, dist: Path) -> None:
    async with gateway_client(web_dist_dir=dist) as gateway:
        escaped = await gateway.get("/%2e%2e/secret.txt")
        dotted = await gateway.get("/assets/../../secret.txt")
    for response in (escaped, dotted):
        assert "outside the dist directory" not in response.text


async def test_without_the_setting_the_gateway_serves_the_api_only(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/")
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})


def test_a_dist_directory_without_index_refuses_to_start(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        create_app(GatewaySettings(internal_api_token=INTERNAL_TOKEN, web_dist_dir=tmp_path))
    assert exited.value.code == 2
    message = capsys.readouterr().err.strip()
    assert message.startswith("configuration error: WEB_DIST_DIR")
    assert "index.html" in message
