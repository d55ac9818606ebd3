"""Builders of the events the account routes publish (events.md §3, identity)."""

from identity.accounts.models import Account
from identity.users.models import User
from shared.events import AccountRenamed, OwnershipTransferred


def account_renamed(account: Account, *, previous_name: str, renamed_by: User) -> AccountRenamed:
    return AccountRenamed(
        account_id=account.id,
        name=account.name,
        previous_name=previous_name,
        renamed_by=renamed_by.id,
        source="account_settings",
    )


def ownership_transferred(account: Account, *, previous_owner: User, new_owner: User) -> OwnershipTransferred:
    return OwnershipTransferred(
        account_id=account.id,
        previous_owner_id=previous_owner.id,
        new_owner_id=new_owner.id,
        new_owner_email=new_owner.email,
    )
