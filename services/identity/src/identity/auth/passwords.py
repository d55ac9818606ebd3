"""Password rules (api.md "Passwords") and argon2id hashing, off the event loop."""

import asyncio
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 128

# argon2id with OWASP's recommended minimum (Password Storage Cheat Sheet): 2 passes over 19 MiB, one lane.
# RFC 9106's 64 MiB x 3 passes x 4 lanes cost 8x the CPU per login here (bench/password_hash.py measures
# both) and its four lanes took both cores at once, starving every other process on a burst of signups.
# Stated here rather than inherited from the library's defaults, so an upgrade cannot silently change what
# is stored; hashes made with other parameters still verify and are re-hashed at the next successful login.
TIME_COST = 2
MEMORY_COST_KIB = 19 * 1024
PARALLELISM = 1
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
# At most this many hashes run at once, on threads of their own (argon2 releases the GIL): a burst of
# registrations queues here instead of taking every core from the event loop, the outbox relay and the
# other services; one core is always left for them.
HASH_WORKERS = max(1, (os.cpu_count() or 2) - 1)
_hashing = ThreadPoolExecutor(max_workers=HASH_WORKERS, thread_name_prefix="argon2")

T = TypeVar("T")

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


async def _off_loop(work: Callable[..., T], *args: str) -> T:
    return await asyncio.get_running_loop().run_in_executor(_hashing, work, *args)


async def hash_password(password: str) -> str:
    return await _off_loop(_hasher.hash, password)


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
        await _off_loop(_verify, _DUMMY_HASH, password)
        return False
    return await _off_loop(_verify, password_hash, password)
