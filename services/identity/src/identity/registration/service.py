"""Registration (api.md §3.1): a new shop, or a teammate joining an invited account; one transaction
with the outbox events, so billing, onboarding and notifications learn of it exactly when it is true."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from identity.accounts import service as accounts
from identity.auth.passwords import hash_password
from identity.auth.verification import request_verification
from identity.invites import service as invites
from identity.invites.models import AccountInvite, InviteCode
from identity.registration import events
from identity.registration.errors import EmailAlreadyRegistered, InviteCodeRequired
from identity.registration.schemas import RegisterRequest
from identity.runtime_settings import service as runtime_settings
from identity.settings import IdentitySettings
from identity.users import service as users
from identity.users.models import User
from shared.bus.outbox import Outbox

NEW_USER_ROLE = "engineer"


async def _insert_user(session: AsyncSession, values: dict[str, Any]) -> User:
    """Insert a user; when a concurrent registration of the same email wins the unique index, this one
    waits for it and then answers "Email already registered"."""
    user_id = await session.scalar(
        insert(User).values(**values).on_conflict_do_nothing(index_elements=[User.email]).returning(User.id)
    )
    if user_id is None:
        raise EmailAlreadyRegistered()
    return await users.get_or_raise(session=session, user_id=user_id)


async def register(
    *,
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    now: datetime,
    request: RegisterRequest,
) -> User:
    values = await runtime_settings.current(session=session, settings=settings)
    email = request.email
    if await users.email_taken(session=session, email=email):
        raise EmailAlreadyRegistered()
    password_hash = await hash_password(request.password)
    user_id = uuid.uuid4()
    common: dict[str, Any] = {
        "id": user_id,
        "email": email,
        "password_hash": password_hash,
        "name": request.name,
        "role": NEW_USER_ROLE,
        "created_at": now,
        "updated_at": now,
    }

    invite: AccountInvite | None = None
    if request.account_invite_code:
        invite = await invites.lock_usable_account_invite(
            session=session, code=request.account_invite_code, email=email, now=now
        )
    if invite is not None:
        user = await _insert_user(session, {**common, "account_id": invite.account_id, "account_role": invite.role})
        invites.mark_account_invite_accepted(invite, user_id=user.id, now=now)
        await session.flush()
        await outbox.add(session, events.user_registered(user, invite))
        await outbox.add(session, events.invite_accepted(invite, user))
    else:
        if values.invite_code_required_for(email) and not request.invite_code:
            raise InviteCodeRequired()
        code: InviteCode | None = None
        if request.invite_code:
            code = await invites.lock_usable_platform_code(session=session, code=request.invite_code, now=now)
        account = await accounts.create_account(
            session=session, name=accounts.account_name_for(request.name), owner_id=user_id, now=now
        )
        user = await _insert_user(
            session,
            {**common, "account_id": account.id, "account_role": "owner", "invite_code_id": code.id if code else None},
        )
        if code is not None:
            invites.mark_platform_code_used(code, user_id=user.id, now=now)
            await session.flush()
        await outbox.add(session, events.account_created(account, user, code))
        await outbox.add(session, events.user_registered(user, None))

    if values.email_verification_enabled:
        await request_verification(
            session=session, outbox=outbox, user=user, frontend_url=settings.frontend_url, now=now, reason="register"
        )
    return user
