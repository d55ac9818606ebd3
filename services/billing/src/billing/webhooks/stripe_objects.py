"""Reading Stripe's JSON objects (events, checkout sessions, subscriptions, invoices) across API versions:
ids may come expanded, periods moved from the subscription to its items, an invoice's subscription
moved under `parent`."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from billing.webhooks.errors import InvalidPayload

# Stripe's subscription statuses in ours (data-model.md `subscriptions.status`)
STATUSES = {
    "active": "active",
    "trialing": "trialing",
    "past_due": "past_due",
    "canceled": "canceled",
    "incomplete": "incomplete",
    "unpaid": "past_due",
    "incomplete_expired": "canceled",
    "paused": "canceled",
}


@dataclass(frozen=True)
class StripeEventIn:
    """A verified Stripe event: its id, type, `created` time and `data.object`."""

    id: str
    type: str
    created: datetime
    object: dict[str, Any]


def event_of(body: Any) -> StripeEventIn:
    """The event in a verified body; 400 when it is not shaped like a Stripe event."""
    if not isinstance(body, dict):
        raise InvalidPayload()
    event_id, event_type, created = body.get("id"), body.get("type"), body.get("created")
    data = body.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if (
        not isinstance(event_id, str)
        or not event_id
        or len(event_id) > 255
        or not isinstance(event_type, str)
        or not event_type
        or len(event_type) > 100
        or not isinstance(created, int)
        or isinstance(created, bool)
        or not isinstance(obj, dict)
    ):
        raise InvalidPayload()
    moment = timestamp(created)
    if moment is None:
        raise InvalidPayload()
    return StripeEventIn(id=event_id, type=event_type, created=moment, object=obj)


def id_of(value: Any) -> str | None:
    """The id of a reference that may be a bare id or an expanded object."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, dict):
        inner = value.get("id")
        return inner if isinstance(inner, str) and inner else None
    return None


def timestamp(value: Any) -> datetime | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def subscription_id_of(obj: dict[str, Any]) -> str | None:
    """The Stripe subscription an object is about: itself, its `subscription`, or (newer invoices)
    `parent.subscription_details.subscription`."""
    if obj.get("object") == "subscription":
        return id_of(obj.get("id"))
    direct = id_of(obj.get("subscription"))
    if direct is not None:
        return direct
    parent = obj.get("parent")
    details = parent.get("subscription_details") if isinstance(parent, dict) else None
    return id_of(details.get("subscription")) if isinstance(details, dict) else None


def first_item(sub: dict[str, Any]) -> dict[str, Any] | None:
    items = sub.get("items")
    data = items.get("data") if isinstance(items, dict) else None
    if isinstance(data, list) and data and isinstance(data[0], dict):
        return data[0]
    return None


def excerpt(event: StripeEventIn) -> dict[str, Any]:
    """`stripe_events.payload_excerpt`: `{object_id, customer, subscription, status}`."""
    obj = event.object
    status = obj.get("status")
    return {
        "object_id": id_of(obj.get("id")),
        "customer": id_of(obj.get("customer")),
        "subscription": subscription_id_of(obj),
        "status": status if isinstance(status, str) else None,
    }


@dataclass(frozen=True)
class SubscriptionTerms:
    """What a Stripe subscription says of ours; None = not stated (the local value stays)."""

    status: str | None
    current_period_start: datetime | None
    current_period_end: datetime | None
    cancel_at_period_end: bool | None
    seat_limit: int | None
    price_id: str | None


def terms_of(sub: dict[str, Any]) -> SubscriptionTerms:
    """Status mapped to ours, periods from the subscription or else its first item, seats and price from
    the first item."""
    item = first_item(sub) or {}
    status = sub.get("status")
    quantity = item.get("quantity")
    cancel = sub.get("cancel_at_period_end")

    def period(name: str) -> datetime | None:
        return timestamp(sub.get(name)) or timestamp(item.get(name))

    return SubscriptionTerms(
        status=STATUSES.get(status) if isinstance(status, str) else None,
        current_period_start=period("current_period_start"),
        current_period_end=period("current_period_end"),
        cancel_at_period_end=cancel if isinstance(cancel, bool) else None,
        seat_limit=quantity if isinstance(quantity, int) and not isinstance(quantity, bool) and quantity > 0 else None,
        price_id=id_of(item.get("price")),
    )
