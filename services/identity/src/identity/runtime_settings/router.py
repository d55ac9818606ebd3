from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from identity.admin.deps import AdminClaims
from identity.db import Session
from identity.deps import Services
from identity.runtime_settings import public, service
from identity.runtime_settings.schemas import PublicConfig, RuntimeSettingsPatch, RuntimeSettingsResponse
from shared.auth import AccessClaims, InvalidToken, TokenVerifier

router = APIRouter(tags=["settings"])


def _response(snapshot: service.Snapshot) -> RuntimeSettingsResponse:
    return RuntimeSettingsResponse(**snapshot.values, updated_at=snapshot.updated_at, updated_by=snapshot.updated_by)


@router.get("/api/v1/admin/settings")
async def get_settings(_: AdminClaims, session: Session, services: Services) -> RuntimeSettingsResponse:
    return _response(await service.snapshot(session=session, settings=services.settings))


@router.patch("/api/v1/admin/settings")
async def patch_settings(
    body: RuntimeSettingsPatch, admin: AdminClaims, session: Session, services: Services
) -> RuntimeSettingsResponse:
    snapshot = await service.change(
        session=session,
        outbox=services.outbox,
        settings=services.settings,
        changes=body.changes(),
        actor_id=admin.user_id,
        now=services.clock.now(),
    )
    return _response(snapshot)


async def _optional_claims(request: Request, verifier: TokenVerifier) -> AccessClaims | None:
    """The caller's claims when a valid access token came along; anything else is anonymous."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        return await verifier.verify_access(token.strip())
    except InvalidToken:
        return None


@router.get("/api/v1/config/public")
async def config_public(request: Request, session: Session, services: Services) -> PublicConfig:
    claims = await _optional_claims(request, services.verifier)
    return await public.public_config(session=session, settings=services.settings, claims=claims)


@router.post("/api/v1/beta-signup", status_code=307, response_class=RedirectResponse)
async def beta_signup(services: Services) -> RedirectResponse:
    """The legacy beta form: whatever it posts, the visitor is sent to the register page."""
    return RedirectResponse(f"{services.settings.frontend_url.rstrip('/')}/register?from=beta", status_code=307)
