"""The fake Stripe server: localstripe's aiohttp app plus the routes it lacks.

localstripe provides customers, products, plans, subscriptions, invoices, events... Added here, on the
same app and the same store: prices (backed by plans), Checkout Sessions, Billing Portal sessions,
and test-only endpoints under /_test/ (complete a checkout, change a subscription, inject failures,
reset). Importing this module patches localstripe (see patches.py): run it in its own process.
"""

import html
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from localstripe import resources as ls
from localstripe import server as ls_server

from stripefake import patches
from stripefake.patches import (
    JSON,
    expand,
    get_customer,
    get_plan,
    get_subscription,
    no_such,
    price_json,
    random_id,
    stripe_error,
)

patches.install()

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

PUBLIC_URL_KEY = web.AppKey("stripefake_public_url", str)

# Paths that need no API key (as localstripe's /_config/).
_OPEN_PREFIXES = ("/_test/", "/checkout/", "/portal/")


# ---------------------------------------------------------------- helpers


def _json(data: Any, status: int = 200) -> web.Response:
    response: web.Response = ls_server.json_response(data, status=status)
    return response


async def _form(request: web.Request) -> JSON:
    """The request's parameters, Stripe-style (form-encoded with a[b][0]=c, or JSON)."""
    data = await ls_server.get_post_data(request)
    return dict(data) if data else {}


def _query(request: web.Request) -> JSON:
    data = ls_server.unflatten_data(request.query)
    return dict(data) if data else {}


def _bool(value: object, param: str) -> bool:
    converted = ls.try_convert_to_bool(value)
    if not isinstance(converted, bool):
        raise stripe_error(400, f"Invalid boolean: {value}", param=param)
    return converted


def _int(value: object, param: str, *, minimum: int | None = None) -> int:
    converted = ls.try_convert_to_int(value)
    if not isinstance(converted, int) or isinstance(converted, bool):
        raise stripe_error(400, f"Invalid integer: {value}", param=param)
    if minimum is not None and converted < minimum:
        raise stripe_error(400, f"Invalid {param}: must be at least {minimum}", param=param)
    return converted


def _str(value: object, param: str) -> str:
    if not isinstance(value, str) or not value:
        raise stripe_error(400, f"Invalid string: {value!r}", param=param)
    return value


def _metadata(value: object, param: str = "metadata") -> dict[str, str]:
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise stripe_error(400, "Invalid object", param=param)
    return {str(k): str(v) for k, v in value.items()}


def _reject_unknown(data: JSON, known: frozenset[str]) -> None:
    for key in data:
        if key not in known:
            raise stripe_error(400, f"Received unknown parameter: {key}", param=key)


def _base_url(request: web.Request) -> str:
    public = request.app.get(PUBLIC_URL_KEY)
    if public:
        return public.rstrip("/")
    return f"{request.scheme}://{request.host}"


def _list(url: str, items: list[JSON], query: JSON) -> JSON:
    """A Stripe list page (newest first is the caller's job): limit, starting_after, ending_before."""
    limit = _int(query.pop("limit", 10), "limit", minimum=1)
    if limit > 100:
        raise stripe_error(400, "Invalid limit: must be at most 100", param="limit")
    start = 0
    starting_after = query.pop("starting_after", None)
    ending_before = query.pop("ending_before", None)
    ids = [item["id"] for item in items]
    if starting_after is not None:
        if starting_after not in ids:
            raise no_such("object", starting_after, param="starting_after")
        start = ids.index(starting_after) + 1
        page = items[start : start + limit]
        has_more = len(items) > start + limit
    elif ending_before is not None:
        if ending_before not in ids:
            raise no_such("object", ending_before, param="ending_before")
        end = ids.index(ending_before)
        page = items[max(0, end - limit) : end]
        has_more = end - limit > 0
    else:
        page = items[:limit]
        has_more = len(items) > limit
    return {"object": "list", "data": page, "has_more": has_more, "url": url}


def _stored(kind: str) -> list[Any]:
    prefix = kind + ":"
    return [value for key, value in ls.store.items() if key.startswith(prefix)]


# ---------------------------------------------------------------- prices

_PRICE_CREATE = frozenset(
    {
        "product",
        "product_data",
        "unit_amount",
        "unit_amount_decimal",
        "currency",
        "recurring",
        "active",
        "nickname",
        "metadata",
        "lookup_key",
        "tax_behavior",
        "billing_scheme",
        "transfer_lookup_key",
    }
)
_PRICE_UPDATE = frozenset({"active", "nickname", "metadata", "lookup_key", "tax_behavior", "transfer_lookup_key"})


def _all_plans_newest_first() -> list[Any]:
    return list(reversed(_stored("plan")))


def _take_lookup_key(lookup_key: str, transfer: bool) -> None:
    for plan in _stored("plan"):
        extra = getattr(plan, "_fake_price", None) or {}
        if extra.get("lookup_key") == lookup_key:
            if not transfer:
                raise stripe_error(
                    400,
                    f"A price (`{plan.id}`) already uses that lookup key.",
                    param="lookup_key",
                )
            extra["lookup_key"] = None


async def create_price(request: web.Request) -> web.Response:
    data = await _form(request)
    paths = data.pop("expand", None)
    _reject_unknown(data, _PRICE_CREATE)
    product = data.get("product")
    if product is None and isinstance(data.get("product_data"), dict):
        product_data = dict(data["product_data"])
        product = ls.Product(
            name=_str(product_data.get("name"), "product_data[name]"),
            metadata=_metadata(product_data.get("metadata"), "product_data[metadata]"),
        ).id
    product = _str(product, "product")
    if ls.store.get(f"product:{product}") is None:
        raise no_such("product", product, param="product")
    if "unit_amount" in data:
        unit_amount = _int(data["unit_amount"], "unit_amount", minimum=0)
    elif "unit_amount_decimal" in data:
        unit_amount = _int(str(data["unit_amount_decimal"]).split(".")[0], "unit_amount_decimal", minimum=0)
    else:
        raise stripe_error(400, "Missing required param: unit_amount.", code="parameter_missing", param="unit_amount")
    currency = _str(data.get("currency"), "currency").lower()
    recurring = data.get("recurring")
    if recurring is not None and not isinstance(recurring, dict):
        raise stripe_error(400, "Invalid object", param="recurring")
    interval = "month"
    interval_count = 1
    trial_period_days = None
    if recurring:
        interval = _str(recurring.get("interval"), "recurring[interval]")
        if interval not in ("day", "week", "month", "year"):
            raise stripe_error(400, f"Invalid recurring[interval]: {interval}", param="recurring[interval]")
        interval_count = _int(recurring.get("interval_count", 1), "recurring[interval_count]", minimum=1)
        if recurring.get("trial_period_days") is not None:
            trial_period_days = _int(recurring["trial_period_days"], "recurring[trial_period_days]", minimum=1)
    active = _bool(data.get("active", True), "active")
    nickname = data.get("nickname") or None
    lookup_key = data.get("lookup_key") or None
    if lookup_key is not None:
        _take_lookup_key(_str(lookup_key, "lookup_key"), _bool(data.get("transfer_lookup_key", False), "x"))
    plan = ls.Plan(
        id=random_id("price_"),
        amount=unit_amount,
        product=product,
        currency=currency,
        interval=interval,
        interval_count=interval_count,
        trial_period_days=trial_period_days,
        nickname=nickname,
        active=active,
        metadata=_metadata(data.get("metadata")),
    )
    plan._fake_price = {
        "type": "recurring" if recurring else "one_time",
        "lookup_key": lookup_key,
        "tax_behavior": data.get("tax_behavior", "unspecified"),
    }
    out = price_json(plan)
    expand(out, paths)
    return _json(out)


async def retrieve_price(request: web.Request) -> web.Response:
    query = _query(request)
    out = price_json(get_plan(request.match_info["id"]))
    expand(out, query.get("expand"))
    return _json(out)


async def update_price(request: web.Request) -> web.Response:
    plan = get_plan(request.match_info["id"])
    data = await _form(request)
    paths = data.pop("expand", None)
    _reject_unknown(data, _PRICE_UPDATE)
    extra = getattr(plan, "_fake_price", None)
    if extra is None:
        extra = plan._fake_price = {"type": "recurring", "lookup_key": None, "tax_behavior": "unspecified"}
    if "active" in data:
        plan.active = _bool(data["active"], "active")
    if "nickname" in data:
        plan.nickname = data["nickname"] or None
    if "metadata" in data:
        metadata = dict(plan.metadata or {})
        for key, value in _metadata(data["metadata"]).items():
            if value == "":
                metadata.pop(key, None)
            else:
                metadata[key] = value
        plan.metadata = metadata
    if "lookup_key" in data:
        lookup_key = data["lookup_key"] or None
        if lookup_key is not None:
            _take_lookup_key(_str(lookup_key, "lookup_key"), _bool(data.get("transfer_lookup_key", False), "x"))
        extra["lookup_key"] = lookup_key
    if "tax_behavior" in data:
        extra["tax_behavior"] = data["tax_behavior"]
    out = price_json(plan)
    expand(out, paths)
    return _json(out)


async def list_prices(request: web.Request) -> web.Response:
    query = _query(request)
    paths = query.pop("expand", None)
    prices = [price_json(plan) for plan in _all_plans_newest_first()]
    if "product" in query:
        product = query.pop("product")
        prices = [p for p in prices if p["product"] == product]
    if "active" in query:
        active = _bool(query.pop("active"), "active")
        prices = [p for p in prices if p["active"] == active]
    if "type" in query:
        price_type = query.pop("type")
        prices = [p for p in prices if p["type"] == price_type]
    if "currency" in query:
        currency = str(query.pop("currency")).lower()
        prices = [p for p in prices if p["currency"] == currency]
    if "lookup_keys" in query:
        keys = query.pop("lookup_keys")
        keys = keys if isinstance(keys, list) else [keys]
        prices = [p for p in prices if p["lookup_key"] in keys]
    if isinstance(query.get("recurring"), dict):
        interval = query.pop("recurring").get("interval")
        prices = [p for p in prices if p["recurring"] and (interval is None or p["recurring"]["interval"] == interval)]
    page = _list("/v1/prices", prices, query)
    _reject_unknown(query, frozenset())
    expand(page, paths)
    return _json(page)


# ---------------------------------------------------------------- checkout sessions

_CHECKOUT_CREATE = frozenset(
    {
        "adaptive_pricing",
        "after_expiration",
        "allow_promotion_codes",
        "automatic_tax",
        "billing_address_collection",
        "branding_settings",
        "cancel_url",
        "client_reference_id",
        "consent_collection",
        "currency",
        "custom_fields",
        "custom_text",
        "customer",
        "customer_creation",
        "customer_email",
        "customer_update",
        "discounts",
        "excluded_payment_method_types",
        "expires_at",
        "invoice_creation",
        "line_items",
        "locale",
        "metadata",
        "mode",
        "name_collection",
        "optional_items",
        "payment_intent_data",
        "payment_method_collection",
        "payment_method_configuration",
        "payment_method_options",
        "payment_method_types",
        "phone_number_collection",
        "redirect_on_completion",
        "return_url",
        "saved_payment_method_options",
        "setup_intent_data",
        "shipping_address_collection",
        "shipping_options",
        "submit_type",
        "subscription_data",
        "success_url",
        "tax_id_collection",
        "ui_mode",
        "wallet_options",
    }
)


def _session_key(session_id: str) -> str:
    return f"checkout.session:{session_id}"


def _get_session(session_id: str) -> JSON:
    session: JSON | None = ls.store.get(_session_key(session_id))
    if session is None:
        raise no_such("checkout.session", session_id)
    return session


def session_json(record: JSON, paths: object = None) -> JSON:
    """The Stripe-visible Checkout Session (line_items only when expanded, as Stripe does)."""
    out = {k: v for k, v in record.items() if not k.startswith("_")}
    wanted = [paths] if isinstance(paths, str) else list(paths) if isinstance(paths, list) else []
    if "line_items" in wanted:
        out["line_items"] = _line_items_list(record)
        wanted.remove("line_items")
    expand(out, wanted)
    return out


def _line_items_list(record: JSON) -> JSON:
    data = []
    for item in record["_line_items"]:
        plan = ls.store.get(f"plan:{item['price']}")
        price = price_json(plan) if plan is not None else {"id": item["price"]}
        amount = (price.get("unit_amount") or 0) * item["quantity"]
        data.append(
            {
                "id": item["id"],
                "object": "item",
                "amount_discount": 0,
                "amount_subtotal": amount,
                "amount_tax": 0,
                "amount_total": amount,
                "currency": price.get("currency"),
                "description": _product_name(price.get("product")),
                "price": price,
                "quantity": item["quantity"],
            }
        )
    return {
        "object": "list",
        "data": data,
        "has_more": False,
        "url": f"/v1/checkout/sessions/{record['id']}/line_items",
    }


def _product_name(product_id: object) -> str | None:
    product = ls.store.get(f"product:{product_id}")
    return str(product.name) if product is not None else None


async def create_checkout_session(request: web.Request) -> web.Response:
    data = await _form(request)
    paths = data.pop("expand", None)
    _reject_unknown(data, _CHECKOUT_CREATE)
    mode = data.get("mode")
    if mode not in ("payment", "setup", "subscription"):
        raise stripe_error(
            400, "Missing required param: mode." if mode is None else f"Invalid mode: {mode}", param="mode"
        )
    customer = data.get("customer")
    if customer is not None:
        get_customer(customer, param="customer")
    customer_email = data.get("customer_email")
    if customer is not None and customer_email is not None:
        raise stripe_error(400, "You may only specify one of these parameters: customer, customer_email.")
    raw_items = data.get("line_items") or []
    if not isinstance(raw_items, list):
        raise stripe_error(400, "Invalid array", param="line_items")
    if mode != "setup" and not raw_items:
        raise stripe_error(400, "line_items is required in this mode.", param="line_items")
    line_items = []
    currency = None
    subtotal = 0
    for i, raw in enumerate(raw_items):
        if not isinstance(raw, dict):
            raise stripe_error(400, "Invalid object", param=f"line_items[{i}]")
        plan = get_plan(raw.get("price"), param=f"line_items[{i}][price]")
        price = price_json(plan)
        if not price["active"]:
            raise stripe_error(400, f"The price specified is inactive: {plan.id}", param=f"line_items[{i}][price]")
        if mode == "subscription" and price["type"] != "recurring":
            raise stripe_error(
                400,
                "You must provide at least one recurring price in `subscription` mode when using prices.",
                param=f"line_items[{i}][price]",
            )
        quantity = _int(raw.get("quantity", 1), f"line_items[{i}][quantity]", minimum=1)
        line_items.append({"id": random_id("li_"), "price": plan.id, "quantity": quantity})
        currency = currency or price["currency"]
        subtotal += (price["unit_amount"] or 0) * quantity
    subscription_data = data.get("subscription_data") or {}
    if not isinstance(subscription_data, dict):
        raise stripe_error(400, "Invalid object", param="subscription_data")
    subscription_data = dict(subscription_data)
    if mode != "subscription" and subscription_data:
        raise stripe_error(
            400, "You can only specify `subscription_data` in `subscription` mode.", param="subscription_data"
        )
    if subscription_data.get("trial_end") is not None:
        trial_end = _int(subscription_data["trial_end"], "subscription_data[trial_end]")
        if trial_end <= int(time.time()):
            raise stripe_error(
                400, "subscription_data[trial_end] must be in the future.", param="subscription_data[trial_end]"
            )
        subscription_data["trial_end"] = trial_end
    if subscription_data.get("trial_period_days") is not None:
        subscription_data["trial_period_days"] = _int(
            subscription_data["trial_period_days"], "subscription_data[trial_period_days]", minimum=1
        )
    if "metadata" in subscription_data:
        subscription_data["metadata"] = _metadata(subscription_data["metadata"], "subscription_data[metadata]")
    session_id = random_id("cs_test_", 58)
    now = int(time.time())
    record: JSON = {
        "id": session_id,
        "object": "checkout.session",
        "after_expiration": None,
        "allow_promotion_codes": _bool(data.get("allow_promotion_codes", False), "allow_promotion_codes"),
        "amount_subtotal": subtotal,
        "amount_total": subtotal,
        "billing_address_collection": data.get("billing_address_collection"),
        "cancel_url": data.get("cancel_url"),
        "client_reference_id": data.get("client_reference_id"),
        "created": now,
        "currency": currency,
        "customer": customer,
        "customer_email": customer_email,
        "expires_at": _int(data.get("expires_at", now + 86400), "expires_at"),
        "invoice": None,
        "livemode": False,
        "locale": data.get("locale"),
        "metadata": _metadata(data.get("metadata")),
        "mode": mode,
        "payment_intent": None,
        "payment_method_types": data.get("payment_method_types") or ["card"],
        "payment_status": "unpaid",
        "setup_intent": None,
        "status": "open",
        "subscription": None,
        "success_url": data.get("success_url"),
        "ui_mode": data.get("ui_mode", "hosted"),
        "url": f"{_base_url(request)}/checkout/{session_id}",
        # Not part of Stripe's object; kept for complete_checkout and GET /_test/checkout/{id}.
        "_line_items": line_items,
        "_subscription_data": subscription_data,
        "_params": data,
    }
    ls.store[_session_key(session_id)] = record
    return _json(session_json(record, paths))


async def retrieve_checkout_session(request: web.Request) -> web.Response:
    query = _query(request)
    return _json(session_json(_get_session(request.match_info["id"]), query.get("expand")))


async def list_checkout_line_items(request: web.Request) -> web.Response:
    record = _get_session(request.match_info["id"])
    query = _query(request)
    paths = query.pop("expand", None)
    page = _list(f"/v1/checkout/sessions/{record['id']}/line_items", _line_items_list(record)["data"], query)
    expand(page, paths)
    return _json(page)


async def list_checkout_sessions(request: web.Request) -> web.Response:
    query = _query(request)
    paths = query.pop("expand", None)
    sessions = list(reversed(_stored("checkout.session")))
    for key in ("customer", "subscription", "status", "payment_intent", "client_reference_id"):
        if key in query:
            value = query.pop(key)
            sessions = [s for s in sessions if s.get(key) == value]
    page = _list("/v1/checkout/sessions", [session_json(s) for s in sessions], query)
    _reject_unknown(query, frozenset())
    expand(page, paths)
    return _json(page)


async def expire_checkout_session(request: web.Request) -> web.Response:
    record = _get_session(request.match_info["id"])
    if record["status"] != "open":
        raise stripe_error(
            400, f'Only Checkout Sessions with a status in ["open"] can be expired. This one is {record["status"]}.'
        )
    record["status"] = "expired"
    record["url"] = None
    return _json(session_json(record))


def complete_session(record: JSON) -> JSON:
    """What Stripe does when the customer pays: customer and subscription created, session complete."""
    if record["status"] != "open":
        raise stripe_error(400, f"Checkout Session {record['id']} is {record['status']}, not open.")
    customer_id = record["customer"]
    if customer_id is None:
        customer_id = ls.Customer(email=record["customer_email"]).id
        record["customer"] = customer_id
    customer = get_customer(customer_id)
    if record["mode"] != "payment" and not customer.invoice_settings.get("default_payment_method"):
        # Checkout saves the card the customer entered; a later invoice is paid with it.
        card = {"number": "4242424242424242", "exp_month": 12, "exp_year": time.gmtime().tm_year + 5, "cvc": "123"}
        pm = ls.PaymentMethod(type="card", card=card)
        ls.PaymentMethod._api_attach(pm.id, customer=customer_id)
        customer.invoice_settings["default_payment_method"] = pm.id
    subscription = None
    if record["mode"] == "subscription":
        sub_data = record["_subscription_data"]
        items = [{"plan": item["price"], "quantity": item["quantity"]} for item in record["_line_items"]]
        sub = ls.Subscription(
            customer=customer_id,
            items=items[:1],  # localstripe handles one item per subscription
            trial_end=sub_data.get("trial_end"),
            trial_period_days=sub_data.get("trial_period_days"),
            metadata=sub_data.get("metadata") or None,
        )
        # Checkout collected a card: the subscription is paid (localstripe's invoice could not be).
        if sub.status in ("incomplete", "past_due"):
            sub.status = "active"
        subscription = sub._export()
        record["subscription"] = sub.id
        record["payment_status"] = "no_payment_required" if sub.status == "trialing" else "paid"
    elif record["mode"] == "payment":
        record["payment_status"] = "paid"
    else:
        record["payment_status"] = "no_payment_required"
    record["status"] = "complete"
    record["url"] = None
    return {"session": session_json(record), "subscription": subscription}


# ---------------------------------------------------------------- billing portal

_PORTAL_CREATE = frozenset({"customer", "return_url", "configuration", "flow_data", "locale", "on_behalf_of"})


async def create_portal_session(request: web.Request) -> web.Response:
    data = await _form(request)
    data.pop("expand", None)
    _reject_unknown(data, _PORTAL_CREATE)
    if data.get("customer") is None:
        raise stripe_error(400, "Missing required param: customer.", code="parameter_missing", param="customer")
    customer = get_customer(data["customer"], param="customer")
    session_id = random_id("bps_")
    record = {
        "id": session_id,
        "object": "billing_portal.session",
        "configuration": data.get("configuration") or "bpc_stripefake",
        "created": int(time.time()),
        "customer": customer.id,
        "flow": data.get("flow_data"),
        "livemode": False,
        "locale": data.get("locale"),
        "on_behalf_of": data.get("on_behalf_of"),
        "return_url": data.get("return_url"),
        "url": f"{_base_url(request)}/portal/{session_id}",
    }
    ls.store[f"billing_portal.session:{session_id}"] = record
    return _json(record)


# ---------------------------------------------------------------- hosted pages (for browsers / e2e)


async def checkout_page(request: web.Request) -> web.Response:
    record = _get_session(request.match_info["id"])
    rows = "".join(
        f"<li>{html.escape(item['price'])} &times; {item['quantity']}</li>" for item in record["_line_items"]
    )
    body = (
        f"<!doctype html><title>Fake Stripe Checkout</title><h1>Checkout {html.escape(record['id'])}</h1>"
        f"<p>Status: <b id='status'>{html.escape(record['status'])}</b></p><ul>{rows}</ul>"
        f"<form method='post' action='/checkout/{html.escape(record['id'])}/pay'><button>Pay</button></form>"
    )
    if record.get("cancel_url"):
        body += f"<a href='{html.escape(record['cancel_url'])}'>Cancel</a>"
    return web.Response(text=body, content_type="text/html")


async def checkout_pay(request: web.Request) -> web.StreamResponse:
    record = _get_session(request.match_info["id"])
    complete_session(record)
    success_url = record.get("success_url")
    if success_url:
        raise web.HTTPSeeOther(success_url.replace("{CHECKOUT_SESSION_ID}", record["id"]))
    return web.Response(text="paid", content_type="text/plain")


async def portal_page(request: web.Request) -> web.Response:
    record = ls.store.get(f"billing_portal.session:{request.match_info['id']}")
    if record is None:
        raise web.HTTPNotFound()
    back = html.escape(record.get("return_url") or "/")
    body = (
        f"<!doctype html><title>Fake Stripe billing portal</title>"
        f"<h1>Billing portal for {html.escape(record['customer'])}</h1><a href='{back}'>Return</a>"
    )
    return web.Response(text=body, content_type="text/html")


# ---------------------------------------------------------------- test-only endpoints


@dataclass
class FailRule:
    path_prefix: str
    status: int
    times: int | None  # None: until cleared
    method: str | None
    error_type: str
    message: str
    should_retry: bool | None


_fail_rules: list[FailRule] = []
_request_log: list[JSON] = []


async def test_complete_checkout(request: web.Request) -> web.Response:
    return _json(complete_session(_get_session(request.match_info["id"])))


async def test_get_checkout(request: web.Request) -> web.Response:
    record = _get_session(request.match_info["id"])
    out = session_json(record, ["line_items"])
    out["subscription_data"] = record["_subscription_data"]
    out["params"] = record["_params"]
    return _json(out)


async def test_get_portal(request: web.Request) -> web.Response:
    record = ls.store.get(f"billing_portal.session:{request.match_info['id']}")
    if record is None:
        raise no_such("billing_portal.session", request.match_info["id"])
    return _json(record)


_SUB_FIELDS = frozenset(
    {
        "status",
        "current_period_start",
        "current_period_end",
        "quantity",
        "price",
        "cancel_at_period_end",
        "cancel_at",
        "canceled_at",
        "ended_at",
        "trial_start",
        "trial_end",
        "metadata",
        "latest_invoice",
    }
)


async def test_set_subscription(request: web.Request) -> web.Response:
    """Set a subscription's fields directly, as Stripe would on renewal, cancellation or dunning."""
    sub = get_subscription(request.match_info["id"])
    data = await _form(request)
    _reject_unknown(data, _SUB_FIELDS)
    item = sub.items._list[0]
    if "status" in data:
        if data["status"] not in patches.SUBSCRIPTION_STATUSES:
            raise stripe_error(400, f"Invalid status: {data['status']}", param="status")
        sub.status = data["status"]
    if "price" in data:
        item.plan = get_plan(data["price"], param="price")
    if "quantity" in data:
        item.quantity = sub.quantity = _int(data["quantity"], "quantity", minimum=1)
    period = dict(item._current_period())
    for key in ("current_period_start", "current_period_end"):
        if key in data:
            period[key.removeprefix("current_period_")] = _int(data[key], key)
    if "current_period_start" in data or "current_period_end" in data:
        sub._fake_period = period
    if "cancel_at_period_end" in data:
        sub.cancel_at_period_end = _bool(data["cancel_at_period_end"], "cancel_at_period_end")
    for key in ("cancel_at", "canceled_at", "ended_at", "trial_start", "trial_end"):
        if key in data:
            sub.__dict__[key] = None if data[key] in (None, "") else _int(data[key], key)
    if "metadata" in data:
        sub.metadata = _metadata(data["metadata"])
    if "latest_invoice" in data:
        sub.latest_invoice = data["latest_invoice"]
    exported: JSON = sub._export()
    return _json(exported)


async def test_fail(request: web.Request) -> web.Response:
    data = await _form(request)
    status = _int(data.get("status", 500), "status", minimum=400)
    times = data.get("times", 1)
    rule = FailRule(
        path_prefix=str(data.get("path_prefix", "/v1")),
        status=status,
        times=None if times is None else _int(times, "times", minimum=1),
        method=str(data["method"]).upper() if data.get("method") else None,
        error_type=str(data.get("error_type") or ("api_error" if status >= 500 else "invalid_request_error")),
        message=str(data.get("message") or f"stripefake: injected failure ({status})"),
        should_retry=None if data.get("should_retry") is None else _bool(data["should_retry"], "should_retry"),
    )
    _fail_rules.append(rule)
    return _json({"rules": len(_fail_rules)})


async def test_clear_failures(request: web.Request) -> web.Response:
    _fail_rules.clear()
    return _json({"rules": 0})


async def test_reset(request: web.Request) -> web.Response:
    ls.store.clear()
    _fail_rules.clear()
    _request_log.clear()
    return _json({"reset": True})


async def test_requests(request: web.Request) -> web.Response:
    return _json(_request_log)


# ---------------------------------------------------------------- middlewares


def _match_failure(request: web.Request) -> FailRule | None:
    for rule in _fail_rules:
        if request.path.startswith(rule.path_prefix) and (rule.method is None or rule.method == request.method):
            if rule.times is not None:
                rule.times -= 1
                if rule.times <= 0:
                    _fail_rules.remove(rule)
            return rule
    return None


@web.middleware
async def outer_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Logs /v1 calls, injects failures, and answers unexpected errors in Stripe's error shape."""
    if request.path.startswith("/v1/"):
        params = await _form(request) if request.method == "POST" else _query(request)
        _request_log.append(
            {
                "method": request.method,
                "path": request.path,
                "params": params,
                "idempotency_key": request.headers.get("Idempotency-Key"),
                "stripe_version": request.headers.get("Stripe-Version"),
            }
        )
        rule = _match_failure(request)
        if rule is not None:
            headers = {} if rule.should_retry is None else {"Stripe-Should-Retry": str(rule.should_retry).lower()}
            response = _json({"error": {"type": rule.error_type, "message": rule.message}}, status=rule.status)
            response.headers.update(headers)
            return response
    try:
        return await handler(request)
    except web.HTTPNotFound:
        if not request.path.startswith("/v1/"):
            raise
        return _json(
            {
                "error": {
                    "type": "invalid_request_error",
                    "message": f"Unrecognized request URL ({request.method}: {request.path}). "
                    "(stripefake does not implement it.)",
                }
            },
            status=404,
        )
    except web.HTTPException:
        raise
    except Exception as exc:
        response = _json({"error": {"type": "api_error", "message": f"stripefake internal error: {exc!r}"}}, status=500)
        response.headers["Stripe-Should-Retry"] = "false"
        return response


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """localstripe's auth (any sk_... key), except for the test-only endpoints and hosted pages."""
    if request.path.startswith(_OPEN_PREFIXES):
        return await handler(request)
    response: web.StreamResponse = await ls_server.auth_middleware(request, handler)
    return response


# ---------------------------------------------------------------- the app


_app: web.Application | None = None


def build_app(public_url: str | None = None) -> web.Application:
    """localstripe's app (a module global: one per process) with the extra routes and middlewares."""
    global _app
    app: web.Application = ls_server.app
    if _app is None:
        middlewares = app.middlewares
        middlewares[middlewares.index(ls_server.auth_middleware)] = auth_middleware
        middlewares.insert(0, outer_middleware)
        router = app.router
        router.add_post("/v1/prices", create_price)
        router.add_get("/v1/prices", list_prices)
        router.add_get("/v1/prices/{id}", retrieve_price)
        router.add_post("/v1/prices/{id}", update_price)
        router.add_post("/v1/checkout/sessions", create_checkout_session)
        router.add_get("/v1/checkout/sessions", list_checkout_sessions)
        router.add_get("/v1/checkout/sessions/{id}", retrieve_checkout_session)
        router.add_get("/v1/checkout/sessions/{id}/line_items", list_checkout_line_items)
        router.add_post("/v1/checkout/sessions/{id}/expire", expire_checkout_session)
        router.add_post("/v1/billing_portal/sessions", create_portal_session)
        router.add_get("/checkout/{id}", checkout_page)
        router.add_post("/checkout/{id}/pay", checkout_pay)
        router.add_get("/portal/{id}", portal_page)
        router.add_post("/_test/checkout/{id}/complete", test_complete_checkout)
        router.add_get("/_test/checkout/{id}", test_get_checkout)
        router.add_get("/_test/portal/{id}", test_get_portal)
        router.add_post("/_test/subscriptions/{id}", test_set_subscription)
        router.add_post("/_test/fail", test_fail)
        router.add_delete("/_test/fail", test_clear_failures)
        router.add_post("/_test/reset", test_reset)
        router.add_get("/_test/requests", test_requests)
        _app = app
    if public_url:
        app[PUBLIC_URL_KEY] = public_url
    return app
