from typing import Annotated
from uuid import UUID

import stripe
from fastapi import APIRouter, Depends, Request

from billing.checkout import service
from billing.checkout.errors import OwnerOrAdminRequired, StripeNotConfigured
from billing.checkout.schemas import CheckoutRequest, SessionUrl
from billing.db import Now
from shared.auth import TenantClaims
from shared.db import SessionFactory

router = APIRouter(prefix="/api/v1/billing", tags=["checkout"])

MANAGING_ROLES = frozenset({"owner", "admin"})


async def managing_account(claims: TenantClaims) -> UUID:
    """The caller's account, when the caller is its owner or an admin (403 otherwise)."""
    if claims.account_role not in MANAGING_ROLES or claims.account_id is None:
        raise OwnerOrAdminRequired()
    return claims.account_id


async def configured_stripe(request: Request) -> stripe.StripeClient:
    client: stripe.StripeClient | None = request.app.state.stripe
    if client is None:
        raise StripeNotConfigured()
    return client


async def session_factory(request: Request) -> SessionFactory:
    """Sessions for short transactions of the route's own; none is held across a Stripe call."""
    factory: SessionFactory = request.app.state.runtime.factory
    return factory


async def frontend_url(request: Request) -> str:
    url: str = request.app.state.runtime.settings.frontend_url
    return url.rstrip("/")


ManagedAccount = Annotated[UUID, Depends(managing_account)]
Stripe = Annotated[stripe.StripeClient, Depends(configured_stripe)]
Factory = Annotated[SessionFactory, Depends(session_factory)]
FrontendUrl = Annotated[str, Depends(frontend_url)]


@router.post("/checkout-session")
async def checkout_session(
    body: CheckoutRequest,
    account_id: ManagedAccount,
    client: Stripe,
    factory: Factory,
    frontend: FrontendUrl,
    now: Now,
) -> SessionUrl:
    url = await service.create_checkout_session(
        factory=factory, client=client, account_id=account_id, request=body, frontend_url=frontend, now=now
    )
    return SessionUrl(url=url)


@router.get("/portal-session")
async def portal_session(
    account_id: ManagedAccount, client: Stripe, factory: Factory, frontend: FrontendUrl
) -> SessionUrl:
    url = await service.create_portal_session(
        factory=factory, client=client, account_id=account_id, frontend_url=frontend
    )
    return SessionUrl(url=url)
