"""`python -m devstack run`: the whole stack in the foreground; Ctrl-C stops it all."""

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from dotenv import dotenv_values

from devstack.stack import APPS, Stack, StackError, app_port, create_databases

# the web app `make web` builds; the gateway serves it at / when it is there (WEB_DIST_DIR)
WEB_DIST = Path("web") / "dist"


def environment() -> dict[str, str]:
    """`.env` (optional) under the real environment: an exported variable wins."""
    env = {k: v for k, v in dotenv_values(Path.cwd() / ".env").items() if v is not None}
    env.update(os.environ)
    if (Path.cwd() / WEB_DIST / "index.html").is_file():
        env.setdefault("WEB_DIST_DIR", str(Path.cwd() / WEB_DIST))
        # the app is then served by the gateway: email links and OAuth redirects point there
        served_at = f"http://localhost:{app_port(env, 'gateway')}"
        env.setdefault("FRONTEND_URL", served_at)
        env.setdefault("OAUTH_REDIRECT_BASE", served_at)
    return env


def run() -> int:
    stack = Stack.from_environment(environment())
    try:
        asyncio.run(stack.preflight())
        created = asyncio.run(create_databases(stack.env))
        if created:
            print(f"devstack: created databases {', '.join(created)}", flush=True)
        stack.migrate()
        print("devstack: migrations applied", flush=True)
    except StackError as exc:
        print(f"devstack: {exc}", file=sys.stderr)
        return 1

    stopping = False

    def request_stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    stack.start_all()
    try:
        asyncio.run(stack.wait_ready())
        urls = ", ".join(f"{a} http://127.0.0.1:{app_port(stack.env, a)}" for a in APPS)
        print(f"devstack: ready — {urls}", flush=True)
        if "mailcatcher" in stack.processes:
            port = stack.env.get("MAILCATCHER_HTTP_PORT", "8025")
            print(f"devstack: mail catcher http://127.0.0.1:{port}/messages", flush=True)
        while not stopping:
            if exited := stack.exited():
                print(f"devstack: stopped because a process exited: {exited}", file=sys.stderr)
                return 1
            time.sleep(0.5)
        return 0
    except StackError as exc:
        print(f"devstack: {exc}", file=sys.stderr)
        return 1
    finally:
        print("devstack: stopping", flush=True)
        stack.stop_all()


def main() -> int:
    if sys.argv[1:] != ["run"]:
        print("usage: python -m devstack run", file=sys.stderr)
        return 2
    return run()


if __name__ == "__main__":
    sys.exit(main())
