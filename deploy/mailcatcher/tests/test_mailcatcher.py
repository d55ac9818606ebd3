import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def catcher() -> Iterator[tuple[int, str]]:
    smtp_port, http_port = free_port(), free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mailcatcher", "--smtp-port", str(smtp_port), "--http-port", str(http_port)]
    )
    base = f"http://127.0.0.1:{http_port}"
    deadline = time.monotonic() + 15
    try:
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise AssertionError("mailcatcher did not start")
            time.sleep(0.05)
        yield smtp_port, base
    finally:
        process.terminate()
        process.wait(timeout=10)


def send(smtp_port: int, to: str, subject: str) -> None:
    message = EmailMessage()
    message["From"] = "Platform <no-reply@example.com>"
    message["To"] = to
    message["Subject"] = subject
    message["List-Unsubscribe"] = "<http://localhost:8000/api/v1/email/unsubscribe?token=t>"
    message.set_content("Hello in plain text")
    message.add_alternative("<p>Hello in <b>HTML</b></p>", subtype="html")
    with smtplib.SMTP("127.0.0.1", smtp_port) as client:
        client.send_message(message)


def test_sent_mail_is_read_back_over_http(catcher: tuple[int, str]) -> None:
    smtp_port, base = catcher
    httpx.delete(f"{base}/messages")
    send(smtp_port, "ada@example.com", "Verify your email address")

    [message] = httpx.get(f"{base}/messages").json()

    assert message["from"] == "no-reply@example.com"
    assert message["to"] == ["ada@example.com"]
    assert message["subject"] == "Verify your email address"
    assert message["text"].strip() == "Hello in plain text"
    assert message["html"].strip() == "<p>Hello in <b>HTML</b></p>"
    assert message["headers"]["List-Unsubscribe"] == "<http://localhost:8000/api/v1/email/unsubscribe?token=t>"
    assert message["id"]
    assert message["received_at"]


def test_messages_filter_by_recipient_newest_last_and_clear(catcher: tuple[int, str]) -> None:
    smtp_port, base = catcher
    httpx.delete(f"{base}/messages")
    send(smtp_port, "first@example.com", "one")
    send(smtp_port, "second@example.com", "two")
    send(smtp_port, "first@example.com", "three")

    assert [m["subject"] for m in httpx.get(f"{base}/messages").json()] == ["one", "two", "three"]
    mine = httpx.get(f"{base}/messages", params={"to": "First@Example.com"}).json()
    assert [m["subject"] for m in mine] == ["one", "three"]

    assert httpx.delete(f"{base}/messages").json() == {"deleted": 3}
    assert httpx.get(f"{base}/messages").json() == []
