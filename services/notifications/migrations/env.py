from alembic import context

import notifications.emails.models  # noqa: F401  (registers the tables on the metadata)
from notifications.db import metadata
from notifications.settings import NotificationsSettings
from shared.bus.tables import bus_metadata
from shared.migrations import run_migrations

run_migrations(
    context,
    [metadata, bus_metadata],
    default_url=context.config.attributes.get("url") or NotificationsSettings().notifications_database_url,
)
