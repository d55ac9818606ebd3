"""`make bench`: runs every script of bench/ and writes docs/benchmarks.md (machine facts, commands, raw
figures, and the ratios that compare things measured in the same run). Nothing here asserts a time; the
targets are reported as met or not.

    .venv/bin/python bench/run_all.py [--signups 500] [--seconds 8] [--out docs/benchmarks.md]
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def run(argv: list[str]) -> str:
    print(f"$ {' '.join(argv)}", file=sys.stderr, flush=True)
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603 — our scripts
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        raise SystemExit(f"{argv[1]} failed with code {done.returncode}")
    return done.stdout


def machine() -> list[str]:
    free = subprocess.run(["free", "-m"], capture_output=True, text=True, check=False).stdout.strip()  # noqa: S607
    return [
        f"- cores (`nproc`): {os.cpu_count()}",
        f"- Python: {platform.python_version()} ({platform.python_implementation()}), {platform.platform()}",
        f"- load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())} (the machine is shared)",
        "- memory (`free -m`):",
        "",
        "```",
        free,
        "```",
    ]


def ms(value: float) -> str:
    return f"{value:.2f}"


def dist(figures: dict[str, Any]) -> str:
    if not figures.get("n"):
        return "no samples"
    p50, p95, p99, top = (figures[k] for k in ("p50", "p95", "p99", "max"))
    return f"p50 {p50:.1f} · p95 {p95:.1f} · p99 {p99:.1f} · max {top:.1f} ms (n={figures['n']})"


def verdict(met: bool) -> str:
    return "**met**" if met else "**not met**"


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def gateway_section(overhead: dict[str, Any]) -> list[str]:
    lines = [
        "## 1. Gateway overhead",
        "",
        "The same Pro-gated `GET /api/v1/trees` (a trialing account's token) sent by `bench/loadgen.py` — a separate",
        "process, aiohttp on uvloop, keep-alive, 1 s warm-up then the measured window — straight to the echo upstream",
        "(`bench/echo_upstream.py`, bare ASGI on uvicorn) and through the gateway (warm entitlement cache), at fixed",
        "concurrencies (closed loop). `gateway` is this tree's `python -m gateway serve`; `baseline` is the gateway",
        f"and shared package of commit `{overhead['baseline_commit']}` (before §8's optimisations), unpacked by the",
        "bench with `git archive` and run the same way beside it. `floor` is `bench/bare_proxy.py`: an aiohttp",
        "server that forwards every request to the echo with a pooled aiohttp client and none of the gateway's",
        "work (no routes, token, snapshot, header policy, tracing, metrics or request ids) — what a Python proxy",
        "reaches here at all. CPU ms/request: the process's user+system time (from `/proc/<pid>/stat`) over the",
        "window divided by its requests.",
        "",
        "| c | target | req/s | p50 ms | p95 ms | p99 ms | errors | CPU ms/req |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in overhead["runs"]:
        for name in ("direct", "gateway", "baseline", "floor"):
            r = run[name]
            cpu = f"{r['cpu_ms_per_request']:.2f}" if "cpu_ms_per_request" in r else "n/a"
            lines.append(
                f"| {run['concurrency']} | {name} | {r['throughput_rps']:.0f} | {ms(r['p50_ms'])} | {ms(r['p95_ms'])} "
                f"| {ms(r['p99_ms'])} | {r['errors']} | {cpu} |"
            )
    lines += ["", "Ratios (same run, same load generator):", ""]
    for run in overhead["runs"]:
        direct, gateway, baseline, floor = run["direct"], run["gateway"], run["baseline"], run["floor"]
        share = gateway["throughput_rps"] / direct["throughput_rps"]
        added = gateway["p50_ms"] - direct["p50_ms"]
        lines.append(
            f"- c={run['concurrency']}: gateway throughput = {share:.1%} of direct (target ≥ 60%: "
            f"{verdict(share >= 0.6)}; baseline {baseline['throughput_rps'] / direct['throughput_rps']:.1%}, floor "
            f"{floor['throughput_rps'] / direct['throughput_rps']:.1%}); added p50 = {added:.2f} ms; gateway / floor "
            f"throughput {gateway['throughput_rps'] / floor['throughput_rps']:.1%}"
        )
    lines += [
        "",
        "Fixed rates (open loop: a request is started every 1/rate s whatever the others are doing, and its latency",
        "counts from when it was due), offered to the echo and to the gateway: a quarter of what the gateway",
        "sustained at c=8 — the moderate load the target speaks of — and a half, where the two cores are mostly",
        "busy (gateway, echo and load generator):",
        "",
        "| rate req/s | share of c=8 | direct p50 · p95 ms | gateway p50 · p95 ms | added p50 ms | gateway CPU ms/req "
        "|",
        "|---|---|---|---|---|---|",
    ]
    for at_rate in overhead["fixed_rates"]:
        direct, gateway = at_rate["direct"], at_rate["gateway"]
        lines.append(
            f"| {at_rate['rate']} | {at_rate['share_of_c8']:.0%} | {ms(direct['p50_ms'])} · {ms(direct['p95_ms'])} "
            f"| {ms(gateway['p50_ms'])} · {ms(gateway['p95_ms'])} | {gateway['p50_ms'] - direct['p50_ms']:.2f} "
            f"| {gateway['cpu_ms_per_request']:.2f} |"
        )
    moderate = overhead["fixed_rates"][0]
    added = moderate["gateway"]["p50_ms"] - moderate["direct"]["p50_ms"]
    lines += [
        "",
        f"Added p50 at the moderate load ({moderate['rate']} req/s): **{added:.2f} ms** (target ≤ 1 ms: "
        f"{verdict(added <= 1.0)}).",
    ]
    calls = overhead["warm_calls_to_identity_billing"]
    lines += [
        "",
        "Network calls from the gateways to identity and billing during all warm load runs (counted by a proxy the",
        f"bench puts in front of them): identity {calls['identity']}, billing {calls['billing']} — a warm check makes "
        f"{'zero' if not any(calls.values()) else 'SOME'} network calls.",
        "",
    ]
    return lines


def before_after(overhead: dict[str, Any]) -> list[str]:
    rounds = overhead["before_after_rounds_c8"]
    lines = [
        "| round | gateway req/s | baseline req/s | gateway CPU ms/req | baseline CPU ms/req "
        "| gateway p50 | baseline p50 |",
        "|---|---|---|---|---|---|---|",
    ]
    throughput, cpu = [], []
    for i, pair in enumerate(rounds, 1):
        g, u = pair["gateway"], pair["baseline"]
        throughput.append(g["throughput_rps"] / u["throughput_rps"])
        cpu.append(u["cpu_ms_per_request"] / g["cpu_ms_per_request"])
        lines.append(
            f"| {i} | {g['throughput_rps']:.0f} | {u['throughput_rps']:.0f} | {g['cpu_ms_per_request']:.2f} "
            f"| {u['cpu_ms_per_request']:.2f} | {ms(g['p50_ms'])} | {ms(u['p50_ms'])} |"
        )
    lines += [
        "",
        f"Median over the alternating rounds: throughput after/before = **{median(throughput):.2f}x**; "
        f"CPU per request before/after = **{median(cpu):.2f}x**.",
        "",
    ]
    return lines


def burst_section(burst: dict[str, Any], relay: dict[str, Any], isolated: dict[str, Any]) -> list[str]:
    trial = burst["created_to_trial_event_ms"]
    state = burst["created_to_billing_state_after_login_ms"]
    mail = burst["created_to_email_ms"]
    notify, poll_only = isolated["notify"], isolated["poll_only"]
    latency = notify["commit_to_arrival_ms"]
    return [
        "## 3. Signup to trial and to email",
        "",
        f"{burst['signups']} registrations through the gateway, {burst['in_flight']} in flight at a time",
        f"(RATE_LIMITS_ENABLED=false), done in {burst['burst_seconds']:.1f} s. Each: `POST /auth/register` → 201, then",
        "a login (register returns no token) and `/billing/state` polled every 10 ms until `trialing`. The trial's",
        "`billing.subscription.changed` and every mail are timed where they arrive: a bench queue bound to the run's",
        "exchange, and the mail catcher's `received_at`.",
        "",
        f"- failed signups: {burst['failures']} {burst['failure_samples'] if burst['failures'] else ''}",
        f"- not arrived within the deadline (60 s trial events, 120 s mail): {burst.get('missing', {})}",
        f"- register round trip: {dist(burst['register_ms'])}",
        f"- 201 → trial's event published by billing (the trial is committed, so `/billing/state` shows it): "
        f"{dist(trial)} — target p95 ≤ 300 ms: {verdict(trial.get('p95', 1e9) <= 300)}",
        f"- 201 → verification email at the SMTP catcher: {dist(mail)} — target p95 ≤ 1 s: "
        f"{verdict(mail.get('p95', 1e9) <= 1000)}",
        "- 201 → the login's 200 (an argon2 verify, queued behind the burst's other hashes): "
        f"{dist(burst['login_ms'])}",
        f"- login's 200 → `/billing/state` shows the trial: {dist(burst['logged_in_to_billing_state_ms'])}; the",
        f"  first read already showed it for {burst['first_state_read_showed_trial']} of {burst['signups']}",
        f"- 201 → `/billing/state` shows the trial, login included: {dist(state)}",
        "",
        "## 4. Outbox relay",
        "",
        "**On its own** (`bench/relay_bench.py`: a database with the bus tables, the real `OutboxRelay` and",
        "`Publisher`, and a bench queue bound to the exchange; nothing else runs). One event per transaction at a",
        "steady rate; latency from just after COMMIT returned to arrival at the bench queue:",
        "",
        f"- LISTEN/NOTIFY (as the services run it), {notify['rate']:.0f} transactions/s: {dist(latency)}, "
        f"{notify['missing']} missing — target p95 ≤ 50 ms: {verdict(latency.get('p95', 1e9) <= 50)}",
        f"- the same relay with its listener off (only its 2 s poll finds rows), {poll_only['rate']:.0f}/s: "
        f"{dist(poll_only['commit_to_arrival_ms'])} — NOTIFY is "
        f"{poll_only['commit_to_arrival_ms']['p50'] / latency['p50']:.0f}x faster at p50",
        f"- sustained: {isolated['alongside_writer']['events']} events written 100 per transaction while it runs: "
        f"writer {isolated['alongside_writer']['writer_per_second']:.0f} events/s, published "
        f"{isolated['alongside_writer']['per_second']:.0f} events/s (it keeps pace); a backlog of "
        f"{isolated['drain']['events']} drained at **{isolated['drain']['per_second']:.0f} events/s**",
        "",
        "**In the signup burst** (everything on the same two cores as the argon2 hashes): for every event published",
        "during the burst, `occurred_at` (stamped inside the producing transaction, so before its commit) → arrival",
        "at the bench's own queue; an upper bound of commit → publish. Billing and notifications stamp `occurred_at`",
        "in their event handlers, just before the commit; identity's register stamps it at the request's start,",
        "before the argon2 hash, so for identity it includes the hash and its queue; its other bound is 201 received →",
        "`identity.account.created` arrived (the commit precedes the 201, so a lower bound of commit → publish).",
        "",
        *[f"- {name}: occurred_at → arrival {dist(figures)}" for name, figures in relay["by_producer_ms"].items()],
        f"- identity: 201 → `identity.account.created` arrival {dist(burst['created_to_account_created_event_ms'])}",
        f"- all producers: {dist(relay['occurred_to_published_ms'])}",
        f"- {relay['events']} events over {relay['span_seconds']:.1f} s = "
        f"{relay['events_per_second']:.0f} events/s (as fast as the burst produced them)",
        "",
    ]


def webhook_section(hooks: dict[str, Any]) -> list[str]:
    storm = hooks["storm"]
    return [
        "## 5. Stripe webhooks",
        "",
        "Distinct `invoice.payment_succeeded` events, each signed as Stripe signs (stripefake `signed_event`),",
        f"posted by {hooks['concurrency']} concurrent senders (`bench/webhook_sender.py`, aiohttp in a process of its",
        "own) to billing's `/api/v1/webhooks/stripe`; each is",
        "verified, "
        "recorded in `stripe_events` and applied in one transaction (its subscription is unknown to billing, so",
        "nothing else changes).",
        "",
        f"- {hooks['deliveries']} deliveries, {hooks['applied']} applied, {hooks['failures']} failures: "
        f"**{hooks['per_second']:.0f} deliveries/s** — target ≥ 200/s: {verdict(hooks['per_second'] >= 200)}",
        f"- latency: {dist(hooks['latency_ms'])}",
        f"- duplicate storm: one event sent {storm['copies']} times at once → statuses {storm['statuses']}, applied "
        f"**{storm['applied']}** time(s) ({'correct' if storm['applied'] == 1 else 'WRONG'})",
        "",
    ]


def memory_section(rss: dict[str, Any], overhead: dict[str, Any]) -> list[str]:
    lines = [
        "## 7. Memory",
        "",
        "VmRSS from `/proc/<pid>/status`: idle after start, and the peak sampled every 100 ms over all load phases.",
        "",
        "| process | idle MiB | peak MiB |",
        "|---|---|---|",
    ]
    for name, figures in rss.items():
        lines.append(f"| {name} | {figures['idle'] / 1024:.0f} | {figures['peak'] / 1024:.0f} |")
    for name, figures in overhead["rss_kib"].items():
        lines.append(f"| {name} (§1, under its load) | {figures['idle'] / 1024:.0f} | {figures['peak'] / 1024:.0f} |")
    lines.append("")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signups", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    python = sys.executable
    started = time.time()
    facts = machine()
    commands = [
        [python, "bench/password_hash.py", "--seconds", "3"],
        [python, "bench/gateway_warm_check.py", "--seconds", "3"],
        [python, "bench/relay_bench.py", "--rate", "100", "--seconds", "5", "--backlog", "5000"],
        [python, "bench/stack_bench.py", "--signups", str(args.signups), "--seconds", str(args.seconds)],
    ]
    hashing = run(commands[0])
    warm = run(commands[1])
    relay: dict[str, Any] = json.loads(run(commands[2]))
    stack: dict[str, Any] = json.loads(run(commands[3]))
    finished = time.time()
    overhead = stack["gateway_overhead"]
    shown = [" ".join([".venv/bin/python", *c[1:]]) for c in commands]
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (`bench/run_all.py`) on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))},",
        f"{finished - started:.0f} s. Every comparing figure is a ratio of two things measured in the same run under",
        "the same load generator; absolute times depend on this machine and its neighbours and are never asserted.",
        "",
        "## Machine",
        "",
        *facts,
        f"- load average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}",
        "- everything (stack, PostgreSQL, RabbitMQ, load generator, other users) shares these cores",
        "",
        "## Commands",
        "",
        "```sh",
        *shown,
        "```",
        "",
        *gateway_section(overhead),
        "## 2. Token verification and policy decision in isolation",
        "",
        "`bench/gateway_warm_check.py`: the real gateway app in-process, identity and billing behind counting",
        "in-memory transports, forwards to a bare aiohttp upstream in the same process. Token verification the",
        "first time a token is seen (RS256) and once it is remembered (§8); a warm `Gatekeeper.admit` on a `pro`",
        "route (token, cached snapshot, guards) against a `public` route; whole ASGI requests. Single-threaded",
        "loops, so time per run ≈ CPU per run.",
        "",
        "```",
        warm.strip(),
        "```",
        "",
        *burst_section(stack["signup_burst"], stack["outbox_relay"], relay),
        *webhook_section(stack["webhooks"]),
        "## 6. Login: password hashing",
        "",
        "```",
        hashing.strip(),
        "```",
        "",
        "argon2id with t=2, m=19 MiB, p=1 is OWASP's recommended minimum (Password Storage Cheat Sheet; it names",
        "it as equivalent to its other argon2id profiles). The previous RFC 9106 profile (t=3, 64 MiB, 4 lanes) cost",
        "the CPU ratio above per login and took both cores per hash; in a burst of signups it starved identity's",
        "event loop and relay and every other process. Offline guessing of a leaked hash costs, per guess, the",
        "verify time above times the attacker's hardware advantage, against a password of at least 10 characters",
        "with three character classes; online guessing is bounded by the gateway's login limit (10/min per source).",
        "At most `HASH_WORKERS` hashes run at once (cores - 1, at least 1, a thread pool of their own), so a burst",
        "queues there (§3's register and login round trips) while a core stays for the event loops.",
        "",
        *memory_section(stack["rss_kib"], overhead),
        "## 8. Profile and optimisations",
        "",
        "py-spy (`bench/stack_bench.py --profile /tmp/gw`, and `py-spy record -r 500` on the gateway under c=8) on the",
        f"baseline gateway (`{overhead['baseline_commit']}`): ~4 ms CPU per warm proxied request here, spread over",
        "the forward through httpx/httpcore (38% of samples: a socket liveness poll, anyio task and lock per request,",
        "an OpenTelemetry client span), OpenTelemetry's ASGI spans for every `receive`/`send` message, FastAPI's",
        "dependency solving and body handling around the catch-all route, and an RS256 verification per request. The",
        "fixes, in the order the profile ranked them:",
        "",
        "- the forward on aiohttp (`gateway/forwarding/proxy.py`): one pooled `ClientSession` per upstream, its C",
        "  parser, the request body read (bounded by MAX_BODY_BYTES) before the call, answers up to 64 KiB passed on",
        "  whole and larger or unsized ones streamed; the forward span itself is the client span;",
        '- `exclude_spans=["receive", "send"]` on the FastAPI instrumentation (every service): one server span',
        "  per request instead of one per ASGI message;",
        "- the catch-all as a plain Starlette route (`forwarding/router.py`): no dependency solving for a route",
        "  without parameters;",
        "- verified tokens remembered (`shared/auth.py`, `TokenVerifier`, 4096 at most): a token seen before costs a",
        "  dict lookup; expiry and type are checked every time, and a replaced key for its `kid` verifies afresh",
        "  (§2 has the ratio).",
        "",
        "Before/after at c=8 in this run, alternating so that drift in the machine's load hits both alike:",
        "",
        *before_after(overhead),
        "Signup burst: the profile of the earlier runs (p95 of 201 → trial 16 s, identity's events seconds late)",
        "was argon2 taking both cores per hash (4 lanes) on an unbounded thread pool; §6 has the parameters and",
        "the CPU ratio.",
        "",
        "Webhooks (py-spy on billing under §5's load): billing's event loop was idle half the time while its",
        "thread pool's workers took turns — every request went through the pool for its plain-`def` FastAPI",
        "dependencies (`request_now`, `bearer_token`, `require_internal_token`, the services' accessors of",
        "`app.state`). All of them are `async def` now, in every service, so none of them costs a thread hop.",
        "`stripe_events` is read ahead only for events that need a Stripe fetch; for the others the insert's",
        "conflict alone answers a redelivery, one round trip fewer. The senders moved to a process of their own",
        "(`bench/webhook_sender.py`): in the bench's own event loop, beside its bus watcher, httpx's per-request",
        "cost had been part of what §5 measured.",
        "",
        "uvicorn runs with uvloop and httptools (uvicorn's `auto` picks both, installed from requirements.txt; the",
        "profile shows `httptools_impl`). What remains in the gateway: the middleware chain (OpenTelemetry server",
        "span, metrics, request id, CORS), uvicorn's per-request protocol work and aiohttp's client, each a share of",
        "the CPU ms/request above. Against the echo (a bare ASGI function that parses a request and writes 30 bytes)",
        "the gateway also parses the request, verifies, decides, opens a request of its own to the echo and relays",
        "its answer, all on the same two cores as the echo and the load generator.",
        "",
        "## Raw figures",
        "",
        "<details><summary>bench/stack_bench.py JSON</summary>",
        "",
        "```json",
        json.dumps(stack, indent=2),
        "```",
        "",
        "</details>",
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
