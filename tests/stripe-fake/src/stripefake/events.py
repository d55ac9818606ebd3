"""Stripe webhook events, built and signed exactly as Stripe does (the SDK's Webhook.construct_event accepts them)."""

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from typing import Any

FALLBACK_API_VERSION = "2026-10-28.endive"


def default_api_version() -> str:
    """The API version of the installed `stripe` SDK (what billing's client sends), if there is one."""
    try:
        import stripe
    except ImportError:  # pragma: no cover - stripe is a test dependency
        return FALLBACK_API_VERSION
    return str(getattr(stripe, "api_version", None) or FALLBACK_API_VERSION)


def event(
    type: str,
    obj: Mapping[str, Any],
    *,
    created: int | None = None,
    id: str | None = None,
    previous_attributes: Mapping[str, Any] | None = None,
    api_version: str | None = None,
) -> dict[str, Any]:
    """A Stripe event envelope: {id: evt_..., object: "event", type, created, data: {object}, livemode: false, ...}."""
    data: dict[str, Any] = {"object": dict(obj)}
    if previous_attributes is not None:
        data["previous_attributes"] = dict(previous_attributes)
    return {
        "id": id or "evt_" + secrets.token_hex(12),
        "object": "event",
        "api_version": api_version or default_api_version(),
        "created": int(time.time()) if created is None else created,
        "data": data,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": type,
    }


def sign(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header for a raw body: t=<ts>,v1=HMAC-SHA256(secret, "<ts>.<body>")."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode("utf-8"), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def signed_event(event: Mapping[str, Any], secret: str, timestamp: int | None = None) -> tuple[bytes, str]:
    """(raw body, Stripe-Signature header) for an event, as Stripe would POST it to a webhook endpoint."""
    body = json.dumps(event, indent=2).encode("utf-8")
    return body, sign(body, secret, timestamp)
