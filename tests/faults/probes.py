"""What the fault tests drive and read: a registration load through the gateway, the stored effects in
each service's database, the mail catcher, and whether the event pipeline has drained."""

import asyncio
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx

from devstack.stack import SERVICES
from shared.bus.names import RETRY_DELAYS_MS, BusNames
from shared.testing import poll
from tests.e2e.flows import messages_to, new_email, register

from .servers import ThrowawayRabbitMQ

CLIENT_TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class Attempt:
    email: str
    started_at: float  # time.monotonic()
    elapsed: float
    status: int | None  # None: no HTTP answer (transport error or client timeout)
    body: Any

    @property
    def registered(self) -> bool:
        return self.status == 201


@dataclass
class SignupLoad:
    """Registrations through the gateway, `concurrency` at a time, until `total` are sent or `stop()`."""

    gateway: httpx.AsyncClient
    concurrency: int
    total: int | None = None
    tag: str = "fault"
    attempts: list[Attempt] = field(default_factory=list)
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _sent: int = 0

    def stop(self) -> None:
        self._stopping.set()

    def done_count(self) -> int:
        return len(self.attempts)

    def registered(self) -> dict[str, dict[str, Any]]:
        """Lower-cased email → the 201 body (the new user, with its account_id)."""
        return {a.email.lower(): a.body for a in self.attempts if a.registered}

    def between(self, start: float, end: float) -> list[Attempt]:
        """Attempts whose request was in flight at some moment of [start, end]."""
        return [a for a in self.attempts if a.started_at <= end and a.started_at + a.elapsed >= start]

    async def _one(self, email: str) -> None:
        started = time.monotonic()
        try:
            response = await register(self.gateway, email)
        except httpx.HTTPError:
            self.attempts.append(Attempt(email, started, time.monotonic() - started, None, None))
            return
        try:
            body = response.json()
        except ValueError:
            body = response.text
        self.attempts.append(Attempt(email, started, time.monotonic() - started, response.status_code, body))

    async def _worker(self) -> None:
        while not self._stopping.is_set() and (self.total is None or self._sent < self.total):
            self._sent += 1
            await self._one(new_email(self.tag))

    async def run(self) -> None:
        await asyncio.gather(*(self._worker() for _ in range(self.concurrency)))


def plain_dsn(url: str) -> str:
    return url.replace("+asyncpg", "")


async def fetch_column(env: dict[str, str], service: str, query: str) -> list[Any]:
    conn = await asyncpg.connect(plain_dsn(env[f"{service.upper()}_DATABASE_URL"]), timeout=5)
    try:
        return [row[0] for row in await conn.fetch(query)]
    finally:
        await conn.close()


async def subscriptions_per_account(env: dict[str, str]) -> Counter[str]:
    return Counter(await fetch_column(env, "billing", "SELECT account_id::text FROM subscriptions"))


async def wizard_states_per_user(env: dict[str, str]) -> Counter[str]:
    return Counter(await fetch_column(env, "onboarding", "SELECT user_id::text FROM user_onboarding"))


async def verification_attempts(env: dict[str, str]) -> dict[str, int]:
    """Delivery log: recipient → attempts of its verification email (a re-attempt follows a lost outcome)."""
    conn = await asyncpg.connect(plain_dsn(env["NOTIFICATIONS_DATABASE_URL"]), timeout=5)
    try:
        rows = await conn.fetch(
            "SELECT lower(to_email) AS email, attempts FROM email_messages WHERE template = 'email_verification'"
        )
    finally:
        await conn.close()
    return {row["email"]: int(row["attempts"]) for row in rows}


async def mail_counts(mail: httpx.AsyncClient, emails: Iterable[str]) -> dict[str, int]:
    """Messages received per address (`/messages?to=`)."""
    counts = {}
    for email in emails:
        counts[email] = len(await messages_to(mail, email))
    return counts


async def unpublished_outbox_rows(env: dict[str, str]) -> int:
    total = 0
    for service in SERVICES:
        found = await fetch_column(env, service, "SELECT count(*) FROM outbox WHERE published_at IS NULL")
        total += int(found[0])
    return total


async def drained(env: dict[str, str], rabbitmq: ThrowawayRabbitMQ, consumers: Iterable[str] = SERVICES) -> bool:
    """Nothing left to publish in any outbox and nothing queued, delayed for a retry or unacknowledged in
    the queues of `consumers` (dead letters aside): no further delivery to them (so no duplicate) is on
    its way."""
    if await unpublished_outbox_rows(env):
        return False
    names = BusNames(namespace=env["EVENTS_NAMESPACE"])
    watched = {names.queue(c) for c in consumers} | {
        names.retry_queue(c, label) for c in consumers for label, _ in RETRY_DELAYS_MS
    }
    depths = await asyncio.to_thread(rabbitmq.queue_depths)
    return all(count == 0 for name, count in depths.items() if name in watched)


async def everything_delivered(
    env: dict[str, str], mail: httpx.AsyncClient, registered: dict[str, dict[str, Any]], timeout: float
) -> None:
    """Poll until every registered account has a subscription, every user a wizard state and every
    address its verification email."""
    accounts = {str(user["account_id"]) for user in registered.values()}
    users = {str(user["id"]) for user in registered.values()}

    async def subscriptions() -> bool:
        counts = await subscriptions_per_account(env)
        return all(counts[a] >= 1 for a in accounts)

    async def wizards() -> bool:
        counts = await wizard_states_per_user(env)
        return all(counts[u] >= 1 for u in users)

    async def emails() -> bool:
        response = await mail.get("/messages")
        response.raise_for_status()
        received = {r.lower() for message in response.json() for r in message["to"]}
        return received >= set(registered)

    started = time.monotonic()
    await poll(subscriptions, timeout=timeout, interval=0.25, message="a subscription for every account")
    remaining = max(5.0, timeout - (time.monotonic() - started))
    await poll(wizards, timeout=remaining, interval=0.25, message="a wizard state for every user")
    remaining = max(5.0, timeout - (time.monotonic() - started))
    await poll(emails, timeout=remaining, interval=0.25, message="a verification email for every user")


async def verification_emails_once(
    env: dict[str, str], mail: httpx.AsyncClient, registered: Iterable[str]
) -> tuple[int, int]:
    """Check that every address got exactly one verification email, except where the delivery log shows
    the delivery attempted again after an outcome was lost (SMTP accepted, then the process or the
    database went away before `sent` committed): those may have two. Returns (duplicates, re-attempted)."""
    emails = set(registered)
    received = await mail_counts(mail, emails)
    attempts = await verification_attempts(env)
    reattempted = {email for email in emails if attempts.get(email, 0) > 1}
    duplicated = {email: count for email, count in received.items() if count > 1}
    assert set(duplicated) <= reattempted, f"duplicate emails without an interrupted delivery: {duplicated}"
    assert all(count == 2 for count in duplicated.values()), duplicated
    once = emails - reattempted
    assert {email: received[email] for email in once} == dict.fromkeys(once, 1)
    return sum(count - 1 for count in duplicated.values()), len(reattempted)
