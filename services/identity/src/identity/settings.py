from typing import Annotated

from pydantic import BeforeValidator, Field, SecretStr, field_validator

from identity.api_types import Email
from identity.auth.passwords import password_problem
from identity.signing.keys import parse_private_keys
from shared.settings import CommonSettings, load_settings


def _blank_is_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


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
    # OpenID Connect sign-in (identity/oauth): a provider is configured when its client id is set
    google_client_id: Annotated[str | None, BeforeValidator(_blank_is_none)] = None
    google_client_secret: Annotated[SecretStr | None, BeforeValidator(_blank_is_none)] = None
    google_oidc_discovery_url: str = "https://accounts.google.com/.well-known/openid-configuration"
    ms_client_id: Annotated[str | None, BeforeValidator(_blank_is_none)] = None
    ms_client_secret: Annotated[SecretStr | None, BeforeValidator(_blank_is_none)] = None
    ms_oidc_discovery_url: str = "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
    oauth_redirect_base: str = "http://localhost:5173"
    # when both are set, this super admin is made sure of at every start (identity/admin/bootstrap.py)
    bootstrap_admin_email: Annotated[Email | None, BeforeValidator(_blank_is_none)] = None
    bootstrap_admin_password: Annotated[SecretStr | None, BeforeValidator(_blank_is_none)] = None

    @field_validator("bootstrap_admin_password")
    @classmethod
    def _bootstrap_password_rules(cls, value: SecretStr | None) -> SecretStr | None:
        problem = password_problem(value.get_secret_value()) if value is not None else None
        if problem is not None:
            raise ValueError(problem)
        return value

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
