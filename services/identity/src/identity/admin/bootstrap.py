"""The bootstrap super admin (config.md `BOOTSTRAP_ADMIN_EMAIL` / `_PASSWORD`): made sure of at every
start, created like a registration (so billing and onboarding hear of it) or promoted if the email exists."""

import logging
import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from identity.accounts import service as accounts
from identity.audit import service as audit
from identity.auth.passwords import hash_password
from identity.registration import events
from identity.registration.service import NEW_USER_ROLE
from identity.users.models import User
from shared.bus.outbox import Outbox

log = logging.getLogger(__name__)

ACCOUNT_NAME = "Platform Admin"
ADMIN_NAME = "Platform Admin"
# one lock for every replica: two starting at once must not both create the admin
LOCK_KEY = "identity.bootstrap_admin"


async def ensure_super_admin(
    *, session: AsyncSession, outbox: Outbox, email: str, password: str, now: datetime
) -> User:
    """The super admin with `email`, created verified with its own account or promoted; an existing
    admin is left as it is (its password is never reset from the environment)."""
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(LOCK_KEY))))
    email = email.strip().lower()
    user = await session.scalar(select(User).where(User.email == email).with_for_update())
    if user is not None:
        if not user.is_super_admin:
            user.is_super_admin = True
            user.updated_at = now
            await audit.record(
                session=session,
                actor_id=None,
                action="user.update",
                entity_type="user",
                entity_id=user.id,
                details={"before": {"is_super_admin": False}, "after": {"is_super_admin": True}, "via": "bootstrap"},
            )
            log.info("bootstrap admin promoted", extra={"user_id": str(user.id)})
        return user
    return await _create(session=session, outbox=outbox, email=email, password=password, now=now)


async def _create(*, session: AsyncSession, outbox: Outbox, email: str, password: str, now: datetime) -> User:
    user_id = uuid.uuid4()
    account = await accounts.create_account(session=session, name=ACCOUNT_NAME, owner_id=user_id, now=now)
    await session.execute(
        insert(User).values(
            id=user_id,
            email=email,
            password_hash=await hash_password(password),
            name=ADMIN_NAME,
            role=NEW_USER_ROLE,
            is_super_admin=True,
            account_id=account.id,
            account_role="owner",
            email_verified_at=now,
            created_at=now,
            updated_at=now,
        )
    )
    user = await session.get(User, user_id)
    assert user is not None
    await outbox.add(session, events.account_created(account, user, None))
    await outbox.add(session, events.user_registered(user, None))
    await audit.record(
        session=session,
        actor_id=None,
        action="user.create",
        entity_type="user",
        entity_id=user.id,
        details={"after": {"email": email, "is_super_admin": True}, "via": "bootstrap"},
    )
    log.info("bootstrap admin created", extra={"user_id": str(user.id)})
    return user
