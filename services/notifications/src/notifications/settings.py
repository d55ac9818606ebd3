from typing import Literal

from pydantic import model_validator

from shared.settings import CommonSettings, load_settings


class NotificationsSettings(CommonSettings):
    notifications_database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/notifications"
    notifications_port: int = 8004
    email_provider: Literal["smtp", "resend"] = "smtp"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    resend_api_key: str | None = None
    email_from: str = "Platform <no-reply@example.com>"
    email_max_attempts: int = 5
    public_api_url: str = "http://localhost:8000"

    @model_validator(mode="after")
    def attempts_follow_email_max_attempts(self) -> "NotificationsSettings":
        """Notifications dead-letters after EMAIL_MAX_ATTEMPTS, not EVENT_MAX_ATTEMPTS (config.md)."""
        self.event_max_attempts = self.email_max_attempts
        return self

    @model_validator(mode="after")
    def resend_needs_a_key(self) -> "NotificationsSettings":
        if self.email_provider == "resend" and not self.resend_api_key:
            raise ValueError("RESEND_API_KEY is required when EMAIL_PROVIDER is resend")
        return self


def get_settings() -> NotificationsSettings:
    return load_settings(NotificationsSettings)
