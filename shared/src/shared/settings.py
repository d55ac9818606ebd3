"""Settings loading: every setting is an environment variable (config.md)."""

import sys
from typing import TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    """The settings every service and the gateway share."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    events_exchange: str = "platform.events"
    events_namespace: str = ""
    event_max_attempts: int = 5
    identity_internal_url: str = "http://127.0.0.1:8001"
    billing_internal_url: str = "http://127.0.0.1:8002"
    onboarding_internal_url: str = "http://127.0.0.1:8003"
    notifications_internal_url: str = "http://127.0.0.1:8004"
    internal_api_token: str
    frontend_url: str = "http://localhost:5173"
    otel_exporter_otlp_endpoint: str | None = None
    log_level: str = "INFO"
    rate_limits_enabled: bool = True
    trusted_proxies: str = "127.0.0.1,::1"
    verification_grace_days: int = 7


S = TypeVar("S", bound=BaseSettings)


def describe_error(exc: ValidationError) -> str:
    """One line naming the first bad or missing setting."""
    first = exc.errors()[0]
    if not first["loc"]:  # a rule across settings states its own names
        return str(first["msg"]).removeprefix("Value error, ")
    name = str(first["loc"][0]).upper()
    if first["type"] == "missing":
        return f"setting {name} is required but not set"
    return f"setting {name} is invalid: {first['msg']}"


def load_settings(cls: type[S]) -> S:
    """Build settings from the environment, or exit with one line naming the problem."""
    try:
        return cls()
    except ValidationError as exc:
        print(f"configuration error: {describe_error(exc)}", file=sys.stderr)
        raise SystemExit(2) from None
