"""POST /api/v1/sales-leads: public; the row (status `new`) and `sales.lead.created` commit together."""

import uuid
from typing import Any

import httpx
from arrange import published, rows

from shared.db import SessionFactory

LEADS = "/api/v1/sales-leads"


def lead(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "email": f"  Buyer-{uuid.uuid4().hex[:8]}@Example.COM ",
        "name": "  Bea Buyer ",
        "company": " Buyer MSP  ",
        "team_size": " 6-10 ",
        "message": " Call me ",
        "source": "pricing_page",
        "posthog_distinct_id": " ph-123 ",
    }
    body.update(overrides)
    return body


async def test_a_lead_is_stored_trimmed_and_announced_to_the_sales_inbox(
    client: httpx.AsyncClient, db: SessionFactory
) -> None:
    body = lead()

    response = await client.post(LEADS, json=body)

    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["status"] == "received"
    assert set(answer) == {"id", "status"}
    lead_id = uuid.UUID(answer["id"])
    [row] = await rows(db, "SELECT * FROM sales_leads WHERE id = :id", id=lead_id)
    email = body["email"].strip().lower()
    assert (row["email"], row["name"], row["company"]) == (email, "Bea Buyer", "Buyer MSP")
    assert (row["team_size"], row["message"], row["posthog_distinct_id"]) == ("6-10", "Call me", "ph-123")
    assert (row["source"], row["status"]) == ("pricing_page", "new")
    [event] = await published(db, "sales.lead.created", "lead_id", lead_id)
    assert event["recipient_email"] == "sales@example.com"
    assert (event["email"], event["name"], event["company"]) == (email, "Bea Buyer", "Buyer MSP")
    assert (event["team_size"], event["message"], event["source"]) == ("6-10", "Call me", "pricing_page")
    assert event["posthog_distinct_id"] == "ph-123"
    assert event["created_at"]


async def test_optional_fields_may_be_null_or_blank(client: httpx.AsyncClient, db: SessionFactory) -> None:
    response = await client.post(
        LEADS, json=lead(team_size=None, message="   ", posthog_distinct_id=None, source="landing_page")
    )

    assert response.status_code == 201
    [row] = await rows(db, "SELECT * FROM sales_leads WHERE id = :id", id=uuid.UUID(response.json()["id"]))
    assert (row["team_size"], row["message"], row["posthog_distinct_id"]) == (None, None, None)
    minimal = {"email": "m@example.com", "name": "M", "company": "C", "source": "register_footer"}
    assert (await client.post(LEADS, json=minimal)).status_code == 201


async def test_invalid_leads_are_422_and_store_nothing(client: httpx.AsyncClient, db: SessionFactory) -> None:
    marker = f"bad-{uuid.uuid4().hex[:8]}"
    invalid = [
        lead(email="not-an-email", name=marker),
        lead(name="   ", company=marker),
        lead(name="x" * 256, company=marker),
        lead(company="", name=marker),
        lead(company="x" * 256, name=marker),
        lead(team_size="x" * 21, name=marker),
        lead(message="x" * 5001, name=marker),
        lead(source="newsletter", name=marker),
        lead(posthog_distinct_id="x" * 256, name=marker),
        {"name": marker, "company": "C", "source": "pricing_page"},
    ]
    for body in invalid:
        response = await client.post(LEADS, json=body)
        assert response.status_code == 422, body
    assert await rows(db, "SELECT id FROM sales_leads WHERE name = :m OR company = :m", m=marker) == []


async def test_limits_are_inclusive(client: httpx.AsyncClient) -> None:
    response = await client.post(
        LEADS,
        json=lead(
            name="n" * 255, company="c" * 255, team_size="t" * 20, message="m" * 5000, posthog_distinct_id="p" * 255
        ),
    )
    assert response.status_code == 201
