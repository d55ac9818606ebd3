import httpx
from conftest import login, register
from sessions_support import bearer, refresh_rows, signed_in

from shared.db import SessionFactory


async def test_logout_with_a_refresh_token_revokes_only_that_family(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user, laptop = await signed_in(client, email)
    phone = (await login(client, email)).json()

    response = await client.post(
        "/api/v1/auth/logout", headers=bearer(laptop["access_token"]), json={"refresh_token": laptop["refresh_token"]}
    )

    assert response.status_code == 204
    assert response.content == b""
    laptop_refresh = await client.post("/api/v1/auth/refresh", json={"refresh_token": laptop["refresh_token"]})
    assert laptop_refresh.status_code == 401
    assert laptop_refresh.json() == {"detail": {"error": "refresh_token_revoked"}}
    assert (
        await client.post("/api/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]})
    ).status_code == 200
    reasons = [r["revoked_reason"] for r in await refresh_rows(db, user["id"])]
    assert reasons == ["logout", "rotated", None]  # laptop, phone (rotated just now), phone's successor


async def test_logout_revokes_the_whole_family_of_the_given_token(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user, first = await signed_in(client, email)
    second = (await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})).json()

    # an older token of the family names the family as well as the live one does
    response = await client.post(
        "/api/v1/auth/logout", headers=bearer(second["access_token"]), json={"refresh_token": first["refresh_token"]}
    )

    assert response.status_code == 204
    stored = await refresh_rows(db, user["id"])
    assert [r["revoked_reason"] for r in stored] == ["rotated", "logout"]
    refused = await client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert refused.json() == {"detail": {"error": "refresh_token_revoked"}}


async def test_logout_without_a_body_revokes_every_live_refresh_token_of_the_caller(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user, first = await signed_in(client, email)
    await login(client, email)
    other_email = "other-" + email
    other, _ = await signed_in(client, other_email)

    response = await client.post("/api/v1/auth/logout", headers=bearer(first["access_token"]))

    assert response.status_code == 204
    assert [r["revoked_reason"] for r in await refresh_rows(db, user["id"])] == ["logout", "logout"]
    assert [r["revoked_reason"] for r in await refresh_rows(db, other["id"])] == [None]
    # the access token stays valid until it expires
    assert (await client.get("/api/v1/auth/me", headers=bearer(first["access_token"]))).status_code == 200


async def test_logout_with_someone_elses_refresh_token_leaves_theirs_alone(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user, mine = await signed_in(client, email)
    other, theirs = await signed_in(client, "victim-" + email)

    response = await client.post(
        "/api/v1/auth/logout", headers=bearer(mine["access_token"]), json={"refresh_token": theirs["refresh_token"]}
    )

    assert response.status_code == 204
    assert [r["revoked_reason"] for r in await refresh_rows(db, other["id"])] == [None]
    # not the caller's token: the caller is logged out everywhere instead
    assert [r["revoked_reason"] for r in await refresh_rows(db, user["id"])] == ["logout"]


async def test_logout_with_a_garbage_or_access_token_in_the_body_logs_the_caller_out_everywhere(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user, pair = await signed_in(client, email)

    for bad in ("garbage", pair["access_token"]):
        response = await client.post(
            "/api/v1/auth/logout", headers=bearer(pair["access_token"]), json={"refresh_token": bad}
        )
        assert response.status_code == 204
    assert [r["revoked_reason"] for r in await refresh_rows(db, user["id"])] == ["logout"]


async def test_logout_needs_an_access_token(client: httpx.AsyncClient, email: str) -> None:
    await register(client, email)
    pair = (await login(client, email)).json()

    anonymous = await client.post("/api/v1/auth/logout", json={"refresh_token": pair["refresh_token"]})
    with_refresh = await client.post("/api/v1/auth/logout", headers=bearer(pair["refresh_token"]))

    assert anonymous.status_code == 401
    assert anonymous.json() == {"detail": "Not authenticated"}
    assert with_refresh.status_code == 401
    assert with_refresh.json() == {"detail": "Could not validate credentials"}
    assert (await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})).status_code == 200
