"""spawn_ready: the test suites' way to start a server subprocess (the local OIDC provider) robustly."""

import os
import socket
import sys
from pathlib import Path

import httpx
import pytest

from shared.testing import port_outside_ephemeral_range, spawn_ready

SERVER = (
    "import os, http.server as h; "
    "h.ThreadingHTTPServer(('127.0.0.1', int(os.environ['PORT'])), h.SimpleHTTPRequestHandler).serve_forever()"
)


def test_a_server_is_started_on_a_port_below_the_ephemeral_range_and_answers(tmp_path: Path) -> None:
    process, port = spawn_ready(
        [sys.executable, "-c", SERVER],
        env_for_port=lambda port: {**os.environ, "PORT": str(port)},
        ready_url=lambda port: f"http://127.0.0.1:{port}/",
        log=tmp_path / "server.log",
        cwd=tmp_path,
        seconds_each=10,
    )
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
        assert port < low
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200
    finally:
        process.kill()
        process.wait()


def test_a_server_that_keeps_exiting_is_tried_again_then_reported_with_its_log(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with pytest.raises(RuntimeError) as failure:
        spawn_ready(
            [sys.executable, "-c", "print('no such luck'); raise SystemExit(3)"],
            env_for_port=lambda port: dict(os.environ),
            ready_url=lambda port: f"http://127.0.0.1:{port}/",
            log=log,
            attempts=2,
        )
    message = str(failure.value)
    assert "attempt 1: exited with 3; attempt 2: exited with 3" in message
    assert message.count("\nno such luck") == 2  # both attempts, from the log


def test_ports_outside_the_ephemeral_range_are_free_to_bind() -> None:
    port = port_outside_ephemeral_range()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
