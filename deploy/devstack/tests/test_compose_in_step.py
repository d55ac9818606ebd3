"""docker-compose.yml and `make run` must describe the same stack (no Docker engine here to run it)."""

from pathlib import Path
from typing import Any

import yaml

from devstack.stack import APPS, DEFAULT_PORTS, SERVICES

ROOT = Path(__file__).resolve().parents[3]


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_compose_runs_every_app_of_the_local_stack_plus_infrastructure() -> None:
    services = set(compose()["services"])
    assert set(APPS) | {"postgres", "rabbitmq", "mailcatcher"} == services


def test_every_app_is_built_from_its_own_existing_dockerfile_and_has_a_healthcheck() -> None:
    for name, spec in compose()["services"].items():
        if name in ("postgres", "rabbitmq"):
            continue
        dockerfile = ROOT / spec["build"]["dockerfile"]
        assert dockerfile.is_file(), dockerfile
        assert "healthcheck" in spec, name


def test_apps_listen_on_the_ports_of_config_md() -> None:
    services = compose()["services"]
    for app in APPS:
        env = services[app]["environment"]
        assert env[f"{app.upper()}_PORT"] == str(DEFAULT_PORTS[app])
        assert f"{DEFAULT_PORTS[app]}:{DEFAULT_PORTS[app]}" in services[app]["ports"]


def test_each_service_has_its_own_database_and_sees_the_others_internal_urls() -> None:
    services = compose()["services"]
    init_sql = (ROOT / "deploy/compose/postgres-init.sql").read_text()
    for service in SERVICES:
        assert f"CREATE DATABASE {service};" in init_sql
        url = services[service]["environment"][f"{service.upper()}_DATABASE_URL"]
        assert url.endswith(f"/{service}")
        for other in SERVICES:
            assert services["gateway"]["environment"][f"{other.upper()}_INTERNAL_URL"].endswith(
                f":{DEFAULT_PORTS[other]}"
            )
