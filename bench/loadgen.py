"""An HTTP load generator, run as its own process so it does not share an event loop with what it
measures. Closed loop (default): `--concurrency` workers on one aiohttp session (keep-alive), each sending
the same request back to back for `--seconds` after `--warmup` seconds. Open loop (`--rate R`): a request
is started every 1/R seconds whatever the earlier ones are doing, and its latency counts from when it was
due, so a server that falls behind is charged for the wait (no coordinated omission). Prints one JSON
object: requests, errors, elapsed, throughput and latency percentiles in milliseconds.

    .venv/bin/python bench/loadgen.py --url http://127.0.0.1:8000/api/v1/trees -H "Authorization: Bearer ..."
"""

import argparse
import asyncio
import json
import time

import aiohttp
import uvloop


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list (0.0 for an empty one)."""
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def percentiles(values: list[float]) -> dict[str, float]:
    """n, p50, p95, p99 and max of `values` (just n when there are none); the other bench scripts use it too."""
    ordered = sorted(values)
    if not ordered:
        return {"n": 0}
    top = {f"p{int(f * 100)}": percentile(ordered, f) for f in (0.50, 0.95, 0.99)}
    return {"n": len(ordered), **top, "max": ordered[-1]}


def summary(latencies: list[float], elapsed: float, errors: int) -> dict[str, float]:
    """The printed figures of a run: `latencies` in seconds, the percentiles in milliseconds."""
    ms = percentiles([latency * 1000 for latency in latencies])
    return {
        "requests": len(latencies),
        "errors": errors,
        "elapsed_s": elapsed,
        "throughput_rps": len(latencies) / elapsed,
        "p50_ms": ms.get("p50", 0.0),
        "p95_ms": ms.get("p95", 0.0),
        "p99_ms": ms.get("p99", 0.0),
    }


async def succeeds(session: aiohttp.ClientSession, method: str, url: str) -> bool:
    """One request, its answer read whole; True when it answered below 400."""
    try:
        async with session.request(method, url) as response:
            await response.read()
            return response.status < 400
    except aiohttp.ClientError:
        return False


async def load(
    url: str, method: str, headers: dict[str, str], concurrency: int, seconds: float, warmup: float
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        started = time.perf_counter()
        measure_from = started + warmup
        stop_at = measure_from + seconds

        async def worker() -> None:
            nonlocal errors
            while True:
                begun = time.perf_counter()
                if begun >= stop_at:
                    return
                ok = await succeeds(session, method, url)
                finished = time.perf_counter()
                if begun >= measure_from:
                    if ok:
                        latencies.append(finished - begun)
                    else:
                        errors += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - measure_from
    return {"concurrency": concurrency, **summary(latencies, elapsed, errors)}


async def load_at_rate(
    url: str, method: str, headers: dict[str, str], rate: float, seconds: float, warmup: float
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def one(due: float, measured: bool) -> None:
            nonlocal errors
            ok = await succeeds(session, method, url)
            if measured:
                if ok:
                    latencies.append(time.perf_counter() - due)
                else:
                    errors += 1

        started = time.perf_counter()
        measure_from = started + warmup
        interval = 1.0 / rate
        total = int((warmup + seconds) * rate)
        tasks = []
        for i in range(total):
            due = started + i * interval
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(due, due >= measure_from)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - measure_from
    return {"rate": rate, **summary(latencies, elapsed, errors)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--method", default="GET")
    parser.add_argument("-H", "--header", action="append", default=[], help="'Name: value', repeatable")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rate", type=float, help="open loop: requests started per second (ignores --concurrency)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    args = parser.parse_args()
    headers = dict(h.split(":", 1) for h in args.header)
    headers = {k.strip(): v.strip() for k, v in headers.items()}
    if args.rate:
        result = uvloop.run(load_at_rate(args.url, args.method, headers, args.rate, args.seconds, args.warmup))
    else:
        result = uvloop.run(load(args.url, args.method, headers, args.concurrency, args.seconds, args.warmup))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
