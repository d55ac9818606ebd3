"""The browser suite: the end-to-end stack of tests/e2e (same fixtures, same processes) with the gateway also
serving the built web app (WEB_DIST_DIR), and headless Debian Chromium driven by playwright-core in Node,
one `node scenarios.mjs <scenario>` run per test."""

import asyncio
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

# every fixture of the end-to-end stack (whatever it grows), reused as it is
from tests.e2e.conftest import *  # noqa: F403
from tests.e2e.test_billing_checkout import admin_headers, pro_price  # noqa: F401

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
WEB_DIST = ROOT / "web" / "dist"
SCENARIOS = HERE / "scenarios.mjs"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCENARIO_TIMEOUT = 180.0
# outbox → broker → notifications → SMTP: generous on a machine shared with other suites
MAIL_TIMEOUT = 60.0


@pytest.fixture(scope="session", autouse=True)
def web_app_served() -> Iterator[Path]:
    """Before the stack starts (autouse runs first): the gateway is told to serve the built app."""
    missing = [
        what
        for what, path in (
            ("the built app (make web)", WEB_DIST / "index.html"),
            ("playwright-core (make test-web)", HERE / "node_modules" / "playwright-core"),
            ("Debian chromium (apt-get install -y chromium)", Path(CHROMIUM)),
        )
        if not path.exists()
    ]
    if missing or shutil.which("node") is None:
        pytest.fail(f"browser suite needs: {', '.join(missing) or 'node'}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WEB_DIST_DIR", str(WEB_DIST))
        yield WEB_DIST


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Screenshots of every page a scenario visits (and of a failure), kept after the run."""
    path = Path(os.environ.get("BROWSER_ARTIFACTS", "/tmp/browser-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


async def run_scenario(scenario: str, **config: Any) -> dict[str, Any]:
    """Run one scenario in headless Chromium; its JSON answer, or a failure naming what the browser saw."""
    process = await asyncio.create_subprocess_exec(
        "node",
        str(SCENARIOS),
        scenario,
        json.dumps({"chromium": CHROMIUM, **config}),
        cwd=HERE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), SCENARIO_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail(f"browser scenario {scenario} did not finish in {SCENARIO_TIMEOUT}s")
    lines = out.decode().strip().splitlines()
    if process.returncode != 0 or not lines:
        pytest.fail(f"browser scenario {scenario} exited {process.returncode}: {err.decode()[-2000:]}")
    answer: dict[str, Any] = json.loads(lines[-1])
    assert answer["ok"], f"scenario {scenario} failed at {answer.get('url')}: {answer['error']}"
    assert answer["pageErrors"] == [], answer["pageErrors"]
    result: dict[str, Any] = answer["result"]
    return result


async def fetch_rows(database_url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        rows: list[asyncpg.Record] = await connection.fetch(query, *args)
        return rows
    finally:
        await connection.close()
