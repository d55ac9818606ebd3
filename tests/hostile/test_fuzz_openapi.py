"""Property-based fuzzing (schemathesis) of every service's OpenAPI schema, directly at the service and through
the gateway (which serves no schema of its own and forwards `/api/v1/...` unchanged): no 5xx, and every answer's
status code, content type and body conform to the schema.

FastAPI's generated schemas list only 2xx and 422; api.md documents, per route, the `{"detail": ...}` errors
(400/401/402/403/404/409/413/429/431). The loaded schema gets those declared for every operation with the shared
error shape, so the status-code check accepts documented 4xx and the body check still holds them to that shape.
5xx stay undeclared."""

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.conftest import RunningStack
from tests.e2e.test_admin_settings import SETTING_KEYS

from .conftest import Secrets, new_shop

SERVICES = ("identity", "billing", "onboarding", "notifications")
DOCUMENTED_ERRORS = ("400", "401", "402", "403", "404", "409", "413", "429", "431")
ERROR_BODY = {
    "description": "an api.md error",
    "content": {
        "application/json": {"schema": {"type": "object", "required": ["detail"], "properties": {"detail": {}}}}
    },
}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# bounded so the whole fuzz run stays within its budget; FUZZ_EXAMPLES raises it for a long run
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
THROUGH_GATEWAY_EXAMPLES = max(1, EXAMPLES // 3)


def with_documented_errors(raw: dict[str, Any]) -> dict[str, Any]:
    for item in raw["paths"].values():
        for method, operation in item.items():
            if method in ("get", "put", "post", "delete", "patch", "head", "options"):
                for code in DOCUMENTED_ERRORS:
                    operation.setdefault("responses", {}).setdefault(code, ERROR_BODY)
    return raw


def token_for(path: str, tokens: dict[str, str]) -> str:
    if path.startswith("/internal/"):
        return tokens["internal"]
    if path.startswith(("/api/v1/admin", "/api/v1/invites")):
        return tokens["admin"]
    return tokens["owner"]


def fuzz_operation(operation: Any, base_url: str, headers: dict[str, str], examples: int) -> list[str]:
    """Runs `examples` generated cases against `base_url`; the failures, one line each."""
    failures: list[str] = []
    session = requests.Session()

    @given(case=operation.as_strategy())
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call(base_url=base_url, session=session, headers=headers, timeout=15)
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:
            failures.append(
                f"{operation.label} {case.body!r:.200} {case.path_parameters} -> {response.status_code}: "
                f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} {response.text[:200]}"
            )

    try:
        run()
    finally:
        session.close()
    return failures


@pytest.fixture(scope="module")
async def fuzz_tokens(running_stack: RunningStack, secrets_seen: Secrets) -> AsyncIterator[dict[str, str]]:
    """Real tokens (an owner of a fresh account, the super admin, the internal token); the global settings and plan
    catalog the admin routes may change are put back afterwards, for the modules after this one."""
    async with httpx.AsyncClient(base_url=running_stack.gateway_url, timeout=15.0) as gateway:
        owner = await new_shop(gateway, secrets_seen, tag="fuzz")
        from tests.e2e.conftest import BOOTSTRAP_ADMIN_EMAIL, BOOTSTRAP_ADMIN_PASSWORD

        login = await gateway.post(
            "/api/v1/auth/login/json", json={"email": BOOTSTRAP_ADMIN_EMAIL, "password": BOOTSTRAP_ADMIN_PASSWORD}
        )
        assert login.status_code == 200, login.text
        admin = login.json()
        secrets_seen.add("admin access token", admin["access_token"])
        admin_headers = {"Authorization": f"Bearer {admin['access_token']}"}
        saved_settings = (await gateway.get("/api/v1/admin/settings", headers=admin_headers)).json()
        saved_plans = (await gateway.get("/api/v1/admin/plan-limits", headers=admin_headers)).json()
        yield {
            "owner": owner.tokens["access_token"],
            "admin": admin["access_token"],
            "internal": running_stack.stack.env["INTERNAL_API_TOKEN"],
        }
        restored = await gateway.patch(
            "/api/v1/admin/settings", headers=admin_headers, json={k: saved_settings[k] for k in SETTING_KEYS}
        )
        assert restored.status_code == 200, restored.text
        for plan in saved_plans:
            body = {k: v for k, v in plan.items() if v is not None or k.startswith(("max_", "kb_"))}
            put = await gateway.put("/api/v1/admin/plan-limits", headers=admin_headers, json=body)
            assert put.status_code == 200, put.text


def load_schema(running_stack: RunningStack, service: str) -> Any:
    raw = requests.get(running_stack.url(service) + "/openapi.json", timeout=15).json()
    return schemathesis.openapi.from_dict(with_documented_errors(raw))


async def fuzz_all(
    schema: Any, base_url: str, tokens: dict[str, str], examples: int, only: Callable[[str], bool]
) -> tuple[int, list[str]]:
    def run() -> tuple[int, list[str]]:
        tried, failures = 0, []
        for result in schema.get_all_operations():
            operation = result.ok()
            if not only(operation.path):
                continue
            tried += 1
            headers = {"Authorization": f"Bearer {token_for(operation.path, tokens)}"}
            failures += fuzz_operation(operation, base_url, headers, examples)
        return tried, failures

    return await asyncio.to_thread(run)


@pytest.mark.parametrize("service", SERVICES)
async def test_fuzzed_requests_straight_at_a_service_get_no_5xx_and_conform_to_its_schema(
    running_stack: RunningStack, fuzz_tokens: dict[str, str], service: str
) -> None:
    schema = load_schema(running_stack, service)
    tried, failures = await fuzz_all(schema, running_stack.url(service), fuzz_tokens, EXAMPLES, lambda _: True)
    assert tried > 0
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("service", SERVICES)
async def test_fuzzed_requests_through_the_gateway_get_no_5xx_and_conform_to_the_schema(
    running_stack: RunningStack, fuzz_tokens: dict[str, str], service: str
) -> None:
    schema = load_schema(running_stack, service)
    tried, failures = await fuzz_all(
        schema,
        running_stack.gateway_url,
        fuzz_tokens,
        THROUGH_GATEWAY_EXAMPLES,
        lambda path: path.startswith("/api/v1/"),
    )
    assert tried > 0
    assert not failures, "\n".join(failures)
