"""How expensive identity's password hashing is on this machine.

Prints argon2id hashes per second and verifications per second with the parameters of
`identity.auth.passwords`, the CPU time of one verification with them and with the profile identity used
before (RFC 9106's 64 MiB x 3 passes x 4 lanes; stored hashes of that kind still verify and are upgraded),
and how many times slower one verification is than one SHA-256 of the same password, all measured in this
run (so the ratios, not the absolute numbers, are what compares across machines).

    .venv/bin/python bench/password_hash.py [--seconds 3]
"""

import argparse
import hashlib
import secrets
import time
from collections.abc import Callable

from argon2 import PasswordHasher, Type

from identity.auth.passwords import HASH_WORKERS, MEMORY_COST_KIB, PARALLELISM, TIME_COST, password_hasher

PASSWORD = secrets.token_urlsafe(18)  # a realistic length; its value does not matter


def rate(operation: Callable[[], object], seconds: float) -> tuple[int, float]:
    """Run `operation` repeatedly for about `seconds`; returns (runs, elapsed seconds)."""
    operation()  # warm up (first allocation of the argon2 memory, caches)
    runs = 0
    started = time.perf_counter()
    deadline = started + seconds
    while True:
        operation()
        runs += 1
        now = time.perf_counter()
        if now >= deadline:
            return runs, now - started


def cpu_per_run(operation: Callable[[], object], runs: int) -> float:
    """CPU seconds (all threads of this process) per run of `operation`: argon2's lanes run on threads."""
    operation()
    started = time.process_time()
    for _ in range(runs):
        operation()
    return (time.process_time() - started) / runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time spent on each measurement")
    args = parser.parse_args()

    hasher = password_hasher()
    stored = hasher.hash(PASSWORD)
    encoded = PASSWORD.encode()
    hashes, hash_time = rate(lambda: hasher.hash(PASSWORD), args.seconds)
    verifies, verify_time = rate(lambda: hasher.verify(stored, PASSWORD), args.seconds)
    baseline, baseline_time = rate(lambda: hashlib.sha256(encoded).digest(), min(args.seconds, 1.0))

    previous = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4, type=Type.ID)
    previous_stored = previous.hash(PASSWORD)
    runs = max(5, verifies // 4)
    cpu_now = cpu_per_run(lambda: hasher.verify(stored, PASSWORD), runs)
    cpu_before = cpu_per_run(lambda: previous.verify(previous_stored, PASSWORD), max(3, runs // 8))

    per_verify = verify_time / verifies
    per_sha256 = baseline_time / baseline
    print(f"argon2id time_cost={TIME_COST} memory_cost={MEMORY_COST_KIB} KiB parallelism={PARALLELISM}")
    print(f"hash:     {hashes / hash_time:10.1f} hashes/s   ({hash_time / hashes * 1000:.1f} ms each)")
    print(f"verify:   {verifies / verify_time:10.1f} verifies/s ({per_verify * 1000:.1f} ms each)")
    print(f"sha256:   {baseline / baseline_time:10.1f} hashes/s   ({per_sha256 * 1e6:.2f} us each, baseline)")
    print(f"verify / sha256 time ratio: {per_verify / per_sha256:,.0f}x")
    print(f"CPU per verify: {cpu_now * 1000:.1f} ms; previous profile (t=3, 64 MiB, p=4): {cpu_before * 1000:.1f} ms")
    print(f"previous / chosen CPU per verify: {cpu_before / cpu_now:.1f}x")
    print(f"hashes run at once (threads of identity's hashing pool): {HASH_WORKERS}")


if __name__ == "__main__":
    main()
