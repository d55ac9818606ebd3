from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from billing.checkout.service import carried_trial_end
from billing.webhooks.errors import InvalidPayload
from billing.webhooks.stripe_objects import event_of, excerpt, subscription_id_of, terms_of

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def ts(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def test_terms_read_periods_from_the_subscription_when_it_has_them() -> None:
    sub = {
        "status": "active",
        "current_period_start": 100,
        "current_period_end": 200,
        "cancel_at_period_end": True,
        "items": {"data": [{"quantity": 4, "price": {"id": "price_1"}, "current_period_end": 999}]},
    }

    terms = terms_of(sub)

    assert (terms.current_period_start, terms.current_period_end) == (ts(100), ts(200))
    assert (terms.status, terms.cancel_at_period_end, terms.seat_limit, terms.price_id) == (
        "active",
        True,
        4,
        "price_1",
    )


def test_terms_read_periods_from_the_first_item_in_newer_api_versions() -> None:
    sub = {"status": "trialing", "items": {"data": [{"current_period_start": 10, "current_period_end": 20}]}}

    terms = terms_of(sub)

    assert (terms.current_period_start, terms.current_period_end) == (ts(10), ts(20))
    assert terms.seat_limit is None
    assert terms.cancel_at_period_end is None


@pytest.mark.parametrize(
    ("stripe_status", "ours"),
    [
        ("unpaid", "past_due"),
        ("incomplete_expired", "canceled"),
        ("paused", "canceled"),
        ("past_due", "past_due"),
        ("something_new", None),
    ],
)
def test_stripe_statuses_map_to_ours(stripe_status: str, ours: str | None) -> None:
    assert terms_of({"status": stripe_status}).status == ours


def test_an_invoice_names_its_subscription_directly_or_under_parent() -> None:
    assert subscription_id_of({"object": "invoice", "subscription": "sub_1"}) == "sub_1"
    assert subscription_id_of({"object": "invoice", "subscription": {"id": "sub_2", "object": "subscription"}}) == (
        "sub_2"
    )
    newer = {"object": "invoice", "subscription": None, "parent": {"subscription_details": {"subscription": "sub_3"}}}
    assert subscription_id_of(newer) == "sub_3"
    assert subscription_id_of({"object": "subscription", "id": "sub_4"}) == "sub_4"
    assert subscription_id_of({"object": "invoice"}) is None


def test_excerpt_keeps_object_customer_subscription_and_status() -> None:
    event = event_of(
        {
            "id": "evt_1",
            "type": "checkout.session.completed",
            "created": 1_800_000_000,
            "data": {
                "object": {"id": "cs_1", "customer": {"id": "cus_1"}, "subscription": "sub_1", "status": "complete"}
            },
        }
    )

    assert event.created == ts(1_800_000_000)
    assert excerpt(event) == {"object_id": "cs_1", "customer": "cus_1", "subscription": "sub_1", "status": "complete"}


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"type": "x", "created": 1, "data": {"object": {}}},
        {"id": "evt_1", "created": 1, "data": {"object": {}}},
        {"id": "evt_1", "type": "x", "created": "yesterday", "data": {"object": {}}},
        {"id": "evt_1", "type": "x", "created": True, "data": {"object": {}}},
        {"id": "evt_1", "type": "x", "created": 1, "data": {}},
        {"id": "e" * 256, "type": "x", "created": 1, "data": {"object": {}}},
    ],
)
def test_a_body_not_shaped_like_an_event_is_refused(body: Any) -> None:
    with pytest.raises(InvalidPayload):
        event_of(body)


def test_a_trial_with_48_hours_left_is_carried_and_a_shorter_one_is_not() -> None:
    end = NOW + timedelta(hours=48)

    assert carried_trial_end(status="trialing", current_period_end=end, now=NOW) == end
    assert carried_trial_end(status="trialing", current_period_end=end, now=NOW + timedelta(seconds=1)) is None
    assert carried_trial_end(status="active", current_period_end=end + timedelta(days=5), now=NOW) is None
    assert carried_trial_end(status="trialing", current_period_end=None, now=NOW) is None
