"""Sessions and passwords through the gateway, with the emails the SPA's user would click."""

import httpx

from .flows import (
    PASSWORD,
    bearer,
    link_in,
    login,
    new_email,
    refresh,
    register,
    wait_for_mail_with_subject,
)

NEW_PASSWORD = "Fresh-Start-Password-8"


async def test_verifying_by_the_emailed_link_answers_tokens_that_already_carry_the_verification(
    gateway: httpx.AsyncClient, mail: httpx.AsyncClient
) -> None:
    email = new_email("verify")
    assert (await register(gateway, email)).status_code == 201
    tokens = await login(gateway, email)
    before = (await gateway.get("/api/v1/auth/me", headers=bearer(tokens))).json()
    assert before["email_verified_at"] is None

    message = await wait_for_mail_with_subject(mail, email, "Verify your email address")
    verified = await gateway.post(
        "/api/v1/auth/email/verify", json={"token": link_in(message, "http://spa.test/verify-email")}
    )

    assert verified.status_code == 200, verified.text
    body = verified.json()
    assert body["message"] == "Email verified"
    assert body["already_verified"] is False
    me = await gateway.get("/api/v1/auth/me", headers=bearer(body))
    assert me.status_code == 200
    assert me.json()["email_verified_at"] == body["email_verified_at"]
    # the fresh refresh token is registered too: its first refresh works
    assert (await refresh(gateway, body["refresh_token"])).status_code == 200


async def test_a_reused_refresh_token_kills_its_family(gateway: httpx.AsyncClient) -> None:
    email = new_email("rotate")
    assert (await register(gateway, email)).status_code == 201
    first = await login(gateway, email)

    rotated = await refresh(gateway, first["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await gateway.get("/api/v1/auth/me", headers=bearer(second))).status_code == 200

    reused = await refresh(gateway, first["refresh_token"])
    assert reused.status_code == 401
    assert reused.json() == {"detail": {"error": "refresh_token_reused"}}
    after_reuse = await refresh(gateway, second["refresh_token"])
    assert after_reuse.status_code == 401
    assert after_reuse.json() == {"detail": {"error": "refresh_token_revoked"}}


async def test_logout_ends_the_session_of_its_refresh_token(gateway: httpx.AsyncClient) -> None:
    email = new_email("logout")
    assert (await register(gateway, email)).status_code == 201
    leaving = await login(gateway, email)
    staying = await login(gateway, email)

    response = await gateway.post(
        "/api/v1/auth/logout", headers=bearer(leaving), json={"refresh_token": leaving["refresh_token"]}
    )

    assert response.status_code == 204
    refused = await refresh(gateway, leaving["refresh_token"])
    assert refused.status_code == 401
    assert refused.json() == {"detail": {"error": "refresh_token_revoked"}}
    assert (await refresh(gateway, staying["refresh_token"])).status_code == 200
    everywhere = await gateway.post("/api/v1/auth/logout", headers=bearer(staying))
    assert everywhere.status_code == 204
    assert (await refresh(gateway, staying["refresh_token"])).status_code == 401


async def test_forgotten_password_is_reset_by_the_emailed_link(
    gateway: httpx.AsyncClient, mail: httpx.AsyncClient
) -> None:
    email = new_email("forgot")
    assert (await register(gateway, email)).status_code == 201
    session = await login(gateway, email)

    forgot = await gateway.post("/api/v1/auth/password/forgot", json={"email": email})
    unknown = await gateway.post("/api/v1/auth/password/forgot", json={"email": new_email("nobody")})
    assert forgot.status_code == 200
    assert forgot.json() == unknown.json()
    assert forgot.json() == {"message": "If an account exists for that email, a reset link has been sent."}

    message = await wait_for_mail_with_subject(mail, email, "Reset your password")
    token = link_in(message, "http://spa.test/reset-password")
    reset = await gateway.post("/api/v1/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD})

    assert reset.status_code == 200, reset.text
    assert reset.json() == {"message": "Password has been reset"}
    old = await gateway.post("/api/v1/auth/login/json", json={"email": email, "password": PASSWORD})
    assert old.status_code == 401
    new = await gateway.post("/api/v1/auth/login/json", json={"email": email, "password": NEW_PASSWORD})
    assert new.status_code == 200, new.text
    me = (await gateway.get("/api/v1/auth/me", headers=bearer(new.json()))).json()
    assert me["email_verified_at"] is not None  # the reset link proved the mailbox
    # the sessions from before the reset are over, and the link works once
    assert (await refresh(gateway, session["refresh_token"])).status_code == 401
    again = await gateway.post("/api/v1/auth/password/reset", json={"token": token, "new_password": "Other-Pass-99"})
    assert again.status_code == 400
    assert again.json() == {"detail": "Invalid or expired reset token"}
