import sys
from pathlib import Path

from notifications.settings import get_settings
from shared.cli import ServiceCli

cli = ServiceCli(
    service="notifications",
    app_path="notifications.app:create_app",
    settings=get_settings,
    database_url=lambda s: s.notifications_database_url,
    port=lambda s: s.notifications_port,
    service_root=Path(__file__).resolve().parents[2],
)

if __name__ == "__main__":
    sys.exit(cli.main())
