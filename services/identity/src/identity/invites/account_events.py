"""Builders of the account-invite events identity publishes (events.md §3, identity)."""

from typing import Any, Literal

from identity.accounts.models import Account
from identity.invites.models import AccountInvite
from identity.users.models import User
from shared.events import InviteCreated, InviteResent, InviteRevoked


def _invite_fields(invite: AccountInvite, *, account: Account, inviter: User, url: str) -> dict[str, Any]:
    return {
        "invite_id": invite.id,
        "account_id": invite.account_id,
        "account_name": account.name,
        "invited_by_id": inviter.id,
        "inviter_name": inviter.name,
        "email": invite.email,
        "role": invite.role,
        "accept_url": url,
        "expires_at": invite.expires_at,
    }


def invite_created(
    invite: AccountInvite, *, account: Account, inviter: User, url: str, via: Literal["single", "bulk"]
) -> InviteCreated:
    return InviteCreated(**_invite_fields(invite, account=account, inviter=inviter, url=url), via=via)


def invite_resent(
    invite: AccountInvite, *, previous: AccountInvite, account: Account, inviter: User, url: str
) -> InviteResent:
    return InviteResent(
        **_invite_fields(invite, account=account, inviter=inviter, url=url),
        via="single",
        previous_invite_id=previous.id,
    )


def invite_revoked(invite: AccountInvite, *, revoked_by: User, reason: Literal["revoked", "resent"]) -> InviteRevoked:
    assert invite.revoked_at is not None
    return InviteRevoked(
        invite_id=invite.id,
        account_id=invite.account_id,
        email=invite.email,
        revoked_at=invite.revoked_at,
        revoked_by_id=revoked_by.id,
        reason=reason,
    )
