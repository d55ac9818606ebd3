"""FakeStripe: runs the fake Stripe API in a subprocess (or attaches to one already running) for tests."""

import asyncio
import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from types import TracebackType
from typing import Any, Self

DEFAULT_API_KEY = "sk_test_stripefake"
_READY_PREFIX = "stripefake listening on "


class FakeStripeError(RuntimeError):
    """A test-only endpoint of the fake answered with an error."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"stripefake answered {status}: {body}")
        self.status = status
        self.body = body


class FakeStripe:
    """The fake Stripe API: `async with FakeStripe() as fake:` (or `with`, or start()/stop()).

    `fake.url` is the STRIPE_API_BASE to give the SDK (any `sk_test_...` key works; `fake.api_key` is one).
    With `url=...` it attaches to a fake already running (e.g. started by the e2e suite) instead.
    """

    def __init__(
        self,
        *,
        url: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        public_url: str | None = None,
        api_key: str = DEFAULT_API_KEY,
        startup_timeout: float = 20.0,
    ) -> None:
        self.api_key = api_key
        self._url = url.rstrip("/") if url else None
        self._host = host
        self._port = port
        self._public_url = public_url
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[str] | None = None

    # ------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("FakeStripe is not started")
        return self._url

    def start(self) -> None:
        if self._url is not None:
            return
        # stdin is a pipe only the fake reads: if this process dies, the fake sees EOF and stops too.
        cmd = [
            sys.executable,
            "-m",
            "stripefake",
            "--exit-on-stdin-eof",
            "--host",
            self._host,
            "--port",
            str(self._port),
        ]
        if self._public_url:
            cmd += ["--public-url", self._public_url]
        process = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stdin=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self._process = process
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(process.stdout.readline() if process.stdout else ""))
        reader.start()
        reader.join(self._startup_timeout)
        if not line or not line[0].startswith(_READY_PREFIX):
            self.stop()
            raise RuntimeError(f"stripefake did not start (exit code {process.poll()}, output {line!r})")
        self._url = line[0][len(_READY_PREFIX) :].strip()

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        self._url = None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdin, process.stdout):
            if stream:
                stream.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self.stop)

    # ------------------------------------------------------------ test-only endpoints

    def request(self, method: str, path: str, body: Any = None, *, auth: bool = False) -> Any:
        """A call to the fake (sync): JSON in, JSON out; FakeStripeError on a 4xx/5xx."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)  # noqa: S310 - http to our fake
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if auth:
            req.add_header("Authorization", f"Bearer {self.api_key}")
        try:
            with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as err:
            raw = err.read()
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = raw.decode(errors="replace")
            raise FakeStripeError(err.code, parsed) from None
        return json.loads(raw) if raw else None

    async def arequest(self, method: str, path: str, body: Any = None, *, auth: bool = False) -> Any:
        return await asyncio.to_thread(self.request, method, path, body, auth=auth)

    async def complete_checkout(self, session_id: str) -> dict[str, Any]:
        """Pay a Checkout Session: its subscription is created (trialing if it had a trial, else active).

        Returns {"session": <checkout.session>, "subscription": <subscription or None>}; the
        `checkout.session.completed` webhook is the test's to send (see signed_event)."""
        result: dict[str, Any] = await self.arequest("POST", f"/_test/checkout/{session_id}/complete", {})
        return result

    async def checkout_session(self, session_id: str) -> dict[str, Any]:
        """Everything the session was created with: line_items (expanded), subscription_data, params."""
        result: dict[str, Any] = await self.arequest("GET", f"/_test/checkout/{session_id}")
        return result

    async def portal_session(self, session_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.arequest("GET", f"/_test/portal/{session_id}")
        return result

    async def subscription(self, subscription_id: str) -> dict[str, Any]:
        """The subscription as the API returns it (GET /v1/subscriptions/{id})."""
        result: dict[str, Any] = await self.arequest("GET", f"/v1/subscriptions/{subscription_id}", auth=True)
        return result

    async def set_subscription(
        self,
        subscription_id: str,
        *,
        status: str | None = None,
        current_period_start: int | None = None,
        current_period_end: int | None = None,
        quantity: int | None = None,
        price: str | None = None,
        cancel_at_period_end: bool | None = None,
        **other: Any,
    ) -> dict[str, Any]:
        """Change a subscription directly, as Stripe does on renewal, cancellation, dunning...

        Other fields: cancel_at, canceled_at, ended_at, trial_start, trial_end, metadata, latest_invoice.
        Returns the subscription as the API now returns it."""
        changes: dict[str, Any] = {
            "status": status,
            "current_period_start": current_period_start,
            "current_period_end": current_period_end,
            "quantity": quantity,
            "price": price,
            "cancel_at_period_end": cancel_at_period_end,
        }
        body = {k: v for k, v in changes.items() if v is not None} | other
        result: dict[str, Any] = await self.arequest("POST", f"/_test/subscriptions/{subscription_id}", body)
        return result

    async def fail_next(
        self,
        path_prefix: str = "/v1",
        *,
        status: int = 500,
        times: int | None = 1,
        method: str | None = None,
        message: str | None = None,
        error_type: str | None = None,
        should_retry: bool | None = None,
    ) -> None:
        """The next `times` API calls under path_prefix (None: all, until clear_failures) answer `status`.

        A 5xx is retried by the SDK (billing's client: max_network_retries=2, so 3 calls per request)."""
        body: dict[str, Any] = {"path_prefix": path_prefix, "status": status, "times": times}
        for key, value in (
            ("method", method),
            ("message", message),
            ("error_type", error_type),
            ("should_retry", should_retry),
        ):
            if value is not None:
                body[key] = value
        await self.arequest("POST", "/_test/fail", body)

    async def clear_failures(self) -> None:
        await self.arequest("DELETE", "/_test/fail")

    async def requests(self) -> list[dict[str, Any]]:
        """Every /v1 call received since the last reset: {method, path, params, idempotency_key, stripe_version}."""
        result: list[dict[str, Any]] = await self.arequest("GET", "/_test/requests")
        return result

    def reset(self) -> None:
        """Forget everything (objects, failure rules, request log). Sync; `await reset_async()` in a loop."""
        self.request("POST", "/_test/reset", {})

    async def reset_async(self) -> None:
        await self.arequest("POST", "/_test/reset", {})
