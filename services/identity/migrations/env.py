from alembic import context

import identity.accounts.models
import identity.audit.models
import identity.auth.models
import identity.invites.models
import identity.runtime_settings.models
import identity.users.models  # noqa: F401  (each import registers its tables on the metadata)
from identity.db import metadata
from identity.settings import IdentitySettings
from shared.bus.tables import bus_metadata
from shared.migrations import run_migrations

run_migrations(
    context,
    [metadata, bus_metadata],
    default_url=context.config.attributes.get("url") or IdentitySettings().identity_database_url,
)
