from typing import Annotated

from fastapi import APIRouter, Form, Request

from identity.auth import service
from identity.auth.errors import InvalidRefreshToken
from identity.auth.schemas import (
    LoginEmail,
    LoginPassword,
    LoginRequest,
    RefreshRequest,
    TokenPair,
    VerifyEmailRequest,
    VerifyEmailResponse,
)
from identity.db import Session
from identity.deps import Services
from identity.users import service as users
from identity.users.schemas import UserResponse
from shared.auth import CurrentClaims

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post("/login")
async def login_form(
    username: Annotated[LoginEmail, Form()], password: Annotated[LoginPassword, Form()], services: Services
) -> TokenPair:
    return await service.login(
        factory=services.factory,
        issuer=services.issuer,
        clock=services.clock,
        email=username,
        password=password,
    )


@router.post("/login/json")
async def login_json(body: LoginRequest, services: Services) -> TokenPair:
    return await service.login(
        factory=services.factory,
        issuer=services.issuer,
        clock=services.clock,
        email=body.email,
        password=body.password,
    )


@router.post("/refresh")
async def refresh(request: Request, services: Services, body: RefreshRequest | None = None) -> TokenPair:
    scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
    token = bearer.strip() if scheme.lower() == "bearer" and bearer.strip() else None
    token = token or (body.refresh_token if body else None)
    if not token:
        raise InvalidRefreshToken()
    return await service.refresh(
        factory=services.factory, issuer=services.issuer, verifier=services.verifier, token=token
    )


@router.get("/me")
async def me(claims: CurrentClaims, session: Session) -> UserResponse:
    user = await users.token_holder(session=session, user_id=claims.user_id)
    return await users.to_response(session=session, user=user)


@router.post("/email/verify")
async def verify_email(body: VerifyEmailRequest, session: Session, services: Services) -> VerifyEmailResponse:
    return await service.verify_email(
        session=session,
        outbox=services.outbox,
        issuer=services.issuer,
        secret=body.token,
        now=services.clock.now(),
    )
