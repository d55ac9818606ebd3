"""Kill -9 a service during a burst of registrations and restart it: every registered account ends with
exactly one subscription and every user with exactly one verification email."""

import asyncio
from collections import Counter

import asyncpg
import httpx
import pytest

from shared.testing import poll

from .conftest import RunningStack
from .flows import messages_to, new_email, register

BURST = 24


async def _done_at_least(tasks: list["asyncio.Task[object]"], count: int) -> bool:
    return sum(task.done() for task in tasks) >= count


async def subscriptions_per_account(running_stack: RunningStack) -> Counter[str]:
    url = running_stack.stack.env["BILLING_DATABASE_URL"].replace("+asyncpg", "")
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT account_id::text AS account_id FROM subscriptions")
    finally:
        await conn.close()
    return Counter(r["account_id"] for r in rows)


@pytest.mark.parametrize("victim", ["billing", "notifications", "identity", "onboarding"])
async def test_service_killed_during_registration_burst_loses_and_duplicates_nothing(
    victim: str, running_stack: RunningStack, gateway: httpx.AsyncClient, mail: httpx.AsyncClient
) -> None:
    emails = [new_email(f"burst-{victim}") for _ in range(BURST)]

    async def attempt(email: str) -> tuple[str, httpx.Response | None]:
        try:
            return email, await register(gateway, email)
        except httpx.HTTPError:
            return email, None

    burst = [asyncio.create_task(attempt(e)) for e in emails]
    # the victim dies once a few registrations have completed, with the rest still in flight
    await asyncio.wait(burst, return_when=asyncio.FIRST_COMPLETED)
    await poll(lambda: _done_at_least(burst, 3), timeout=30, interval=0.01, message="first registrations")
    running_stack.stack.kill(victim)
    assert not all(task.done() for task in burst), "the burst ended before the kill; make it larger"
    results = await asyncio.gather(*burst)
    running_stack.stack.start_app(victim)
    await running_stack.stack.wait_ready((victim,), timeout=60)

    registered = {email.lower(): r.json() for email, r in results if r is not None and r.status_code == 201}
    assert registered, "no registration succeeded at all"
    accounts = {user["account_id"] for user in registered.values()}

    async def one_subscription_each() -> bool:
        counts = await subscriptions_per_account(running_stack)
        return all(counts[a] >= 1 for a in accounts)

    await poll(one_subscription_each, timeout=60, interval=0.25, message="a subscription for every account")

    async def one_email_each() -> bool:
        for email in registered:
            if not await messages_to(mail, email):
                return False
        return True

    await poll(one_email_each, timeout=90, interval=0.25, message="a verification email for every user")
    await asyncio.sleep(1.0)  # a duplicate, if any, would be in flight now: let it land before counting
    counts = await subscriptions_per_account(running_stack)
    assert {a: counts[a] for a in accounts} == dict.fromkeys(accounts, 1)
    for email in registered:
        assert len(await messages_to(mail, email)) == 1, email
