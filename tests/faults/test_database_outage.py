"""PostgreSQL stops in the middle of a registration load and starts again: while it is down requests fail
fast with 503 `database_unavailable` (no hang up to the client's timeout), and every service recovers
without a restart: registrations succeed again and their events flow."""

import asyncio
import time
from collections import Counter

import httpx

from shared.testing import poll

from .conftest import FaultStack, record_figures
from .probes import (
    CLIENT_TIMEOUT_SECONDS,
    SignupLoad,
    drained,
    everything_delivered,
    subscriptions_per_account,
    verification_emails_once,
)

# ~5 s in all with pg_ctl's own stop and start; an event that failed at once comes back from its 5 s delay
# queue after the database (else it waits in the 30 s one: slower, still delivered)
OUTAGE_SECONDS = 4.5
UNAVAILABLE = {"detail": {"error": "database_unavailable"}}


async def test_database_outage_fails_fast_with_503_and_services_recover_without_restart(
    fault_stack: FaultStack, gateway: httpx.AsyncClient, mail: httpx.AsyncClient
) -> None:
    pids = {name: process.pid for name, process in fault_stack.stack.processes.items()}
    load = SignupLoad(gateway, concurrency=3, tag="pgdown")
    running = asyncio.create_task(load.run())

    async def some_done() -> bool:
        return load.done_count() >= 5

    await poll(some_done, timeout=60, interval=0.05, message="registrations before the outage")
    down_at = time.monotonic()
    await asyncio.to_thread(fault_stack.postgres.stop)
    await asyncio.sleep(OUTAGE_SECONDS - (time.monotonic() - down_at))  # the outage lasts this long, load going on
    await asyncio.to_thread(fault_stack.postgres.start)
    up_at = time.monotonic()

    async def registered_again() -> bool:
        return any(a.registered and a.started_at > up_at for a in load.attempts)

    await poll(registered_again, timeout=60, interval=0.05, message="a registration succeeding after the outage")
    recovered_after = min(a.started_at + a.elapsed for a in load.attempts if a.registered and a.started_at > up_at)
    load.stop()
    await running

    during = load.between(down_at, up_at)
    failed = [a for a in load.attempts if not a.registered]
    assert failed, "no registration met the outage"
    assert all(a.status is not None for a in load.attempts), "a request hung past the client timeout"
    slowest = max(a.elapsed for a in during)
    assert slowest < CLIENT_TIMEOUT_SECONDS
    assert Counter((a.status, str(a.body)) for a in failed) == Counter({(503, str(UNAVAILABLE)): len(failed)})
    # each failure met the outage (or the first moments after it, while pools reconnect)
    assert all(down_at <= a.started_at + a.elapsed and a.started_at <= recovered_after for a in failed)

    await poll(lambda: _gateway_ready(gateway), timeout=60, interval=0.2, message="gateway /readyz 200 again")
    assert fault_stack.stack.exited() == {}
    assert {name: process.pid for name, process in fault_stack.stack.processes.items()} == pids

    registered = load.registered()
    await everything_delivered(fault_stack.env, mail, registered, timeout=90)
    delivered_after = time.monotonic() - up_at

    async def quiet() -> bool:  # events failed in the outage may wait in a 30 s delay queue: only emails matter here
        return await drained(fault_stack.env, fault_stack.rabbitmq, consumers=["notifications"])

    await poll(quiet, timeout=90, interval=0.5, message="outboxes published and queues drained")
    accounts = {str(user["account_id"]) for user in registered.values()}
    subscriptions = await subscriptions_per_account(fault_stack.env)
    assert {a: subscriptions[a] for a in accounts} == dict.fromkeys(accounts, 1)
    duplicates, reattempted = await verification_emails_once(fault_stack.env, mail, registered)
    record_figures(
        "database_outage",
        {
            "outage_s": round(up_at - down_at, 1),
            "registrations_sent": len(load.attempts),
            "answered_during_outage": len(during),
            "failed_503": len(failed),
            "slowest_answer_during_outage_s": round(slowest, 2),
            "client_timeout_s": CLIENT_TIMEOUT_SECONDS,
            "registering_again_after_s": round(recovered_after - up_at, 1),
            "all_delivered_after_s": round(delivered_after, 1),
            "events_lost": 0,
            "duplicate_emails": duplicates,
            "deliveries_reattempted": reattempted,
        },
    )


async def _gateway_ready(gateway: httpx.AsyncClient) -> bool:
    return (await gateway.get("/readyz")).status_code == 200
