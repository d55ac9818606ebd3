from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from identity.auth import reset, service
from identity.auth.errors import InvalidRefreshToken
from identity.auth.schemas import (
    ChangePasswordRequest,
    ForgotPasswordRequest,
    ForgotPasswordResponse,
    LoginEmail,
    LoginPassword,
    LoginRequest,
    LogoutRequest,
    RefreshRequest,
    ResetPasswordRequest,
    ResetPasswordResponse,
    TokenPair,
    VerificationSentResponse,
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


@router.post("/logout", status_code=204)
async def logout(
    claims: CurrentClaims, session: Session, services: Services, body: LogoutRequest | None = None
) -> Response:
    await service.logout(
        session=session,
        verifier=services.verifier,
        user_id=claims.user_id,
        refresh_token=body.refresh_token if body else None,
        now=services.clock.now(),
    )
    return Response(status_code=204)


@router.post("/password/change")
async def change_password(body: ChangePasswordRequest, claims: CurrentClaims, services: Services) -> TokenPair:
    return await service.change_password(
        factory=services.factory,
        issuer=services.issuer,
        user_id=claims.user_id,
        current_password=body.current_password,
        new_password=body.new_password,
    )


@router.post("/password/forgot")
async def forgot_password(body: ForgotPasswordRequest, services: Services) -> ForgotPasswordResponse:
    await reset.request_reset(
        factory=services.factory,
        outbox=services.outbox,
        clock=services.clock,
        frontend_url=services.settings.frontend_url,
        email=body.email,
    )
    return ForgotPasswordResponse()


@router.post("/password/reset")
async def reset_password(body: ResetPasswordRequest, session: Session, services: Services) -> ResetPasswordResponse:
    await reset.reset_password(
        session=session,
        outbox=services.outbox,
        secret=body.token,
        new_password=body.new_password,
        now=services.clock.now(),
    )
    return ResetPasswordResponse()


@router.post("/email/send-verification")
async def send_verification(claims: CurrentClaims, session: Session, services: Services) -> VerificationSentResponse:
    await service.resend_verification(
        session=session,
        outbox=services.outbox,
        user_id=claims.user_id,
        frontend_url=services.settings.frontend_url,
        now=services.clock.now(),
    )
    return VerificationSentResponse()
