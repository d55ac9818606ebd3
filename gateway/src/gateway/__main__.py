import sys

from gateway.settings import get_settings
from shared.cli import ServiceCli

cli = ServiceCli(
    service="gateway",
    app_path="gateway.app:create_app",
    settings=get_settings,
    database_url=lambda _: "",
    port=lambda s: s.gateway_port,
    service_root=None,
)

if __name__ == "__main__":
    sys.exit(cli.main())
