import sys
from pathlib import Path

from identity.settings import get_settings
from shared.cli import ServiceCli

cli = ServiceCli(
    service="identity",
    app_path="identity.app:create_app",
    settings=get_settings,
    database_url=lambda s: s.identity_database_url,
    port=lambda s: s.identity_port,
    service_root=Path(__file__).resolve().parents[2],
)

if __name__ == "__main__":
    sys.exit(cli.main())
