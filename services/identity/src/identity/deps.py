"""What routes receive besides the session: settings, keys, token issuer, outbox and clock."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from identity.settings import IdentitySettings
from identity.signing.keys import SigningKeys
from identity.signing.tokens import TokenIssuer
from shared.auth import TokenVerifier
from shared.bus.outbox import Outbox
from shared.clock import Clock
from shared.db import SessionFactory


@dataclass(frozen=True)
class IdentityServices:
    settings: IdentitySettings
    keys: SigningKeys
    issuer: TokenIssuer
    outbox: Outbox
    clock: Clock
    factory: SessionFactory
    verifier: TokenVerifier


async def services(request: Request) -> IdentityServices:
    found: IdentityServices = request.app.state.identity
    return found


Services = Annotated[IdentityServices, Depends(services)]
