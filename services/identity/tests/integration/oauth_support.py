"""The local OpenID Connect provider (tests/oidc-provider, node-oidc-provider) as a subprocess, an
identity app configured against it, and the browser's part of a sign-in: following the provider's
redirects with a login_hint until it sends the code to our redirect URI."""

import base64
import contextlib
import hashlib
import json
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

import httpx
import pytest
from sqlalchemy import text

from shared.clock import ManualClock
from shared.db import SessionFactory
from shared.testing import applied_environment, asgi_client, spawn_ready

REPO_ROOT = Path(__file__).resolve().parents[4]
PROVIDER_DIR = REPO_ROOT / "tests" / "oidc-provider"
REDIRECT_BASE = "http://spa.example.com"
GOOGLE_CLIENT = ("identity-google", "google-client-secret")
MS_CLIENT = ("identity-microsoft", "microsoft-client-secret")


def discovery_url(flavour: str, base_url: str) -> str:
    if flavour == "microsoft":
        return f"{base_url}/common/v2.0/.well-known/openid-configuration"
    return f"{base_url}/.well-known/openid-configuration"


@dataclass
class LocalProvider:
    """One running node-oidc-provider; `discovery_url` is what identity is configured with."""

    flavour: str
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path
    accounts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def discovery_url(self) -> str:
        return discovery_url(self.flavour, self.base_url)

    def tenant_issuer(self, tenant: str) -> str:
        return f"{self.base_url}/{tenant}/v2.0"

    def add_account(self, **claims: Any) -> dict[str, Any]:
        """A new person at the provider (unique sub and email unless given)."""
        tag = uuid.uuid4().hex[:12]
        account: dict[str, Any] = {"sub": f"sub-{tag}", "email": f"oidc-{tag}@example.com", "name": "Ada Lovelace"}
        if self.flavour == "google":
            account["email_verified"] = True
        else:
            account.update({"oid": str(uuid.uuid4()), "tid": str(uuid.uuid4())})
        account.update(claims)
        account = {k: v for k, v in account.items() if v is not None}
        response = httpx.post(f"{self.base_url}/_test/accounts", json=account, timeout=5.0)
        assert response.status_code == 201, response.text
        return account


def start_provider(flavour: str, clients: list[dict[str, Any]], log_dir: Path) -> LocalProvider:
    node = shutil.which("node")
    if node is None or not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail(f"the local OIDC provider needs Node and `npm ci --prefix {PROVIDER_DIR}`")

    def environment(port: int) -> dict[str, str]:
        config = {
            "flavour": flavour,
            "port": port,
            "issuer": f"http://127.0.0.1:{port}",
            "clients": clients,
            "accounts": [],
        }
        return {"PATH": str(Path(node).parent), "OIDC_PROVIDER_CONFIG": json.dumps(config)}

    def ready_url(port: int) -> str:
        return discovery_url(flavour, f"http://127.0.0.1:{port}")

    log = log_dir / f"oidc-{flavour}-{uuid.uuid4().hex[:8]}.log"
    try:
        process, port = spawn_ready(
            [node, str(PROVIDER_DIR / "server.js")],
            env_for_port=environment,
            ready_url=ready_url,
            log=log,
            cwd=PROVIDER_DIR,
        )
    except RuntimeError as exc:
        pytest.fail(str(exc))
    return LocalProvider(flavour=flavour, base_url=f"http://127.0.0.1:{port}", process=process, log=log)


def stop_provider(provider: LocalProvider) -> None:
    provider.process.terminate()
    try:
        provider.process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        provider.process.kill()
        provider.process.wait()


@contextlib.contextmanager
def running_provider(flavour: str, client: tuple[str, str], log_dir: Path) -> Iterator[LocalProvider]:
    client_id, secret = client
    clients = [
        {"client_id": client_id, "client_secret": secret, "redirect_uris": [f"{REDIRECT_BASE}/auth/{flavour}/callback"]}
    ]
    provider = start_provider(flavour, clients, log_dir)
    try:
        yield provider
    finally:
        stop_provider(provider)


@dataclass
class OAuthStack:
    google: LocalProvider
    microsoft: LocalProvider
    app: Any
    clock: ManualClock


@contextlib.asynccontextmanager
async def oauth_stack(tmp: Path, environment: dict[str, str]) -> AsyncIterator[OAuthStack]:
    """Both providers and an identity app (same database and event namespace as the suite's) configured
    with them, on a clock the test can move."""
    with (
        running_provider("google", GOOGLE_CLIENT, tmp) as google,
        running_provider("microsoft", MS_CLIENT, tmp) as microsoft,
        applied_environment(
            {
                "GOOGLE_CLIENT_ID": GOOGLE_CLIENT[0],
                "GOOGLE_CLIENT_SECRET": GOOGLE_CLIENT[1],
                "GOOGLE_OIDC_DISCOVERY_URL": google.discovery_url,
                "MS_CLIENT_ID": MS_CLIENT[0],
                "MS_CLIENT_SECRET": MS_CLIENT[1],
                "MS_OIDC_DISCOVERY_URL": microsoft.discovery_url,
                "OAUTH_REDIRECT_BASE": REDIRECT_BASE,
            }
        ),
    ):
        from identity.app import create_app

        clock = ManualClock()
        app = create_app(clock=clock)
        async with app.router.lifespan_context(app):
            yield OAuthStack(google=google, microsoft=microsoft, app=app, clock=clock)


@contextlib.asynccontextmanager
async def oauth_client(stack: OAuthStack) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(stack.app, "identity") as c:
        yield c


def with_params(url: str, **params: str) -> str:
    """`url` with query parameters set (replacing any of the same name)."""
    parts = urlparse(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    query.update(params)
    return urlunparse(parts._replace(query=urlencode(query)))


async def follow_to_callback(url: str, login_hint: str, provider: str) -> dict[str, str]:
    """What a browser does at the provider: it signs in as `login_hint` and is sent back to our
    redirect URI; returns that redirect's query (code, state, iss — or error)."""
    callback = f"{REDIRECT_BASE}/auth/{provider}/callback"
    async with httpx.AsyncClient(timeout=10.0) as browser:
        response = await browser.get(with_params(url, login_hint=login_hint))
        for _ in range(10):
            location = response.headers.get("location")
            assert response.is_redirect, f"{response.status_code} {response.text}"
            assert location
            target = str(response.url.join(location))
            if target.startswith(callback):
                return {k: v[-1] for k, v in parse_qs(urlparse(target).query).items()}
            response = await browser.get(target)
    raise AssertionError("the provider never redirected back to the callback")


async def authorize(client: httpx.AsyncClient, provider: str, **query: str) -> dict[str, str]:
    response = await client.get(f"/api/v1/auth/{provider}/authorize", params=query)
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


async def sign_in(
    client: httpx.AsyncClient, provider: str, account: dict[str, Any], body: dict[str, Any] | None = None, **query: str
) -> httpx.Response:
    """The whole browser round trip: authorize, sign in at the provider, post the code to the callback."""
    started = await authorize(client, provider, **query)
    hint = account.get("email") or account.get("preferred_username") or account["sub"]
    redirect = await follow_to_callback(started["url"], hint, provider)
    assert "code" in redirect, redirect
    assert redirect["state"] == started["state"]
    payload = {"code": redirect["code"], "state": redirect["state"], **(body or {})}
    return await client.post(f"/api/v1/auth/{provider}/callback", json=payload)


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def query_of(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(url).query).items()}


async def account_created_events(db: SessionFactory, owner_id: str) -> list[dict[str, Any]]:
    """The `data` of `identity.account.created` events whose owner is `owner_id`."""
    async with db() as session:
        result = await session.execute(
            text(
                "SELECT envelope FROM outbox WHERE type = 'identity.account.created' "
                "AND envelope->'data'->>'owner_id' = :u ORDER BY created_at"
            ),
            {"u": owner_id},
        )
        return [dict(r["envelope"]["data"]) for r in result.mappings().all()]
