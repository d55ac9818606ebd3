"""Sending through EMAIL_PROVIDER: SMTP (accepted by the server = sent) or Resend (any 2xx = sent)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage as MimeMessage
from email.utils import make_msgid, parseaddr
from typing import Protocol

import aiosmtplib
import httpx

from notifications.settings import NotificationsSettings

RESEND_URL = "https://api.resend.com/emails"
TIMEOUT_SECONDS = 15.0


class ProviderError(Exception):
    """Base of the provider's failures; the message carries no secrets."""


class TransientProviderError(ProviderError):
    """The provider could not take the email now (down, timeout, 4xx-temporary, 5xx); worth retrying."""


class PermanentProviderError(ProviderError):
    """The provider refused this email for good; retrying cannot help. `reason` goes to `last_error`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class OutgoingEmail:
    sender: str
    to: str
    subject: str
    text: str
    html: str
    reply_to: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


class EmailProvider(Protocol):
    async def send(self, email: OutgoingEmail) -> str | None:
        """Hand the email over; returns the provider's message id. Raises a ProviderError."""
        ...


def mime_message(email: OutgoingEmail) -> MimeMessage:
    message = MimeMessage()
    message["From"] = email.sender
    message["To"] = email.to
    message["Subject"] = email.subject
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    domain = parseaddr(email.sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    for name, value in email.headers.items():
        message[name] = value
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message


class SmtpProvider:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.starttls = starttls

    async def send(self, email: OutgoingEmail) -> str | None:
        message = mime_message(email)
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                start_tls=self.starttls,
                timeout=TIMEOUT_SECONDS,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            if all(error.code >= 500 for error in exc.recipients):
                raise PermanentProviderError("invalid_recipient") from None
            raise TransientProviderError(f"smtp deferred the recipient: {exc.recipients[0].code}") from None
        except aiosmtplib.SMTPDataError as exc:
            if exc.code >= 500:
                raise PermanentProviderError(f"smtp refused the message: {exc.code} {exc.message}"[:300]) from None
            raise TransientProviderError(f"smtp deferred the message: {exc.code} {exc.message}"[:300]) from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise TransientProviderError(f"smtp {type(exc).__name__}: {exc}") from None
        return str(message["Message-ID"])


class ResendProvider:
    def __init__(
        self, *, api_key: str, url: str = RESEND_URL, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.api_key = api_key
        self.url = url
        self.transport = transport

    async def send(self, email: OutgoingEmail) -> str | None:
        body: dict[str, object] = {
            "from": email.sender,
            "to": [email.to],
            "subject": email.subject,
            "text": email.text,
            "html": email.html,
        }
        if email.reply_to:
            body["reply_to"] = email.reply_to
        if email.headers:
            body["headers"] = dict(email.headers)
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, transport=self.transport) as client:
                response = await client.post(self.url, json=body, headers={"Authorization": f"Bearer {self.api_key}"})
        except httpx.HTTPError as exc:
            raise TransientProviderError(f"resend {type(exc).__name__}") from None
        if response.is_success:
            message_id = response.json().get("id")
            return str(message_id) if message_id else None
        if 400 <= response.status_code < 500 and response.status_code != 429:
            # bad request, bad key, unknown domain: sending the same email again cannot help
            raise PermanentProviderError(f"rejected by resend ({response.status_code}): {response.text[:200]}")
        raise TransientProviderError(f"resend answered {response.status_code}")


def build_provider(settings: NotificationsSettings) -> EmailProvider:
    if settings.email_provider == "resend":
        assert settings.resend_api_key is not None  # checked by the settings
        return ResendProvider(api_key=settings.resend_api_key)
    return SmtpProvider(
        host=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
    )
