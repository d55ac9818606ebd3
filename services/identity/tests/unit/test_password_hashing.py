from argon2 import PasswordHasher, Type, extract_parameters

from identity.auth.passwords import (
    MEMORY_COST_KIB,
    PARALLELISM,
    TIME_COST,
    hash_password,
    needs_rehash,
    verify_password,
)


async def test_hashes_carry_the_stated_argon2id_parameters() -> None:
    hashed = await hash_password("Abcdefghi1")

    parameters = extract_parameters(hashed)

    assert parameters.type is Type.ID
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (
        TIME_COST,
        MEMORY_COST_KIB,
        PARALLELISM,
    )
    assert (TIME_COST, MEMORY_COST_KIB, PARALLELISM) == (2, 19456, 1)
    assert needs_rehash(hashed) is False


async def test_a_hash_made_with_other_parameters_verifies_and_asks_for_a_rehash() -> None:
    weaker = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("Abcdefghi1")

    assert await verify_password(weaker, "Abcdefghi1") is True
    assert needs_rehash(weaker) is True
    assert needs_rehash("not-a-hash") is True


async def test_a_hash_made_with_the_previous_rfc_9106_profile_still_verifies_and_is_upgraded() -> None:
    previous = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4, type=Type.ID).hash("Abcdefghi1")

    assert await verify_password(previous, "Abcdefghi1") is True
    assert await verify_password(previous, "Abcdefghi2") is False
    assert needs_rehash(previous) is True
