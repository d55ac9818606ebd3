"""The platform under load, as processes: the devstack apps on their own databases and event namespace (as
tests/e2e/conftest.py starts them), the fake Stripe, the mail catcher, an echo product upstream
(bench/echo_upstream.py) and a load generator (bench/loadgen.py) in processes of their own.

Measures, each comparison within this run:

1. gateway overhead: the same Pro-gated `GET /api/v1/trees` through the gateway (warm entitlement cache)
   against straight to the echo upstream, at several fixed concurrencies and at a fixed moderate rate; the
   gateways used here reach identity and billing through a counting proxy, so a warm check's network calls
   are counted; beside this tree's gateway runs the gateway of BASELINE (the commit before the optimisations
   of docs/benchmarks.md §8, unpacked with `git archive`), for before/after in the same run;
2. signup burst: N registrations through the gateway; 201 → the trial's `billing.subscription.changed` on
   the bus, 201 → `/billing/state` showing the trial (after a login), 201 → the email at the SMTP catcher;
3. outbox relay: occurred_at (written in the producing transaction) → arrival at a queue of the bench's
   own bound to the exchange, for every event of the burst, and events per second;
4. Stripe webhooks: sustained signed deliveries per second to billing, and one event K times concurrently;
5. resident memory (VmRSS) of each process idle and at its peak during the load phases.

Prints one JSON document on stdout (progress on stderr).

    .venv/bin/python bench/stack_bench.py [--signups 500] [--seconds 8]
"""

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import aio_pika
import httpx
from aiohttp import ClientSession, web
from loadgen import percentiles
from sqlalchemy.engine import make_url
from stripefake import FakeStripe
from stripefake.events import event as stripe_event
from stripefake.events import signed_event

from devstack.stack import APPS, SERVICES, Stack, create_databases
from shared.bus.names import BusNames
from shared.testing import delete_topology, drop_database, unique_name

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# the last commit before this round of optimisations: its gateway and shared package are the "before"
BASELINE = "3061d6d"
POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
AMQP = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
WEBHOOK_SECRET = "whsec_bench_" + secrets.token_hex(8)
PASSWORD = "Bench-" + secrets.token_urlsafe(12) + "-9"  # any password the rules accept


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(run_id: str, stripe: FakeStripe) -> dict[str, str]:
    server = make_url(POSTGRES)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    env.update(
        {
            "AMQP_URL": AMQP,
            "EVENTS_NAMESPACE": run_id,
            "INTERNAL_API_TOKEN": secrets.token_urlsafe(24),
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(free_port()),
            "MAILCATCHER_HTTP_PORT": str(free_port()),
            "LOG_LEVEL": "WARNING",
            "RATE_LIMITS_ENABLED": "false",
            "PRODUCT_UPSTREAM_URL": f"http://127.0.0.1:{free_port()}",
            "JWT_PRIVATE_KEY_FILE": str(Path(tempfile.gettempdir()) / run_id / "jwt_private_key.pem"),
            "FRONTEND_URL": "http://spa.test",
            "STRIPE_SECRET_KEY": stripe.api_key,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": stripe.url,
        }
    )
    for app in APPS:
        env[f"{app.upper()}_PORT"] = str(free_port())
    for service in SERVICES:
        env[f"{service.upper()}_DATABASE_URL"] = server.set(database=f"{run_id}_{service}").render_as_string(
            hide_password=False
        )
        env[f"{service.upper()}_INTERNAL_URL"] = f"http://127.0.0.1:{env[f'{service.upper()}_PORT']}"
    return env


def rss_kib(pid: int) -> int:
    """VmRSS of a process from /proc, in KiB (0 once it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class MemoryWatch:
    """Samples the VmRSS of named processes every 100 ms while running; keeps each one's peak."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.peak: dict[str, int] = dict.fromkeys(pids, 0)
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> dict[str, int]:
        return {name: rss_kib(pid) for name, pid in self.pids.items()}

    async def _run(self) -> None:
        while True:
            for name, value in self.sample().items():
                self.peak[name] = max(self.peak[name], value)
            await asyncio.sleep(0.1)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class CountingProxy:
    """A reverse proxy in front of identity and billing for one gateway, counting what passes."""

    def __init__(self, targets: dict[str, str]) -> None:
        self.targets = targets
        self.counts: dict[str, int] = dict.fromkeys(targets, 0)
        self.ports: dict[str, int] = {}
        self._runners: list[web.AppRunner] = []
        self._session: ClientSession | None = None

    async def start(self) -> None:
        self._session = ClientSession()
        for name, target in self.targets.items():
            app = web.Application()
            app.router.add_route("*", "/{path:.*}", self._forwarder(name, target))
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            port = free_port()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            self._runners.append(runner)
            self.ports[name] = port

    def _forwarder(self, name: str, target: str) -> Any:
        async def forward(request: web.Request) -> web.Response:
            self.counts[name] += 1
            assert self._session is not None
            headers = {k: v for k, v in request.headers.items() if k.lower() not in {"host", "content-length"}}
            async with self._session.request(
                request.method, target + request.rel_url.raw_path_qs, headers=headers, data=await request.read()
            ) as answer:
                body = await answer.read()
                passed = {k: v for k, v in answer.headers.items() if k.lower() in {"content-type", "cache-control"}}
                return web.Response(status=answer.status, body=body, headers=passed)

        return forward

    async def stop(self) -> None:
        for runner in self._runners:
            await runner.cleanup()
        if self._session is not None:
            await self._session.close()


class BusWatch:
    """A queue of the bench's own bound to the namespace's exchange with `#`: when each event arrived."""

    def __init__(self, names: BusNames) -> None:
        self.names = names
        self.arrivals: list[tuple[float, dict[str, Any]]] = []  # (wall-clock arrival, envelope)
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None

    async def start(self) -> None:
        self._connection = await aio_pika.connect_robust(AMQP)
        channel = await self._connection.channel()
        exchange = await channel.declare_exchange(self.names.exchange, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key="#")

        async def arrived(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            now = time.time()
            async with message.process():
                self.arrivals.append((now, json.loads(message.body)))

        await queue.consume(arrived)

    async def stop(self) -> None:
        if self._connection is not None:
            await self._connection.close()

    def of_type(self, type_: str) -> list[tuple[float, dict[str, Any]]]:
        return [(t, e) for t, e in self.arrivals if e.get("type") == type_]


def loadgen(
    url: str, concurrency: int, seconds: float, headers: dict[str, str] | None = None, rate: float | None = None
) -> dict[str, Any]:
    argv = [sys.executable, str(BENCH / "loadgen.py"), "--url", url, "--concurrency", str(concurrency)]
    argv += ["--seconds", str(seconds), "--warmup", "1"]
    if rate is not None:
        argv += ["--rate", f"{rate:.0f}"]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    done = subprocess.run(argv, capture_output=True, text=True, check=True)  # noqa: S603 — our own script
    result: dict[str, Any] = json.loads(done.stdout)
    return result


async def register(client: httpx.AsyncClient, email: str) -> tuple[float, dict[str, Any]]:
    response = await client.post(
        "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": "Bench Shop"}
    )
    at = time.time()
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return at, body


async def login(client: httpx.AsyncClient, email: str) -> str:
    response = await client.post("/api/v1/auth/login/json", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def until(probe: Any, timeout: float, message: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = await probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(message)
        await asyncio.sleep(0.01)


async def trial_visible(client: httpx.AsyncClient, token: str) -> tuple[float, int]:
    """When `/billing/state` first showed the trial, and how many reads that took."""
    reads = 0

    async def probe() -> float | None:
        nonlocal reads
        reads += 1
        response = await client.get("/api/v1/billing/state", headers={"Authorization": f"Bearer {token}"})
        if response.status_code == 200 and response.json()["subscription"]["status"] == "trialing":
            return time.time()
        return None

    found: float = await until(probe, 60, "trial at /billing/state")
    return found, reads


@contextlib.contextmanager
def process(argv: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        child = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)  # noqa: S603
        try:
            yield child
        finally:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
                try:
                    child.wait(timeout=8)
                except subprocess.TimeoutExpired:
                    os.killpg(child.pid, signal.SIGKILL)
                    child.wait()


async def wait_http(url: str, timeout: float = 60) -> None:
    async with httpx.AsyncClient(timeout=2) as client:

        async def probe() -> bool | None:
            try:
                return True if (await client.get(url)).status_code < 500 else None
            except httpx.HTTPError:
                return None

        await until(probe, timeout, f"{url} answering")


def baseline_sources(into: Path) -> dict[str, str]:
    """BASELINE's gateway and shared packages unpacked under `into`; the environment that runs them instead
    of this tree's (PYTHONPATH precedes the editable installs' .pth entries)."""
    archive = subprocess.run(  # noqa: S603 — git with fixed arguments
        ["git", "archive", "--format=tar", BASELINE, "gateway/src", "shared/src"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)  # noqa: S603, S607
    return {"PYTHONPATH": f"{into / 'gateway' / 'src'}:{into / 'shared' / 'src'}"}


async def gateway_overhead(
    stack: Stack, env: dict[str, str], log_dir: Path, seconds: float, memory: MemoryWatch, profile: Path | None
) -> dict[str, Any]:
    """Phase 1, on two more gateways whose calls to identity and billing pass a counting proxy: the gateway
    as `serve` runs it, and BASELINE's."""
    proxy = CountingProxy({"identity": env["IDENTITY_INTERNAL_URL"], "billing": env["BILLING_INTERNAL_URL"]})
    await proxy.start()
    ports = {"gateway": free_port(), "baseline": free_port()}
    counted_env = dict(env)
    counted_env.update(
        {
            "IDENTITY_INTERNAL_URL": f"http://127.0.0.1:{proxy.ports['identity']}",
            "BILLING_INTERNAL_URL": f"http://127.0.0.1:{proxy.ports['billing']}",
        }
    )
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    envs = {"gateway": counted_env, "baseline": counted_env | baseline_sources(Path(tempfile.mkdtemp(dir=log_dir)))}
    try:
        with contextlib.ExitStack() as running:
            gateways = {
                name: running.enter_context(
                    process(
                        [stack.python, "-m", "gateway", "serve", "--port", str(ports[name])],
                        envs[name],
                        log_dir / f"{name}-counted.log",
                    )
                )
                for name in ports
            }
            floor_port = free_port()
            floor_argv = [stack.python, str(BENCH / "bare_proxy.py"), "--port", str(floor_port)]
            floor_argv += ["--upstream", env["PRODUCT_UPSTREAM_URL"]]
            floor = running.enter_context(process(floor_argv, env, log_dir / "bare-proxy.log"))
            floor_url = f"http://127.0.0.1:{floor_port}/api/v1/trees"
            await wait_http(floor_url)
            email = f"overhead-{secrets.token_hex(5)}@example.com"
            for name, url in urls.items():
                await wait_http(f"{url}/healthz")
                async with httpx.AsyncClient(base_url=url, timeout=60) as client:
                    if name == "gateway":
                        await register(client, email)
                        token = await login(client, email)
                    headers = {"Authorization": f"Bearer {token}"}

                    async def reaches_product() -> bool | None:
                        response = await client.get("/api/v1/trees", headers=headers)  # noqa: B023 — awaited here
                        return True if response.status_code == 200 else None

                    await until(reaches_product, 60, f"the product through {name}")  # warms JWKS and snapshot
            idle_rss = {name: rss_kib(g.pid) for name, g in gateways.items()}
            for name, g in gateways.items():
                memory.pids[f"{name}-counted"] = g.pid
                memory.peak[f"{name}-counted"] = 0
            before = dict(proxy.counts)
            runs = []
            for concurrency in (1, 8, 32):
                run: dict[str, Any] = {"concurrency": concurrency}
                run["direct"] = await asyncio.to_thread(
                    loadgen, env["PRODUCT_UPSTREAM_URL"] + "/api/v1/trees", concurrency, seconds
                )
                for name, url in urls.items():
                    profiler = None
                    if profile is not None and concurrency == 8:
                        spy = [str(Path(sys.executable).parent / "py-spy"), "record", "-p", str(gateways[name].pid)]
                        spy += ["-r", "200", "-d", str(int(seconds)), "-f", "raw", "-o", f"{profile}.{name}.raw"]
                        profiler = await asyncio.create_subprocess_exec(
                            *spy, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
                        )
                    cpu_before = cpu_seconds(gateways[name].pid)
                    run[name] = await asyncio.to_thread(loadgen, f"{url}/api/v1/trees", concurrency, seconds, headers)
                    used = cpu_seconds(gateways[name].pid) - cpu_before
                    run[name]["cpu_ms_per_request"] = used * 1000 / max(1, run[name]["requests"])
                    if profiler is not None:
                        await profiler.wait()
                cpu_before = cpu_seconds(floor.pid)
                run["floor"] = await asyncio.to_thread(loadgen, floor_url, concurrency, seconds)
                run["floor"]["cpu_ms_per_request"] = (
                    (cpu_seconds(floor.pid) - cpu_before) * 1000 / max(1, run["floor"]["requests"])
                )
                runs.append(run)
                say(
                    f"c={concurrency}: "
                    + "; ".join(
                        f"{name} {run[name]['throughput_rps']:.0f}/s p50 {run[name]['p50_ms']:.2f} ms"
                        for name in ("direct", *urls, "floor")
                    )
                )
            # fixed rates: a quarter (moderate) and a half of what this gateway sustained at c=8, to both
            saturated = next(r for r in runs if r["concurrency"] == 8)["gateway"]["throughput_rps"]
            rated = []
            for share in (0.25, 0.5):
                rate = round(saturated * share)
                at_rate: dict[str, Any] = {"share_of_c8": share, "rate": rate}
                at_rate["direct"] = await asyncio.to_thread(
                    loadgen, env["PRODUCT_UPSTREAM_URL"] + "/api/v1/trees", 1, seconds, None, rate
                )
                cpu_before = cpu_seconds(gateways["gateway"].pid)
                at_rate["gateway"] = await asyncio.to_thread(
                    loadgen, f"{urls['gateway']}/api/v1/trees", 1, seconds, headers, rate
                )
                used = cpu_seconds(gateways["gateway"].pid) - cpu_before
                at_rate["gateway"]["cpu_ms_per_request"] = used * 1000 / max(1, at_rate["gateway"]["requests"])
                rated.append(at_rate)
                say(
                    f"{rate}/s: direct p50 {at_rate['direct']['p50_ms']:.2f} ms; "
                    f"gateway p50 {at_rate['gateway']['p50_ms']:.2f} ms"
                )
            rounds = []
            for _ in range(3):  # alternating, so that drift in the machine's load hits both alike
                pair = {}
                for name, url in urls.items():
                    cpu_before = cpu_seconds(gateways[name].pid)
                    pair[name] = await asyncio.to_thread(loadgen, f"{url}/api/v1/trees", 8, seconds / 2, headers)
                    used = cpu_seconds(gateways[name].pid) - cpu_before
                    pair[name]["cpu_ms_per_request"] = used * 1000 / max(1, pair[name]["requests"])
                rounds.append(pair)
            calls = {name: proxy.counts[name] - before[name] for name in proxy.counts}
            peak_rss = {name: memory.peak.pop(f"{name}-counted") for name in gateways}
            for name in gateways:
                del memory.pids[f"{name}-counted"]
    finally:
        await proxy.stop()
    return {
        "runs": runs,
        "fixed_rates": rated,
        "baseline_commit": BASELINE,
        "before_after_rounds_c8": rounds,
        "warm_calls_to_identity_billing": calls,
        "rss_kib": {name: {"idle": idle_rss[name], "peak": peak_rss[name]} for name in idle_rss},
    }


async def signup_burst(gateway_url: str, mail_url: str, bus: BusWatch, signups: int, in_flight: int) -> dict[str, Any]:
    """Phase 2: `signups` registrations, `in_flight` at a time, each followed by a login and /billing/state polls."""
    stamp = secrets.token_hex(4)
    limits = httpx.Limits(max_connections=in_flight * 2, max_keepalive_connections=in_flight * 2)
    registered: dict[str, tuple[float, str]] = {}  # email -> (201 time, account id)
    visible: dict[str, float] = {}
    logged_in: dict[str, float] = {}
    first_read_showed_trial = 0
    register_ms: list[float] = []
    failures: list[str] = []
    gate = asyncio.Semaphore(in_flight)
    async with httpx.AsyncClient(base_url=gateway_url, timeout=120, limits=limits) as client:

        async def one(i: int) -> None:
            nonlocal first_read_showed_trial
            email = f"burst-{stamp}-{i}@example.com"
            async with gate:
                sent = time.time()
                try:
                    at, user = await register(client, email)
                except (AssertionError, httpx.HTTPError) as exc:
                    failures.append(f"register: {exc}"[:200])
                    return
                register_ms.append((at - sent) * 1000)
                registered[email] = (at, str(user["account_id"]))
                try:
                    token = await login(client, email)
                    logged_in[email] = time.time()
                    visible[email], reads = await trial_visible(client, token)
                    first_read_showed_trial += reads == 1
                except (AssertionError, httpx.HTTPError) as exc:
                    failures.append(f"login or state: {exc}"[:200])

        started = time.time()
        await asyncio.gather(*(one(i) for i in range(signups)))
        burst_seconds = time.time() - started

    accounts = {account: (email, at) for email, (at, account) in registered.items()}

    def trial_events() -> dict[str, float]:
        seen: dict[str, float] = {}
        for arrived, envelope in bus.of_type("billing.subscription.changed"):
            account = str(envelope["data"].get("account_id"))
            if account in accounts and envelope["data"].get("status") == "trialing":
                seen.setdefault(account, arrived)
        return seen

    async def all_trials() -> dict[str, float] | None:
        seen = trial_events()
        return seen if len(seen) == len(accounts) else None

    with contextlib.suppress(TimeoutError):  # what has not arrived by then is reported as missing
        await until(all_trials, 60, "every trial's event on the bus")
    trials = trial_events()
    created = {
        str(envelope["data"].get("account_id")): arrived
        for arrived, envelope in bus.of_type("identity.account.created")
        if str(envelope["data"].get("account_id")) in accounts
    }

    async with httpx.AsyncClient(base_url=mail_url, timeout=30) as mail:

        async def mail_so_far() -> dict[str, float]:
            messages = (await mail.get("/messages")).json()
            first: dict[str, float] = {}
            for message in messages:
                for to in message.get("to", []):
                    address = str(to).lower()
                    if address in registered:
                        received = datetime.fromisoformat(message["received_at"]).timestamp()
                        first[address] = min(first.get(address, received), received)
            return first

        async def all_mail() -> dict[str, float] | None:
            first = await mail_so_far()
            return first if len(first) == len(registered) else None

        with contextlib.suppress(TimeoutError):
            await until(all_mail, 120, "every verification email at the catcher")
        mailed = await mail_so_far()

    return {
        "signups": signups,
        "in_flight": in_flight,
        "failures": len(failures),
        "failure_samples": sorted(set(failures))[:5],
        "burst_seconds": burst_seconds,
        "register_ms": percentiles(register_ms),
        "created_to_account_created_event_ms": percentiles(
            [(created[account] - at) * 1000 for account, (_, at) in accounts.items() if account in created]
        ),
        "created_to_trial_event_ms": percentiles(
            [(trials[account] - at) * 1000 for account, (_, at) in accounts.items() if account in trials]
        ),
        "created_to_billing_state_after_login_ms": percentiles(
            [(visible[email] - at) * 1000 for email, (at, _) in registered.items() if email in visible]
        ),
        "login_ms": percentiles(
            [(logged_in[email] - at) * 1000 for email, (at, _) in registered.items() if email in logged_in]
        ),
        "logged_in_to_billing_state_ms": percentiles(
            [(visible[email] - logged_in[email]) * 1000 for email in visible if email in logged_in]
        ),
        "first_state_read_showed_trial": first_read_showed_trial,
        "created_to_email_ms": percentiles(
            [(mailed[email] - at) * 1000 for email, (at, _) in registered.items() if email in mailed]
        ),
        "missing": {"trial_events": len(accounts) - len(trials), "emails": len(registered) - len(mailed)},
    }


def relay_figures(bus: BusWatch, since: float) -> dict[str, Any]:
    """Phase 3: occurred_at → arrival at the bench queue, for each event type seen after `since`."""
    by_producer: dict[str, list[float]] = {}
    times: list[float] = []
    for arrived, envelope in bus.arrivals:
        if arrived < since:
            continue
        occurred = datetime.fromisoformat(str(envelope["occurred_at"])).timestamp()
        by_producer.setdefault(str(envelope.get("producer")), []).append((arrived - occurred) * 1000)
        times.append(arrived)
    all_latencies = [v for values in by_producer.values() for v in values]
    span = (max(times) - min(times)) if len(times) > 1 else 0.0
    return {
        "events": len(times),
        "span_seconds": span,
        "events_per_second": len(times) / span if span else 0.0,
        "occurred_to_published_ms": percentiles(all_latencies),
        "by_producer_ms": {name: percentiles(values) for name, values in sorted(by_producer.items())},
    }


def subscription_event(sub_id: str) -> dict[str, Any]:
    """An `invoice.payment_succeeded` for a subscription billing does not know: verified, recorded, applied."""
    return stripe_event(
        "invoice.payment_succeeded",
        {"id": "in_" + secrets.token_hex(10), "object": "invoice", "subscription": sub_id, "customer": "cus_bench"},
    )


async def webhooks(billing_url: str, seconds: float, concurrency: int, storm: int) -> dict[str, Any]:
    """Phase 4: distinct signed events as fast as `concurrency` senders go (bench/webhook_sender.py, a process of
    its own); then one event `storm` times at once."""
    url = f"{billing_url}/api/v1/webhooks/stripe"
    argv = [sys.executable, str(BENCH / "webhook_sender.py"), "--url", url, "--secret", WEBHOOK_SECRET]
    argv += ["--concurrency", str(concurrency), "--seconds", str(seconds)]
    done = await asyncio.to_thread(subprocess.run, argv, capture_output=True, text=True, check=True)
    sustained: dict[str, Any] = json.loads(done.stdout)

    limits = httpx.Limits(max_connections=storm, max_keepalive_connections=storm)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def deliver(body: bytes, signature: str) -> tuple[int, bool]:
            response = await client.post(
                url, content=body, headers={"Stripe-Signature": signature, "Content-Type": "application/json"}
            )
            applied = response.status_code == 200 and bool(response.json().get("applied"))
            return response.status_code, applied

        body, signature = signed_event(subscription_event("sub_bench_storm"), WEBHOOK_SECRET)
        answers = await asyncio.gather(*(deliver(body, signature) for _ in range(storm)))
    return {
        **sustained,
        "storm": {
            "copies": storm,
            "statuses": sorted({status for status, _ in answers}),
            "applied": sum(1 for _, was in answers if was),
        },
    }


@contextlib.asynccontextmanager
async def running_stack(run_id: str, log_dir: Path) -> AsyncIterator[tuple[Stack, dict[str, str]]]:
    with FakeStripe(port=free_port()) as stripe:
        env = environment(run_id, stripe)
        stack = Stack.from_environment(env, log_dir=log_dir)
        stack.python = sys.executable
        try:
            await stack.preflight()
            await create_databases(stack.env)
            await asyncio.to_thread(stack.migrate)
            stack.start_all()
            await stack.wait_ready(timeout=120)
            yield stack, stack.env
        finally:
            stack.stop_all()
            for service in SERVICES:
                with contextlib.suppress(Exception):
                    await drop_database(stack.env[f"{service.upper()}_DATABASE_URL"])
            with contextlib.suppress(Exception):
                await delete_topology(AMQP, BusNames(namespace=run_id), list(SERVICES))


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    run_id = unique_name("bench")
    log_dir = Path(tempfile.gettempdir()) / run_id / "logs"
    say(f"starting the stack ({run_id}, logs in {log_dir})")
    async with running_stack(run_id, log_dir) as (stack, env):
        echo_argv = [
            sys.executable,
            str(BENCH / "echo_upstream.py"),
            "--port",
            env["PRODUCT_UPSTREAM_URL"].rsplit(":", 1)[1],
        ]
        with process(echo_argv, env, log_dir / "echo.log") as echo:
            await wait_http(env["PRODUCT_UPSTREAM_URL"] + "/")
            pids = {name: p.pid for name, p in stack.processes.items()} | {"echo": echo.pid}
            memory = MemoryWatch(pids)
            idle = memory.sample()
            bus = BusWatch(BusNames(namespace=run_id))
            await bus.start()
            memory.start()
            try:
                say("gateway overhead")
                overhead = await gateway_overhead(stack, env, log_dir, args.seconds, memory, args.profile)
                say(f"signup burst of {args.signups}")
                since = time.time()
                burst = await signup_burst(
                    f"http://127.0.0.1:{env['GATEWAY_PORT']}",
                    f"http://127.0.0.1:{env['MAILCATCHER_HTTP_PORT']}",
                    bus,
                    args.signups,
                    args.in_flight,
                )
                relay = relay_figures(bus, since)
                say("webhooks")
                hooks = await webhooks(f"http://127.0.0.1:{env['BILLING_PORT']}", args.seconds, 16, args.storm)
            finally:
                await memory.stop()
                await bus.stop()
            peaks = dict(memory.peak)
    return {
        "gateway_overhead": overhead,
        "signup_burst": burst,
        "outbox_relay": relay,
        "webhooks": hooks,
        "rss_kib": {name: {"idle": idle[name], "peak": peaks.get(name, 0)} for name in idle},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signups", type=int, default=500)
    parser.add_argument("--in-flight", type=int, default=16, help="signups in flight at once")
    parser.add_argument("--seconds", type=float, default=8.0, help="measured seconds per load run")
    parser.add_argument("--storm", type=int, default=100, help="copies of one webhook event sent at once")
    parser.add_argument(
        "--profile", type=Path, help="py-spy raw profiles of both gateways under c=8 load, to PROFILE.<name>.raw"
    )
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args)), indent=2))


if __name__ == "__main__":
    main()
