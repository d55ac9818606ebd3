"""Received messages, kept in memory in arrival order, shared by the SMTP thread and the HTTP loop."""

import threading
import uuid
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any


def body_part(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body((subtype,))
    if part is None:
        return None
    content = part.get_content()
    return content if isinstance(content, str) else None


def headers_of(message: EmailMessage) -> dict[str, str]:
    """Every header by name; a repeated header's values are joined in order."""
    headers: dict[str, str] = {}
    for name, value in message.items():
        headers[name] = f"{headers[name]}, {value}" if name in headers else str(value)
    return headers


def parse_message(mail_from: str, recipients: list[str], content: bytes, received_at: datetime) -> dict[str, Any]:
    message = message_from_bytes(content, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return {
        "id": uuid.uuid4().hex,
        "from": mail_from,
        "to": list(recipients),
        "subject": str(message["Subject"] or ""),
        "text": body_part(message, "plain"),
        "html": body_part(message, "html"),
        "headers": headers_of(message),
        "received_at": received_at.isoformat(),
    }


class MailStore:
    def __init__(self) -> None:
        self._messages: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def add(self, mail_from: str, recipients: list[str], content: bytes) -> dict[str, Any]:
        record = parse_message(mail_from, recipients, content, datetime.now(UTC))
        with self._lock:
            self._messages.append(record)
        return record

    def list(self, to: str | None = None) -> list[dict[str, Any]]:
        """Messages oldest first; with `to`, only those with that envelope recipient (any case)."""
        with self._lock:
            messages = list(self._messages)
        if to is None:
            return messages
        wanted = to.strip().lower()
        return [m for m in messages if wanted in (r.lower() for r in m["to"])]

    def clear(self) -> int:
        with self._lock:
            count = len(self._messages)
            self._messages.clear()
        return count
