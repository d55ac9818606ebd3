from fastapi import APIRouter, Request

from billing.db import Now
from billing.settings import BillingSettings
from billing.webhooks import service
from billing.webhooks.errors import MissingSignature
from billing.webhooks.metrics import WEBHOOK_EVENTS
from billing.webhooks.schemas import WebhookAck, WebhookIgnored

# Stripe only, on billing's own port: the gateway does not route it; the signature is the only gate.
router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])


@router.post("/stripe")
async def stripe_webhook(request: Request, now: Now) -> WebhookAck | WebhookIgnored:
    runtime = request.app.state.runtime
    settings: BillingSettings = runtime.settings
    client = request.app.state.stripe
    if client is None or not settings.stripe_webhook_secret:
        return WebhookIgnored(message="Stripe not configured, event ignored")
    signature = request.headers.get("stripe-signature")
    try:
        if not signature:
            raise MissingSignature()
        event = service.verified_event(
            await request.body(),
            signature,
            secret=settings.stripe_webhook_secret,
            tolerance_seconds=settings.stripe_webhook_tolerance_seconds,
        )
    except Exception:
        WEBHOOK_EVENTS.labels("rejected").inc()
        raise
    try:
        applied = await service.apply_stripe_event(
            factory=runtime.factory,
            outbox=runtime.outbox,
            client=client,
            event=event,
            now=now,
            frontend_url=settings.frontend_url.rstrip("/"),
        )
    except Exception:
        WEBHOOK_EVENTS.labels("failed").inc()
        raise
    return WebhookAck(applied=applied)
