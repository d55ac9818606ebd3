"""Builders of the events a registration publishes (events.md §3, identity)."""

from identity.accounts.models import Account
from identity.invites.models import AccountInvite, InviteCode
from identity.users.models import User
from shared.events import AccountCreated, InviteAccepted, PlatformInvite, UserRegistered


def account_created(account: Account, owner: User, code: InviteCode | None) -> AccountCreated:
    return AccountCreated(
        account_id=account.id,
        name=account.name,
        display_code=account.display_code,
        owner_id=owner.id,
        owner_email=owner.email,
        owner_name=owner.name,
        signup_method="password",
        created_at=account.created_at,
        platform_invite=PlatformInvite(
            invite_code_id=code.id,
            assigned_plan=code.assigned_plan,
            trial_duration_days=code.trial_duration_days,
        )
        if code
        else None,
    )


def user_registered(user: User, invite: AccountInvite | None) -> UserRegistered:
    return UserRegistered(
        user_id=user.id,
        account_id=user.account_id,
        email=user.email,
        name=user.name,
        account_role=user.account_role,
        method="password",
        email_verified_at=user.email_verified_at,
        created_at=user.created_at,
        joined_existing_account=invite is not None,
        account_invite_id=invite.id if invite else None,
    )


def invite_accepted(invite: AccountInvite, user: User) -> InviteAccepted:
    assert invite.used_at is not None
    return InviteAccepted(
        invite_id=invite.id,
        account_id=invite.account_id,
        user_id=user.id,
        email=user.email,
        role=invite.role,
        accepted_at=invite.used_at,
        method="password",
    )
