"""Identity: users, accounts and memberships, passwords, tokens, verification, invites."""
