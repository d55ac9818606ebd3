"""Password rules (api.md "Passwords") and argon2id hashing, off the event loop."""

import asyncio
import re

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 128

# argon2id, RFC 9106's second recommended profile: 3 passes over 64 MiB with 4 lanes. Stated here rather
# than inherited from the library's defaults, so an upgrade cannot silently change what is stored; hashes
# made with other parameters still verify and are re-hashed at the next successful login.
TIME_COST = 3
MEMORY_COST_KIB = 64 * 1024
PARALLELISM = 4
HASH_LENGTH = 32
SALT_LENGTH = 16

_hasher = PasswordHasher(
    time_cost=TIME_COST,
    memory_cost=MEMORY_COST_KIB,
    parallelism=PARALLELISM,
    hash_len=HASH_LENGTH,
    salt_len=SALT_LENGTH,
    type=Type.ID,
)
# verified against when the email is unknown, so that answer takes as long as a wrong password
_DUMMY_HASH = _hasher.hash("not-a-real-password-0A")


def password_hasher() -> PasswordHasher:
    """The configured hasher itself, for measuring it (bench/password_hash.py)."""
    return _hasher


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


def needs_rehash(password_hash: str) -> bool:
    """True when `password_hash` was made with other parameters than the ones above."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


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
