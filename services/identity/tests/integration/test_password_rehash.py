import uuid

import httpx
from argon2 import PasswordHasher, extract_parameters
from conftest import PASSWORD, login, register
from sessions_support import execute, rows

from identity.auth.passwords import MEMORY_COST_KIB, TIME_COST
from shared.db import SessionFactory


async def test_login_upgrades_a_hash_made_with_weaker_parameters(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user = (await register(client, email)).json()
    weaker = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    await execute(db, "UPDATE users SET password_hash = :h WHERE id = :u", h=weaker, u=uuid.UUID(user["id"]))

    response = await login(client, email)

    assert response.status_code == 200
    [stored] = await rows(db, "SELECT password_hash FROM users WHERE id = :u", u=uuid.UUID(user["id"]))
    parameters = extract_parameters(stored["password_hash"])
    assert (parameters.time_cost, parameters.memory_cost) == (TIME_COST, MEMORY_COST_KIB)
    assert (await login(client, email)).status_code == 200
