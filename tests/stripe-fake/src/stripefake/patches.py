"""Changes to localstripe's resources, so its objects look like today's Stripe API.

- prices are localstripe Plans (Stripe accepts a price id wherever a plan id goes, and the reverse);
- subscriptions and their items carry `price`, `quantity` and `current_period_*` (newer API versions
  moved the periods onto the items), and a subscription with a trial is `trialing`, as in Stripe;
- `items[][price]` is accepted where localstripe only knows `items[][plan]`;
- the store is never written to /tmp (localstripe pickles it on every write, shared by every instance).

Everything here runs inside the fake's own process: importing it patches localstripe globally.
"""

import calendar
import secrets
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from localstripe import resources as ls
from localstripe.errors import UserError

JSON = dict[str, Any]

SUBSCRIPTION_STATUSES = frozenset(
    {"incomplete", "incomplete_expired", "trialing", "active", "past_due", "canceled", "unpaid", "paused"}
)

# Subscription update parameters Stripe takes that make no difference to the fake.
_IGNORED_SUBSCRIPTION_PARAMS = frozenset(
    {
        "proration_behavior",
        "payment_behavior",
        "billing_cycle_anchor",
        "off_session",
        "description",
        "default_payment_method",
        "collection_method",
        "days_until_due",
        "automatic_tax",
        "cancellation_details",
        "trial_settings",
        "payment_settings",
        "promotion_code",
        "discounts",
        "coupon",
        "expand",
    }
)

_patched = False


def random_id(prefix: str, length: int = 24) -> str:
    return prefix + secrets.token_urlsafe(length * 3 // 4 + 1).replace("-", "").replace("_", "")[:length]


def stripe_error(
    status: int,
    message: str,
    *,
    code: str | None = None,
    param: str | None = None,
    error_type: str = "invalid_request_error",
) -> UserError:
    """A localstripe UserError with Stripe's error body: {"error": {type, message, code?, param?}}."""
    contents: JSON = {}
    if code:
        contents["code"] = code
    if param:
        contents["param"] = param
    err = UserError(status, message, contents)
    err.body["error"]["type"] = error_type
    return err


def no_such(kind: str, id: object, *, param: str | None = None) -> UserError:
    """Stripe's "No such price: 'x'": 404 for an id in the path, 400 for one in a parameter."""
    return stripe_error(400 if param else 404, f"No such {kind}: '{id}'", code="resource_missing", param=param)


def get_plan(price_id: object, *, param: str | None = None) -> Any:
    plan = ls.store.get(f"plan:{price_id}") if isinstance(price_id, str) else None
    if plan is None:
        raise no_such("price", price_id, param=param)
    return plan


def get_customer(customer_id: object, *, param: str | None = None) -> Any:
    customer = ls.store.get(f"customer:{customer_id}") if isinstance(customer_id, str) else None
    if customer is None:
        raise no_such("customer", customer_id, param=param)
    return customer


def get_subscription(subscription_id: object) -> Any:
    sub = ls.store.get(f"subscription:{subscription_id}") if isinstance(subscription_id, str) else None
    if sub is None:
        raise no_such("subscription", subscription_id)
    return sub


def price_json(plan: Any) -> JSON:
    """A localstripe Plan rendered as a Stripe `price` object."""
    extra: Mapping[str, Any] = getattr(plan, "_fake_price", None) or {}
    price_type = extra.get("type", "recurring")
    recurring = (
        {
            "interval": plan.interval,
            "interval_count": plan.interval_count,
            "meter": None,
            "trial_period_days": plan.trial_period_days,
            "usage_type": plan.usage_type,
        }
        if price_type == "recurring"
        else None
    )
    return {
        "id": plan.id,
        "object": "price",
        "active": plan.active,
        "billing_scheme": plan.billing_scheme,
        "created": plan.created,
        "currency": plan.currency,
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": extra.get("lookup_key"),
        "metadata": dict(plan.metadata or {}),
        "nickname": plan.nickname,
        "product": plan.product,
        "recurring": recurring,
        "tax_behavior": extra.get("tax_behavior", "unspecified"),
        "tiers_mode": plan.tiers_mode,
        "transform_quantity": None,
        "type": price_type,
        "unit_amount": plan.amount,
        "unit_amount_decimal": str(plan.amount) if plan.amount is not None else None,
    }


def resolve_id(id: str) -> JSON | None:
    """The exported object an id refers to (for `expand`), or None."""
    if id.startswith("price_") or (ls.store.get(f"plan:{id}") is not None and not id.startswith("prod_")):
        plan = ls.store.get(f"plan:{id}")
        return price_json(plan) if plan is not None else None
    for key in (f"checkout.session:{id}", f"billing_portal.session:{id}"):
        if key in ls.store:
            return dict(ls.store[key])
    cls = ls.StripeObject._get_class_for_id(id)
    if cls is None:
        return None
    obj = ls.store.get(f"{cls.object}:{id}")
    if obj is None:
        return None
    exported: JSON = obj._export()
    return exported


def expand(obj: Any, paths: object) -> None:
    """Stripe's `expand[]`, in place: each dotted path's last id string becomes its object."""
    if paths is None:
        return
    if isinstance(paths, str):
        paths = [paths]
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise stripe_error(400, "Invalid expand: must be an array of strings", param="expand")
    for path in paths:
        if len(path.split(".")) > 4:
            raise stripe_error(400, "You cannot expand more than 4 levels of a property", param="expand")
        _expand_path(obj, path.split("."))


def _expand_path(obj: Any, parts: list[str]) -> None:
    if isinstance(obj, list):
        for item in obj:
            _expand_path(item, parts)
        return
    if not isinstance(obj, dict) or not parts:
        return
    key, rest = parts[0], parts[1:]
    if key not in obj:
        raise stripe_error(400, f"This property cannot be expanded ({key}).", param="expand")
    value = obj[key]
    if isinstance(value, str):
        resolved = resolve_id(value)
        if resolved is None:
            raise stripe_error(400, f"This property cannot be expanded ({key}).", param="expand")
        obj[key] = value = resolved
    if rest and value is not None:
        _expand_path(value, rest)


def next_period(start: int, plan: Any) -> dict[str, int]:
    """The billing period of `plan` that starts at `start` (months and years end on the same day, clamped)."""
    count = int(plan.interval_count or 1)
    begin = datetime.fromtimestamp(start)
    if plan.interval in ("day", "week"):
        end = begin + timedelta(days=count * (7 if plan.interval == "week" else 1))
    else:
        months = begin.month - 1 + count * (12 if plan.interval == "year" else 1)
        year, month = begin.year + months // 12, months % 12 + 1
        end = begin.replace(year=year, month=month, day=min(begin.day, calendar.monthrange(year, month)[1]))
    return {"start": start, "end": int(end.timestamp())}


def _prices_to_plans(items: object) -> object:
    """`items[][price]` (Stripe today) -> `items[][plan]` (what localstripe takes); unknown ids -> 400."""
    if not isinstance(items, list):
        return items
    for i, item in enumerate(items):
        if isinstance(item, dict):
            if "price" in item:
                item["plan"] = item.pop("price")
            if isinstance(item.get("plan"), str):
                get_plan(item["plan"], param=f"items[{i}][price]")
    return items


def _period_override(item: Any) -> dict[str, int] | None:
    sub_id = getattr(item, "_subscription", None)
    sub = ls.store.get(f"subscription:{sub_id}") if sub_id else None
    if sub is None:
        return None
    override: dict[str, int] | None = getattr(sub, "_fake_period", None)
    if override:
        return override
    if getattr(sub, "status", None) == "trialing" and sub.trial_end:
        return {"start": sub.trial_start or sub.start_date, "end": sub.trial_end}
    return None


def install() -> None:
    """Patch localstripe (idempotent)."""
    global _patched
    if _patched:
        return
    _patched = True

    ls.Store.dump_to_disk = lambda self: None

    # --- subscriptions: take prices, start trialing like Stripe ---
    orig_sub_init = ls.Subscription.__init__

    def sub_init(self: Any, *args: Any, items: Any = None, **kwargs: Any) -> None:
        orig_sub_init(self, *args, items=_prices_to_plans(items), **kwargs)
        now = int(time.time())
        if self.trial_end is None and self.trial_period_days:
            self.trial_end = self.start_date + int(self.trial_period_days) * 86400
        if self.trial_end and self.trial_end > now and self.status == "incomplete":
            self.status = "trialing"
            self.trial_start = self.start_date

    ls.Subscription.__init__ = sub_init

    orig_sub_update = ls.Subscription._update

    def sub_update(self: Any, items: Any = None, **data: Any) -> None:
        for key in list(data):
            if key in _IGNORED_SUBSCRIPTION_PARAMS:
                del data[key]
        unknown = [k for k in data if k not in _UPDATE_PARAMS]
        if unknown:
            raise stripe_error(400, f"Received unknown parameter: {unknown[0]}", param=unknown[0])
        items = _prices_to_plans(items)
        kept_id = None
        if isinstance(items, list) and items and isinstance(items[0], dict):
            kept_id = items[0].get("id")
        old_item = self.items._list[0]
        orig_sub_update(self, items=items, **data)
        now = int(time.time())
        if data.get("cancel_at_period_end") is not None:
            # Stripe schedules the cancellation for the period's end, and says when it was asked for.
            if ls.try_convert_to_bool(data["cancel_at_period_end"]) is True:
                self.cancel_at = self.current_period_end
                self.canceled_at = now
            else:
                self.cancel_at = None
                self.canceled_at = None
        if self.status == "trialing" and self.trial_end is not None and self.trial_end <= now:
            # trial_end=now: the trial ends, the first paid period starts.
            self.status = "active"
            self._fake_period = next_period(self.trial_end, self.items._list[0].plan)
        new_item = self.items._list[0]
        # Stripe keeps the item's id when it is updated in place (localstripe makes a new item).
        if new_item is not old_item and kept_id == old_item.id:
            del ls.store[f"subscription_item:{new_item.id}"]
            new_item.id = old_item.id
            ls.store[f"subscription_item:{old_item.id}"] = new_item

    ls.Subscription._update = sub_update

    orig_sub_delete = ls.Subscription._api_delete.__func__

    def sub_delete(cls: Any, id: str) -> Any:
        sub = orig_sub_delete(cls, id)
        sub.canceled_at = sub.canceled_at or sub.ended_at
        sub.cancel_at_period_end = False
        return sub

    ls.Subscription._api_delete = classmethod(sub_delete)

    orig_sub_export = ls.Subscription._export

    def sub_export(self: Any, expand: Any = None) -> JSON:
        obj: JSON = orig_sub_export(self)
        plan = self.items._list[0].plan
        obj.setdefault("collection_method", "charge_automatically")
        obj["currency"] = plan.currency
        obj["default_tax_rates"] = obj.get("default_tax_rates") or []
        _expand_into(obj, expand)
        return obj

    ls.Subscription._export = sub_export

    # --- subscription items: price, periods, subscription id ---
    orig_cp = ls.SubscriptionItem._current_period

    def current_period(self: Any) -> dict[str, int]:
        override = _period_override(self)
        if override is not None:
            return {"start": override["start"], "end": override["end"]}
        period: dict[str, int] = orig_cp(self)
        return period

    ls.SubscriptionItem._current_period = current_period

    orig_item_export = ls.SubscriptionItem._export

    def item_export(self: Any, expand: Any = None) -> JSON:
        obj: JSON = orig_item_export(self)
        period = self._current_period()
        obj["price"] = price_json(self.plan)
        obj["subscription"] = self._subscription
        obj["current_period_start"] = period["start"]
        obj["current_period_end"] = period["end"]
        _expand_into(obj, expand)
        return obj

    ls.SubscriptionItem._export = item_export


def _expand_into(obj: JSON, paths: Any) -> None:
    expand(obj, paths)


_UPDATE_PARAMS = frozenset(
    {
        "metadata",
        "trial_end",
        "default_tax_rates",
        "tax_percent",
        "plan",
        "quantity",
        "prorate",
        "proration_date",
        "cancel_at_period_end",
        "cancel_at",
        "enable_incomplete_payments",
    }
)
