import pytest
from pydantic import ValidationError

from identity.auth.passwords import hash_password, password_problem, verify_password
from identity.registration.schemas import RegisterRequest


@pytest.mark.parametrize(
    "password",
    ["Abcdefghi1", "A1" + "b" * 126, "Pässwörter-1X", "correct HORSE battery 9"],
)
def test_passwords_meeting_every_rule_are_accepted(password: str) -> None:
    assert password_problem(password) is None


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Abcdefgh1", "10-128 characters"),
        ("A1" + "b" * 127, "10-128 characters"),
        ("abcdefghij1", "upper-case"),
        ("ABCDEFGHIJ1", "lower-case"),
        ("Abcdefghijk", "digit"),
    ],
)
def test_passwords_breaking_a_rule_name_the_rule(password: str, reason: str) -> None:
    problem = password_problem(password)
    assert problem is not None
    assert reason in problem


def test_register_request_rejects_a_weak_password_and_normalises_the_rest() -> None:
    with pytest.raises(ValidationError) as caught:
        RegisterRequest.model_validate({"email": "a@example.com", "password": "weak", "name": "A"})
    assert caught.value.errors()[0]["loc"] == ("password",)

    request = RegisterRequest.model_validate(
        {"email": "  Ada@Example.COM ", "password": "Abcdefghi1", "name": "  Ada  ", "invite_code": " "}
    )
    assert request.email == "ada@example.com"
    assert request.name == "Ada"
    assert request.invite_code is None


async def test_hashes_are_argon2id_and_verify_only_the_right_password() -> None:
    hashed = await hash_password("Abcdefghi1")

    assert hashed.startswith("$argon2id$")
    assert await verify_password(hashed, "Abcdefghi1") is True
    assert await verify_password(hashed, "Abcdefghi2") is False
    assert await verify_password(None, "Abcdefghi1") is False
    assert await verify_password("not-a-hash", "Abcdefghi1") is False
