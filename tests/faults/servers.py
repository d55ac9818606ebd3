"""A PostgreSQL cluster and a RabbitMQ node of the fault suite's own, in temporary directories on free
ports: the outage tests stop and start them freely, never touching the machine's shared servers."""

import contextlib
import glob
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

POSTGRES_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "300",
    # throwaway data: durability traded for speed on a shared 2-core machine
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


class ServerError(Exception):
    """A throwaway server could not be set up or driven; the message says which command failed."""


def _run(argv: list[str], env: dict[str, str] | None = None, timeout: float = 60.0) -> str:
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise ServerError(f"{' '.join(argv[:4])} ... exited {result.returncode}: {result.stderr.strip()[-500:]}")
    return result.stdout


class ThrowawayPostgres:
    """`initdb` into a temporary directory, then `pg_ctl` start/stop/restart on `port`. As root the
    commands run as the `postgres` user (initdb refuses root)."""

    def __init__(self, port: int) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
        if not found:
            raise ServerError("no /usr/lib/postgresql/*/bin/initdb on this machine")
        self.bin = Path(found[-1]).parent
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self._as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as_postgres:
            shutil.chown(self.root, user="postgres")

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the `postgres` database; tests create theirs beside it."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _pg_ctl(self, *args: str) -> None:
        _run([*self._as_postgres, str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), *args])

    def create(self) -> None:
        initdb = [str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"]
        _run([*self._as_postgres, *initdb, "-E", "UTF8", "--no-sync"])
        settings = {**POSTGRES_SETTINGS, "port": str(self.port), "unix_socket_directories": f"'{self.root}'"}
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def start(self) -> None:
        self._pg_ctl("-w", "-t", "60", "start")

    def stop(self) -> None:
        """Fast shutdown: open transactions are aborted and every client connection is closed."""
        self._pg_ctl("-w", "-t", "60", "-m", "fast", "stop")

    def restart(self) -> None:
        self._pg_ctl("-w", "-t", "60", "-m", "fast", "restart")

    def destroy(self) -> None:
        with contextlib.suppress(ServerError):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class ThrowawayRabbitMQ:
    """A detached RabbitMQ node named `fault-<id>@localhost` with its own config, data, logs, plugins
    (none) and Erlang cookie (HOME), driven with `rabbitmqctl -n <node>`."""

    SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
    CTL = "/usr/lib/rabbitmq/bin/rabbitmqctl"

    def __init__(self, node_id: str, port: int, dist_port: int) -> None:
        if not Path(self.SERVER).exists():
            raise ServerError(f"no {self.SERVER} on this machine")
        self.node = f"fault-{node_id}@localhost"
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="faults-mq-"))
        (self.root / "home").mkdir()
        (self.root / "rabbitmq.conf").write_text(f"listeners.tcp.default = 127.0.0.1:{port}\n")
        (self.root / "enabled_plugins").write_text("[].\n")
        (self.root / "rabbitmq-env.conf").write_text("")  # not the machine's /etc/rabbitmq/rabbitmq-env.conf
        self.pid_file = self.root / "node.pid"
        self.env = {
            **os.environ,
            "HOME": str(self.root / "home"),
            "RABBITMQ_CONF_ENV_FILE": str(self.root / "rabbitmq-env.conf"),
            "RABBITMQ_CONFIG_FILE": str(self.root / "rabbitmq.conf"),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_PORT": str(port),
            "RABBITMQ_DIST_PORT": str(dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.root / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.root / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.root / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(self.pid_file),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def ctl(self, *args: str, timeout: float = 60.0) -> str:
        return _run([self.CTL, "-q", "-n", self.node, *args], env=self.env, timeout=timeout)

    def start(self, timeout: float = 90.0) -> None:
        _run([self.SERVER, "-detached"], env=self.env)
        deadline = time.monotonic() + timeout
        while True:  # -detached returns before the node registers with epmd: poll its startup
            try:
                self.ctl("await_startup", "--timeout", "30", timeout=40)
                return
            except ServerError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.5)

    def stop_app(self) -> None:
        """The broker goes away (every connection closed, port refused); the Erlang node stays up."""
        self.ctl("stop_app")

    def start_app(self) -> None:
        self.ctl("start_app")
        self.ctl("await_startup", "--timeout", "60", timeout=70)

    def queue_depths(self) -> dict[str, int]:
        """Messages per queue, ready and unacknowledged together."""
        rows = json.loads(self.ctl("list_queues", "name", "messages", "--formatter", "json") or "[]")
        return {str(row["name"]): int(row["messages"]) for row in rows}

    def destroy(self) -> None:
        try:
            self.ctl("stop", timeout=60)
        except (ServerError, subprocess.TimeoutExpired):
            with contextlib.suppress(OSError, ValueError):
                os.kill(int(self.pid_file.read_text().strip()), signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)
