"""`python -m mailcatcher [--smtp-host H] [--smtp-port 1025] [--http-host H] [--http-port 8025]`."""

import argparse
import os
import sys
from collections.abc import Sequence

import uvicorn

from mailcatcher.smtp import smtp_controller
from mailcatcher.store import MailStore
from mailcatcher.web import create_app


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m mailcatcher", description=__doc__)
    parser.add_argument("--smtp-host", default=os.environ.get("SMTP_HOST", "127.0.0.1"))
    parser.add_argument("--smtp-port", type=int, default=int(os.environ.get("SMTP_PORT", "1025")))
    parser.add_argument("--http-host", default=os.environ.get("MAILCATCHER_HTTP_HOST", "127.0.0.1"))
    parser.add_argument("--http-port", type=int, default=int(os.environ.get("MAILCATCHER_HTTP_PORT", "8025")))
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    store = MailStore()
    controller = smtp_controller(store, args.smtp_host, args.smtp_port)
    controller.start()  # its own thread; raises at once when the port is taken
    print(f"mailcatcher: SMTP on {args.smtp_host}:{args.smtp_port}", file=sys.stderr)
    try:
        uvicorn.run(create_app(store), host=args.http_host, port=args.http_port, log_level="warning")
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
