"""Identity replicas configured with the same two signing keys: a token issued by one verifies at the
other and at the gateway; after a rotation (the new key moved first) old tokens still verify."""

import base64
import contextlib
import json
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from joserfc.jwk import RSAKey

from gateway.app import create_app as create_gateway
from gateway.settings import GatewaySettings
from shared.testing import applied_environment, asgi_client

from .conftest import replicas, served

PASSWORD = "Correct-horse-9"


def pem() -> str:
    return RSAKey.generate_key(2048).as_pem(private=True).decode()


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return pem(), pem()


def kid_of(token: str) -> str:
    header = token.split(".")[0]
    kid: str = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]
    return kid


@contextlib.asynccontextmanager
async def identity_replicas(
    environment: dict[str, str], private_keys: str, count: int, *, last: bool = True
) -> AsyncIterator[list[FastAPI]]:
    from identity.app import create_app

    with applied_environment({"JWT_PRIVATE_KEY": private_keys}):
        async with replicas(
            create_app, service="identity", environment=environment, count=count, remove_queues=last
        ) as apps:
            yield apps


@contextlib.asynccontextmanager
async def gateway_for(environment: dict[str, str], identity_url: str) -> AsyncIterator[httpx.AsyncClient]:
    unused = "http://127.0.0.1:9"
    app = create_gateway(
        GatewaySettings(
            amqp_url=environment["AMQP_URL"],
            events_namespace=environment["EVENTS_NAMESPACE"],
            internal_api_token=environment["INTERNAL_API_TOKEN"],
            identity_internal_url=identity_url,
            billing_internal_url=unused,
            onboarding_internal_url=unused,
            notifications_internal_url=unused,
            product_upstream_url=unused,
        )
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client,
    ):
        yield client


async def signed_up(client: httpx.AsyncClient) -> tuple[str, str]:
    email = f"user-{uuid.uuid4().hex[:12]}@example.com"
    registered = await client.post(
        "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": "Ada Lovelace"}
    )
    assert registered.status_code in (200, 201), registered.text
    return email, await logged_in(client, email)


async def logged_in(client: httpx.AsyncClient, email: str) -> str:
    tokens = await client.post("/api/v1/auth/login/json", json={"email": email, "password": PASSWORD})
    assert tokens.status_code == 200, tokens.text
    token: str = tokens.json()["access_token"]
    return token


async def me(client: httpx.AsyncClient, token: str) -> tuple[int, str | None]:
    answered = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    return answered.status_code, answered.json().get("email") if answered.status_code == 200 else None


async def test_tokens_verify_across_identity_replicas_and_the_gateway_through_a_key_rotation(
    identity_database: str, environment: dict[str, str], keys: tuple[str, str]
) -> None:
    old_key, new_key = keys
    async with (
        identity_replicas(environment, old_key + new_key, 2) as [first, second],
        asgi_client(first, "identity") as one,
        asgi_client(second, "identity") as two,
    ):
        email, old_token = await signed_up(one)
        assert await me(two, old_token) == (200, email)
        async with served(second) as second_url, gateway_for(environment, second_url) as gateway:
            assert await me(gateway, old_token) == (200, email)

        # rotation: a replica now signs with the new key, the old one still published beside it
        async with (
            identity_replicas(environment, new_key + old_key, 1, last=False) as [rotated],
            asgi_client(rotated, "identity") as three,
        ):
            new_token = await logged_in(three, email)
            assert await me(three, old_token) == (200, email)
            assert await me(one, new_token) == (200, email)
            async with served(rotated) as rotated_url, gateway_for(environment, rotated_url) as gateway:
                assert await me(gateway, old_token) == (200, email)
                assert await me(gateway, new_token) == (200, email)
    assert kid_of(old_token) != kid_of(new_token)
    assert kid_of(new_token) == RSAKey.import_key(new_key).thumbprint()
