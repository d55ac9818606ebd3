"""`python -m stripefake --port N [--host H] [--public-url URL]`: the fake Stripe API, standalone.

Prints `stripefake listening on http://HOST:PORT` once the socket listens (--port 0 picks a free port).
"""

import argparse
import logging
import os
import signal
import socket
import sys
import threading

from aiohttp import web


def _exit_on_stdin_eof() -> None:
    sys.stdin.buffer.read()
    os.kill(os.getpid(), signal.SIGTERM)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="stripefake", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--public-url", default=None, help="base of the checkout/portal URLs (default: request host)")
    parser.add_argument("--access-log", action="store_true")
    parser.add_argument("--exit-on-stdin-eof", action="store_true", help="stop when stdin closes (parent died)")
    args = parser.parse_args(argv)

    from stripefake.server import build_app  # patches localstripe: only in the server's process

    app = build_app(public_url=args.public_url)
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(128)
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if family == socket.AF_INET6 else args.host
    print(f"stripefake listening on http://{host}:{port}", flush=True)
    if args.exit_on_stdin_eof:
        threading.Thread(target=_exit_on_stdin_eof, daemon=True).start()
    logging.basicConfig(level=logging.INFO if args.access_log else logging.WARNING, stream=sys.stderr)
    web.run_app(app, sock=sock, print=None, access_log=logging.getLogger("aiohttp.access") if args.access_log else None)


if __name__ == "__main__":
    main()
