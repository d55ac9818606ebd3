import argparse
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


def preview_emails(args: argparse.Namespace) -> int:
    from notifications.emails.preview import preview

    print(preview(lines=args.lines))
    return 0


preview_command = cli.add_command("preview-emails", "print every email rendered with sample data")
preview_command.add_argument("--lines", type=int, default=5, help="lines of the text body to show")
preview_command.set_defaults(run=preview_emails)

if __name__ == "__main__":
    sys.exit(cli.main())
