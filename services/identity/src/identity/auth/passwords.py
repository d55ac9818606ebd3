"""Password rules (api.md "Passwords") and argon2id hashing, off the event loop."""

import asyncio
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 128

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# verified against when the email is unknown, so that answer takes as long as a wrong password
_DUMMY_HASH = _hasher.hash("not-a-real-password-0A")


def password_problem(password: str) -> str | None:
    """Why `password` breaks the rules, or None when it is acceptable."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return f"Password must be {MIN_LENGTH}-{MAX_LENGTH} characters long"
    if not re.search(r"[A-Z]", password):
        return "Password must contain at least one upper-case letter"
    if not re.search(r"[a-z]", password):
        return "Password must contain at least one lower-case letter"
    if not re.search(r"[0-9]", password):
        return "Password must contain at least one digit"
    return None


def check_password_rules(password: str) -> str:
    """A pydantic after-validator: the password unchanged, or ValueError naming the broken rule."""
    problem = password_problem(password)
    if problem is not None:
        raise ValueError(problem)
    return password


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; a missing hash costs the same time and answers False."""
    if password_hash is None:
        await asyncio.to_thread(_verify, _DUMMY_HASH, password)
        return False
    return await asyncio.to_thread(_verify, password_hash, password)
