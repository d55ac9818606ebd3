import uuid
from typing import Any

import httpx
import pytest
from admin_support import member_headers

from shared.testing import TestSigner

SOME_ID = str(uuid.uuid4())
ADMIN_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/v1/admin/plan-limits", None),
    ("PUT", "/api/v1/admin/plan-limits", {"plan": "pro", "max_trees": 1}),
    ("GET", "/api/v1/admin/feature-flags", None),
    ("POST", "/api/v1/admin/feature-flags", {"flag_key": "nope_flag", "display_name": "Nope"}),
    ("PUT", f"/api/v1/admin/feature-flags/{SOME_ID}", {"display_name": "Nope"}),
    ("DELETE", f"/api/v1/admin/feature-flags/{SOME_ID}", None),
    ("PUT", "/api/v1/admin/feature-flags/plan-defaults", {"plan": "free", "flag_key": "sso", "enabled": True}),
    ("GET", "/api/v1/admin/feature-flags/account-overrides", None),
    (
        "POST",
        "/api/v1/admin/feature-flags/account-overrides",
        {"account_id": SOME_ID, "flag_key": "sso", "enabled": True},
    ),
    ("DELETE", f"/api/v1/admin/feature-flags/account-overrides/{SOME_ID}", None),
    ("GET", "/api/v1/admin/account-overrides", None),
    ("POST", "/api/v1/admin/account-overrides", {"account_id": SOME_ID, "max_trees": 1}),
    ("PUT", f"/api/v1/admin/account-overrides/{SOME_ID}", {"max_trees": 1}),
    ("DELETE", f"/api/v1/admin/account-overrides/{SOME_ID}", None),
    ("PUT", f"/api/v1/admin/accounts/{SOME_ID}/plan", {"plan": "pro"}),
    ("PUT", f"/api/v1/admin/users/{SOME_ID}/plan", {"plan": "pro"}),
    ("PATCH", f"/api/v1/admin/accounts/{SOME_ID}/subscription", {"status": "complimentary"}),
    ("GET", "/api/v1/admin/billing/metrics", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
async def test_admin_route_refuses_a_user_who_is_not_super_admin(
    client: httpx.AsyncClient, signer: TestSigner, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = await client.request(method, path, json=body, headers=member_headers(signer))

    assert response.status_code == 403
    assert response.json() == {"detail": "Not enough permissions"}


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
async def test_admin_route_without_a_token_is_401(
    client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = await client.request(method, path, json=body)

    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}
