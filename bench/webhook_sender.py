"""Sends signed Stripe webhook deliveries as fast as `--concurrency` senders go, from a process of its own
(aiohttp on uvloop, keep-alive), so the sender's own cost does not share a core's event loop with what it
measures. Each delivery is a distinct `invoice.payment_succeeded` for a subscription billing does not know
(verified, recorded in `stripe_events`, applied, nothing else changes), signed as Stripe signs it
(stripefake `signed_event`) just before it is sent. Prints one JSON object: deliveries, applied, failures,
deliveries per second and latency percentiles in milliseconds.

    .venv/bin/python bench/webhook_sender.py --url http://127.0.0.1:8002/api/v1/webhooks/stripe --secret whsec_...
"""

import argparse
import asyncio
import json
import secrets
import time
from typing import Any

import aiohttp
import uvloop
from loadgen import percentiles
from stripefake.events import event as stripe_event
from stripefake.events import signed_event


def unknown_subscription_payment() -> dict[str, Any]:
    invoice = {"id": "in_" + secrets.token_hex(10), "object": "invoice", "subscription": "sub_bench_unknown"}
    return stripe_event("invoice.payment_succeeded", {**invoice, "customer": "cus_bench"})


async def send(url: str, secret: str, concurrency: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    applied = 0
    failures = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        stop_at = time.perf_counter() + seconds

        async def sender() -> None:
            nonlocal applied, failures
            while time.perf_counter() < stop_at:
                body, signature = signed_event(unknown_subscription_payment(), secret)
                headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}
                begun = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as response:
                    answer = await response.json() if response.status == 200 else {}
                latencies.append(time.perf_counter() - begun)
                applied += bool(answer.get("applied"))
                failures += response.status != 200

        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {
        "concurrency": concurrency,
        "deliveries": len(latencies),
        "applied": applied,
        "failures": failures,
        "per_second": len(latencies) / elapsed,
        "latency_ms": percentiles([latency * 1000 for latency in latencies]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    print(json.dumps(uvloop.run(send(args.url, args.secret, args.concurrency, args.seconds))))


if __name__ == "__main__":
    main()
