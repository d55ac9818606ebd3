"""`python -m <service> serve|migrate|events dlq list|replay` — the commands every service has."""

import argparse
import asyncio
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Generic, TypeVar

import uvicorn

from shared.bus.dlq import format_dead_letters, list_dead_letters, replay_dead_letters
from shared.bus.names import BusNames
from shared.migrations import upgrade
from shared.settings import CommonSettings

Command = Callable[[argparse.Namespace], int]
S = TypeVar("S", bound=CommonSettings)


class ServiceCli(Generic[S]):
    """A service's command line; a service may add commands of its own with `add_command`."""

    def __init__(
        self,
        *,
        service: str,
        app_path: str,
        settings: Callable[[], S],
        database_url: Callable[[S], str],
        port: Callable[[S], int],
        service_root: Path | None = None,
    ) -> None:
        self.service = service
        self.app_path = app_path
        self.settings = settings
        self.database_url = database_url
        self.port = port
        self.service_root = service_root
        self.parser = argparse.ArgumentParser(prog=f"python -m {service}")
        self.commands = self.parser.add_subparsers(dest="command", required=True)
        serve = self.commands.add_parser("serve", help="run the HTTP API, outbox relay and consumer")
        serve.add_argument("--host", default="127.0.0.1")
        serve.add_argument("--port", type=int, default=None)
        serve.set_defaults(run=self._serve)
        if service_root is not None:
            self.commands.add_parser("migrate", help="run database migrations").set_defaults(run=self._migrate)
            events = self.commands.add_parser("events", help="event bus operations")
            dlq = events.add_subparsers(dest="events_command", required=True).add_parser("dlq")
            dlq_cmds = dlq.add_subparsers(dest="dlq_command", required=True)
            listing = dlq_cmds.add_parser("list", help="list dead-lettered events")
            listing.add_argument("--limit", type=int, default=100)
            listing.set_defaults(run=self._dlq_list)
            replay = dlq_cmds.add_parser("replay", help="republish dead-lettered events")
            target = replay.add_mutually_exclusive_group(required=True)
            target.add_argument("--id")
            target.add_argument("--all", action="store_true")
            replay.set_defaults(run=self._dlq_replay)

    def add_command(self, name: str, help_text: str) -> argparse.ArgumentParser:
        return self.commands.add_parser(name, help=help_text)

    def main(self, argv: Sequence[str] | None = None) -> int:
        args = self.parser.parse_args(argv)
        run: Command = args.run
        return run(args)

    def _names(self, settings: CommonSettings) -> BusNames:
        return BusNames(settings.events_exchange, settings.events_namespace)

    def _serve(self, args: argparse.Namespace) -> int:
        settings = self.settings()
        port = args.port if args.port is not None else self.port(settings)
        uvicorn.run(
            self.app_path,
            factory=True,
            host=args.host,
            port=port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=5,
        )
        return 0

    def _migrate(self, _: argparse.Namespace) -> int:
        assert self.service_root is not None
        upgrade(self.service_root, self.database_url(self.settings()))
        return 0

    def _dlq_list(self, args: argparse.Namespace) -> int:
        settings = self.settings()
        letters = asyncio.run(list_dead_letters(settings.amqp_url, self._names(settings), self.service, args.limit))
        if letters:
            print(format_dead_letters(letters))
        return 0

    def _dlq_replay(self, args: argparse.Namespace) -> int:
        settings = self.settings()
        count = asyncio.run(
            replay_dead_letters(settings.amqp_url, self._names(settings), self.service, None if args.all else args.id)
        )
        print(json.dumps({"replayed": count}))
        return 0
