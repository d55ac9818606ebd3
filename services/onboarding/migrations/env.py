from alembic import context

import onboarding.progress.models
import onboarding.sales.models  # noqa: F401  (each import registers its tables on the metadata)
from onboarding.db import metadata
from onboarding.settings import OnboardingSettings
from shared.bus.tables import bus_metadata
from shared.migrations import run_migrations

run_migrations(
    context,
    [metadata, bus_metadata],
    default_url=context.config.attributes.get("url") or OnboardingSettings().onboarding_database_url,
)
