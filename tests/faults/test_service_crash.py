"""kill -9 billing, then notifications, then onboarding at random moments of a registration burst, and
restart each: every account ends with exactly one subscription, every user with exactly one wizard
state, and every verification request with exactly one email, bar the duplicates a notifications kill
can cause (see test_kills_during_a_signup_burst_lose_nothing_and_duplicate_only_interrupted_sends)."""

import asyncio
import os
import random
import time

import httpx

from shared.testing import poll

from .conftest import FaultStack, record_figures
from .probes import (
    SignupLoad,
    drained,
    everything_delivered,
    subscriptions_per_account,
    verification_emails_once,
    wizard_states_per_user,
)

VICTIMS = ("billing", "notifications", "onboarding")


async def test_kills_during_a_signup_burst_lose_nothing_and_duplicate_only_interrupted_sends(
    fault_stack: FaultStack, gateway: httpx.AsyncClient, mail: httpx.AsyncClient
) -> None:
    """A duplicate email is possible, by design (notifications/emails/service.py): the SMTP server accepted
    a message, then the process died before the delivery log's `sent` committed with the inbox row, so
    the redelivered event sends again. Every such duplicate therefore belongs to a delivery the log shows
    attempted twice; every other verification request gets exactly one email."""
    total = 200 if fault_stack.long else 60
    seed = int(os.environ.get("FAULTS_SEED") or random.SystemRandom().randrange(1 << 30))
    rng = random.Random(seed)
    # the kill moments: three distinct points of the burst, counted in completed registrations
    moments = sorted(rng.sample(range(total // 10, total * 9 // 10), len(VICTIMS)))
    load = SignupLoad(gateway, concurrency=4, total=total, tag="crash")
    burst = asyncio.create_task(load.run())
    kills: list[dict[str, object]] = []
    for victim, moment in zip(VICTIMS, moments, strict=True):

        async def reached(moment: int = moment) -> bool:
            return load.done_count() >= moment or burst.done()

        await poll(reached, timeout=120, interval=0.01, message=f"{moment} registrations before killing {victim}")
        assert not burst.done(), "the burst ended before the kills; make it larger"
        fault_stack.stack.kill(victim)
        kills.append({"victim": victim, "after_registrations": load.done_count()})
        fault_stack.stack.start_app(victim)
    await burst
    burst_ended = started = time.monotonic()
    await fault_stack.stack.wait_ready(VICTIMS, timeout=60)

    registered = load.registered()
    assert len(registered) == total, [a for a in load.attempts if not a.registered][:3]
    await everything_delivered(fault_stack.env, mail, registered, timeout=120)

    async def quiet() -> bool:
        return await drained(fault_stack.env, fault_stack.rabbitmq)

    await poll(quiet, timeout=60, interval=0.5, message="outboxes published and queues drained")
    recovered_after = time.monotonic() - started

    accounts = {str(user["account_id"]) for user in registered.values()}
    users = {str(user["id"]) for user in registered.values()}
    subscriptions = await subscriptions_per_account(fault_stack.env)
    assert {a: subscriptions[a] for a in accounts} == dict.fromkeys(accounts, 1)
    wizards = await wizard_states_per_user(fault_stack.env)
    assert {u: wizards[u] for u in users} == dict.fromkeys(users, 1)

    duplicates, reattempted = await verification_emails_once(fault_stack.env, mail, registered)
    assert duplicates <= sum(kill["victim"] == "notifications" for kill in kills)
    depths = await asyncio.to_thread(fault_stack.rabbitmq.queue_depths)
    assert {name: n for name, n in depths.items() if name.endswith(".dlq") and n} == {}
    record_figures(
        "service_crash",
        {
            "seed": seed,
            "registrations_sent": len(load.attempts),
            "registered": len(registered),
            "kills": kills,
            "events_lost": 0,
            "duplicate_emails": duplicates,
            "deliveries_reattempted": reattempted,
            "drained_after_burst_s": round(recovered_after, 1),
            "burst_s": round(burst_ended - min(a.started_at for a in load.attempts), 1),
        },
    )
