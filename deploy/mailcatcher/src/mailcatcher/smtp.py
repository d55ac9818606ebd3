"""The SMTP side: aiosmtpd accepts every message and hands it to the store."""

from typing import Any

from aiosmtpd.controller import Controller

from mailcatcher.store import MailStore


class StoringHandler:
    def __init__(self, store: MailStore) -> None:
        self.store = store

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.store.add(str(envelope.mail_from), [str(r) for r in envelope.rcpt_tos], bytes(envelope.content))
        return "250 Message accepted for delivery"


def smtp_controller(store: MailStore, host: str, port: int) -> Controller:
    """A controller running the SMTP server in its own thread once started."""
    return Controller(StoringHandler(store), hostname=host, port=port)
