from alembic import context

import billing.audit.models
import billing.catalog.models
import billing.subscriptions.models
import billing.usage.models
import billing.webhooks.models  # noqa: F401  (registers the tables on the metadata)
from billing.db import metadata
from billing.settings import BillingSettings
from shared.bus.tables import bus_metadata
from shared.migrations import run_migrations

run_migrations(
    context,
    [metadata, bus_metadata],
    default_url=context.config.attributes.get("url") or BillingSettings().billing_database_url,
)
