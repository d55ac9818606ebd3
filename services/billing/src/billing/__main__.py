import sys
from pathlib import Path

from billing.operations.commands import register as register_operations
from billing.settings import get_settings
from shared.cli import ServiceCli

cli = ServiceCli(
    service="billing",
    app_path="billing.app:create_app",
    settings=get_settings,
    database_url=lambda s: s.billing_database_url,
    port=lambda s: s.billing_port,
    service_root=Path(__file__).resolve().parents[2],
)
register_operations(cli)

if __name__ == "__main__":
    sys.exit(cli.main())
