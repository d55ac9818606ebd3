"""The hostile-input suite drives the same running stack as the end-to-end suite (its fixtures, reused),
and records every secret it handles so the last module can look for them in the stack's logs."""

from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import *  # noqa: F403 — the end-to-end suite's fixtures: the same stack, started for this run
from tests.e2e.conftest import BOOTSTRAP_ADMIN_EMAIL, BOOTSTRAP_ADMIN_PASSWORD, RunningStack
from tests.e2e.flows import PASSWORD, bearer, login, new_email, register


@dataclass
class Secrets:
    """Every secret value the suite used or obtained, by where it came from."""

    values: dict[str, str] = field(default_factory=dict)

    def add(self, label: str, value: str) -> None:
        if value:
            self.values[f"{label}#{len(self.values)}"] = value


@pytest.fixture(scope="session")
def secrets_seen(running_stack: RunningStack) -> Secrets:
    found = Secrets()
    env = running_stack.stack.env
    found.add("password", PASSWORD)
    found.add("admin password", BOOTSTRAP_ADMIN_PASSWORD)
    for name in ("INTERNAL_API_TOKEN", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"):
        found.add(name, env.get(name, ""))
    return found


@pytest.fixture(scope="session")
def log_dir(running_stack: RunningStack) -> Path:
    assert running_stack.stack.log_dir is not None
    return running_stack.stack.log_dir


@dataclass(frozen=True)
class Shop:
    """A self-served account's owner: email, token pair, ids."""

    email: str
    tokens: dict[str, str]
    user_id: str
    account_id: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.tokens)


async def new_shop(
    gateway: httpx.AsyncClient, secrets_seen: Secrets, tag: str = "shop", name: str = "Dana Shop"
) -> Shop:
    email = new_email(tag)
    registered = await register(gateway, email, name=name)
    assert registered.status_code == 201, registered.text
    tokens = await login(gateway, email)
    secrets_seen.add("access token", tokens["access_token"])
    secrets_seen.add("refresh token", tokens["refresh_token"])
    me = (await gateway.get("/api/v1/auth/me", headers=bearer(tokens))).json()
    return Shop(email=email.lower(), tokens=tokens, user_id=me["id"], account_id=me["account_id"])


@pytest.fixture
async def admin(gateway: httpx.AsyncClient, secrets_seen: Secrets) -> dict[str, str]:
    """The bootstrap super admin's bearer headers."""
    answer = await gateway.post(
        "/api/v1/auth/login/json", json={"email": BOOTSTRAP_ADMIN_EMAIL, "password": BOOTSTRAP_ADMIN_PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    secrets_seen.add("admin access token", tokens["access_token"])
    secrets_seen.add("admin refresh token", tokens["refresh_token"])
    return bearer(tokens)


# the fuzzer may change global admin state (it puts back what later modules rely on), and the log scan must see
# everything the run did: both run after the rest, in this order
RUN_LAST = ("test_fuzz_openapi.py", "test_zz_secrets_in_logs.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return RUN_LAST.index(name) + 1 if name in RUN_LAST else 0

    items.sort(key=rank)
