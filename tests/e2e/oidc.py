"""The local OpenID Connect providers of the end-to-end stack (tests/oidc-provider, node-oidc-provider):
a Google-like one and a Microsoft-like multi-tenant one, started before the stack, and the browser's
part of a sign-in."""

import contextlib
import json
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

import httpx

from shared.testing import spawn_ready

PROVIDER_DIR = Path(__file__).resolve().parents[1] / "oidc-provider"
REDIRECT_BASE = "http://spa.test"
CLIENTS = {"google": ("e2e-google", "e2e-google-secret"), "microsoft": ("e2e-microsoft", "e2e-microsoft-secret")}


def discovery_url(flavour: str, base_url: str) -> str:
    if flavour == "microsoft":
        return f"{base_url}/common/v2.0/.well-known/openid-configuration"
    return f"{base_url}/.well-known/openid-configuration"


@dataclass
class OidcProvider:
    flavour: str
    base_url: str
    process: subprocess.Popen[bytes]

    @property
    def discovery_url(self) -> str:
        return discovery_url(self.flavour, self.base_url)

    def add_account(self, name: str = "Dana Shop") -> dict[str, Any]:
        """A new person at the provider, with a unique subject and email."""
        tag = uuid.uuid4().hex[:10]
        account: dict[str, Any] = {"sub": f"sub-{tag}", "email": f"{self.flavour}-{tag}@example.com", "name": name}
        if self.flavour == "google":
            account["email_verified"] = True
        else:
            account.update({"oid": str(uuid.uuid4()), "tid": str(uuid.uuid4()), "preferred_username": account["email"]})
        response = httpx.post(f"{self.base_url}/_test/accounts", json=account, timeout=5.0)
        response.raise_for_status()
        return account

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(flavour: str, log_dir: Path) -> OidcProvider:
    node = shutil.which("node")
    if node is None or not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError(f"the local OIDC provider needs Node and `npm ci --prefix {PROVIDER_DIR}`")
    client_id, secret = CLIENTS[flavour]
    redirect_uri = f"{REDIRECT_BASE}/auth/{flavour}/callback"
    clients = [{"client_id": client_id, "client_secret": secret, "redirect_uris": [redirect_uri]}]

    def environment(port: int) -> dict[str, str]:
        config = {
            "flavour": flavour,
            "port": port,
            "issuer": f"http://127.0.0.1:{port}",
            "clients": clients,
            "accounts": [],
        }
        return {"PATH": str(Path(node).parent), "OIDC_PROVIDER_CONFIG": json.dumps(config)}

    log_dir.mkdir(parents=True, exist_ok=True)
    process, port = spawn_ready(
        [node, str(PROVIDER_DIR / "server.js")],
        env_for_port=environment,
        ready_url=lambda port: discovery_url(flavour, f"http://127.0.0.1:{port}"),
        log=log_dir / f"oidc-{flavour}.log",
        cwd=PROVIDER_DIR,
    )
    return OidcProvider(flavour=flavour, base_url=f"http://127.0.0.1:{port}", process=process)


@dataclass(frozen=True)
class OidcProviders:
    google: OidcProvider
    microsoft: OidcProvider

    def environment(self) -> dict[str, str]:
        """What identity needs to offer both providers."""
        return {
            "GOOGLE_CLIENT_ID": CLIENTS["google"][0],
            "GOOGLE_CLIENT_SECRET": CLIENTS["google"][1],
            "GOOGLE_OIDC_DISCOVERY_URL": self.google.discovery_url,
            "MS_CLIENT_ID": CLIENTS["microsoft"][0],
            "MS_CLIENT_SECRET": CLIENTS["microsoft"][1],
            "MS_OIDC_DISCOVERY_URL": self.microsoft.discovery_url,
            "OAUTH_REDIRECT_BASE": REDIRECT_BASE,
        }


@contextlib.contextmanager
def running_providers(log_dir: Path) -> Iterator[OidcProviders]:
    google = start("google", log_dir)
    try:
        microsoft = start("microsoft", log_dir)
        try:
            yield OidcProviders(google=google, microsoft=microsoft)
        finally:
            microsoft.stop()
    finally:
        google.stop()


def _with_params(url: str, **params: str) -> str:
    parts = urlparse(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    query.update(params)
    return urlunparse(parts._replace(query=urlencode(query)))


async def browser_sign_in(url: str, login_hint: str, provider: str) -> dict[str, str]:
    """Follow the provider's redirects as `login_hint` until it sends the browser to our callback page;
    returns that page's query (code, state)."""
    callback = f"{REDIRECT_BASE}/auth/{provider}/callback"
    async with httpx.AsyncClient(timeout=10.0) as browser:
        response = await browser.get(_with_params(url, login_hint=login_hint))
        for _ in range(10):
            location = response.headers.get("location")
            assert response.is_redirect, f"{response.status_code} {response.text}"
            assert location
            target = str(response.url.join(location))
            if target.startswith(callback):
                return {k: v[-1] for k, v in parse_qs(urlparse(target).query).items()}
            response = await browser.get(target)
    raise AssertionError("the provider never redirected back to the callback page")
