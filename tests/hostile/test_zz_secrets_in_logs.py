"""Runs last in this folder (file order): after one more trip through every secret-carrying flow, no service's
log file holds a password, token, one-time link token, Stripe secret or the internal token the run used."""

from pathlib import Path

import httpx

from devstack.stack import APPS
from tests.e2e.flows import PASSWORD, link_in, wait_for_mail_with_subject

from .conftest import Secrets, new_shop

NEW_PASSWORD = "Hostile-Reset-Pass-77"


async def test_one_time_tokens_are_used_once_more_before_the_scan(
    gateway: httpx.AsyncClient, mail: httpx.AsyncClient, secrets_seen: Secrets
) -> None:
    shop = await new_shop(gateway, secrets_seen, tag="logscan")
    verification = await wait_for_mail_with_subject(mail, shop.email, "Verify your email address")
    verify_token = link_in(verification, "http://spa.test/verify-email")
    secrets_seen.add("verification token", verify_token)
    verified = await gateway.post("/api/v1/auth/email/verify", json={"token": verify_token})
    assert verified.status_code == 200, verified.text

    assert (await gateway.post("/api/v1/auth/password/forgot", json={"email": shop.email})).status_code == 200
    reset_mail = await wait_for_mail_with_subject(mail, shop.email, "Reset your password")
    reset_token = link_in(reset_mail, "http://spa.test/reset-password")
    secrets_seen.add("reset token", reset_token)
    secrets_seen.add("password", NEW_PASSWORD)
    reset = await gateway.post("/api/v1/auth/password/reset", json={"token": reset_token, "new_password": NEW_PASSWORD})
    assert reset.status_code == 200, reset.text
    # a wrong password and a reused token, which services might be tempted to log
    wrong = await gateway.post("/api/v1/auth/login/json", json={"email": shop.email, "password": PASSWORD})
    again = await gateway.post("/api/v1/auth/password/reset", json={"token": reset_token, "new_password": PASSWORD})
    assert wrong.status_code == 401
    assert again.status_code == 400
    stale = await gateway.post("/api/v1/auth/refresh", json={"refresh_token": shop.tokens["refresh_token"]})
    assert stale.status_code == 401


async def test_no_service_log_contains_a_secret_the_run_used(log_dir: Path, secrets_seen: Secrets) -> None:
    logs = {app: log_dir / f"{app}.log" for app in APPS}
    for app, path in logs.items():
        assert path.exists(), f"no log file for {app} in {log_dir}"
    assert len(secrets_seen.values) > 10, secrets_seen.values.keys()
    leaks = []
    for app, path in logs.items():
        text = path.read_text(errors="replace")
        for label, value in secrets_seen.values.items():
            if value in text:
                line = next(line for line in text.splitlines() if value in line)
                leaks.append(f"{app}: {label.split('#')[0]} in: {line[:300]}")
    assert not leaks, "\n".join(leaks)
