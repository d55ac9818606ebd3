"""Stripe's webhook: verify, then record and apply each event exactly once.

Atomic idempotency: the `stripe_events` row is inserted first (ON CONFLICT DO NOTHING) in the same
transaction as the subscription change and its outbox events. A concurrent delivery of the same event
waits on the primary key until the first commits, then sees the conflict and answers `applied: false`;
if the first rolls back, the second applies it. What the event needs from Stripe (the subscription of a
completed checkout) is fetched before that transaction begins, so no row lock waits on the network; a
failed fetch answers 500 and records nothing, and Stripe delivers the event again."""

import json
import logging
from datetime import datetime
from typing import Any

import stripe
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert

from billing.webhooks import handlers
from billing.webhooks.errors import InvalidPayload, InvalidSignature, StripeFetchFailed
from billing.webhooks.metrics import WEBHOOK_EVENTS
from billing.webhooks.models import StripeEvent
from billing.webhooks.stripe_objects import StripeEventIn, event_of, excerpt, id_of
from shared.bus.outbox import Outbox
from shared.db import SessionFactory

log = logging.getLogger(__name__)


def verified_event(payload: bytes, signature: str, *, secret: str, tolerance_seconds: int) -> StripeEventIn:
    """The event of a body signed with `secret` no longer than `tolerance_seconds` ago (the SDK's check);
    400 `Invalid signature` otherwise."""
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(text, signature, secret, tolerance_seconds)
    except (stripe.SignatureVerificationError, UnicodeDecodeError):
        raise InvalidSignature() from None
    try:
        body = json.loads(text)
    except ValueError:
        raise InvalidPayload() from None
    return event_of(body)


def needs_fetch(event: StripeEventIn) -> bool:
    """Whether applying `event` asks Stripe for something first (only a completed checkout does); for the
    others the insert's conflict alone tells a redelivery, without a read beforehand."""
    return event.type == "checkout.session.completed" and id_of(event.object.get("subscription")) is not None


async def fetch_for(client: stripe.StripeClient, event: StripeEventIn) -> dict[str, Any] | None:
    """The Stripe subscription a completed checkout created (None for other events)."""
    if not needs_fetch(event):
        return None
    subscription_id = id_of(event.object.get("subscription"))
    if subscription_id is None:
        return None
    try:
        found = await client.v1.subscriptions.retrieve_async(subscription_id)
    except stripe.StripeError as exc:
        log.warning("stripe subscription fetch for event %s failed: %s", event.id, type(exc).__name__)
        raise StripeFetchFailed() from None
    return found.to_dict()


async def is_recorded(factory: SessionFactory, event_id: str) -> bool:
    async with factory() as session:
        return await session.get(StripeEvent, event_id) is not None


async def apply_stripe_event(
    *,
    factory: SessionFactory,
    outbox: Outbox,
    client: stripe.StripeClient,
    event: StripeEventIn,
    now: datetime,
    frontend_url: str,
) -> bool:
    """Record and apply `event` once; False when it was recorded before or is stale."""
    if needs_fetch(event) and await is_recorded(factory, event.id):
        WEBHOOK_EVENTS.labels("duplicate").inc()
        return False  # a redelivery: no need to ask Stripe anything
    stripe_subscription = await fetch_for(client, event)
    async with factory() as session, session.begin():
        inserted = await session.scalar(
            insert(StripeEvent)
            .values(
                id=event.id,
                event_type=event.type,
                processed_at=now,
                payload_excerpt=excerpt(event),
                stripe_created_at=event.created,
                outcome="applied",
            )
            .on_conflict_do_nothing(index_elements=[StripeEvent.id])
            .returning(StripeEvent.id)
        )
        if inserted is None:
            WEBHOOK_EVENTS.labels("duplicate").inc()
            return False
        outcome = await handlers.handle(
            handlers.EventContext(
                session=session,
                outbox=outbox,
                now=now,
                frontend_url=frontend_url,
                event=event,
                stripe_subscription=stripe_subscription,
            )
        )
        if outcome != "applied":
            await session.execute(update(StripeEvent).where(StripeEvent.id == event.id).values(outcome=outcome))
    WEBHOOK_EVENTS.labels(outcome).inc()
    log.info("stripe event %s (%s): %s", event.id, event.type, outcome)
    return outcome != "stale"
