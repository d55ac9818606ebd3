from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, StringConstraints

from identity.api_types import Email, PersonName
from identity.auth.passwords import check_password_rules


def _blank_is_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


OptionalCode = Annotated[
    Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None,
    BeforeValidator(_blank_is_none),
]


class RegisterRequest(BaseModel):
    email: Email
    password: Annotated[str, AfterValidator(check_password_rules)]
    name: PersonName
    invite_code: OptionalCode = None
    account_invite_code: OptionalCode = None
