from pydantic import Field, field_validator

from identity.signing.keys import parse_private_keys
from shared.settings import CommonSettings, load_settings


class IdentitySettings(CommonSettings):
    identity_database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/identity"
    identity_port: int = 8001
    # Several PEM keys may be given: the first signs, all are published in the JWKS.
    jwt_private_key: str | None = None
    # Read when JWT_PRIVATE_KEY is unset; generated there (mode 0600) when missing, so restarts keep it.
    jwt_private_key_file: str = ".local/identity/jwt_private_key.pem"
    access_token_expire_minutes: int = Field(default=15, gt=0)
    refresh_token_expire_days: int = Field(default=7, gt=0)
    require_invite_code: bool = False
    self_serve_enabled: bool = False
    internal_tester_emails: str = ""
    email_verification_enabled: bool = True

    @field_validator("jwt_private_key")
    @classmethod
    def _keys_parse(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        # a PEM squeezed into one environment line often arrives with literal "\\n"
        value = value.replace("\\n", "\n")
        parse_private_keys(value)
        return value

    def tester_emails(self) -> list[str]:
        return sorted({e.strip().lower() for e in self.internal_tester_emails.split(",") if e.strip()})


def get_settings() -> IdentitySettings:
    return load_settings(IdentitySettings)
