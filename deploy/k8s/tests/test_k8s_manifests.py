"""Policy over the rendered overlays: what a platform team's admission checks would ask of them."""

import re
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

from .conftest import APPS, K8S_DIR, OVERLAYS, REPO_ROOT, Manifest, make_secrets, of_kind

# The oldest Kubernetes minor the manifests promise to apply to (README: "Requirements").
KUBERNETES_VERSION = "1.29.0"
SERVICES = tuple(app for app in APPS if app != "gateway")
PORTS = {"gateway": 8000, "identity": 8001, "billing": 8002, "onboarding": 8003, "notifications": 8004}
SECRET_LOOKING = re.compile(r"(SECRET|PASSWORD|_TOKEN|API_KEY|PRIVATE_KEY|DATABASE_URL|AMQP_URL)$")
CONFIG_SPEC = REPO_ROOT.parent / "shared" / "spec" / "config.md"


def pod_spec(deployment: Manifest) -> dict[str, Any]:
    spec: dict[str, Any] = deployment["spec"]["template"]["spec"]
    return spec


def all_containers(deployment: Manifest) -> list[dict[str, Any]]:
    spec = pod_spec(deployment)
    return [*spec.get("initContainers", []), *spec["containers"]]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_manifest_matches_the_kubernetes_schema(
    rendered: dict[str, list[Manifest]], overlay: str
) -> None:
    for manifest in rendered[overlay]:
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    assert len(rendered[overlay]) >= 5 * 4


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_app_has_deployment_service_disruption_budget_and_autoscaler(
    rendered: dict[str, list[Manifest]], overlay: str
) -> None:
    manifests = rendered[overlay]
    for kind in ("Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler"):
        assert set(of_kind(manifests, kind)) == set(APPS), kind
    for name, hpa in of_kind(manifests, "HorizontalPodAutoscaler").items():
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert hpa["spec"]["minReplicas"] >= (2 if overlay == "prod" else 1)
    for name, pdb in of_kind(manifests, "PodDisruptionBudget").items():
        assert pdb["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": name}
    for name, deployment in of_kind(manifests, "Deployment").items():
        # the autoscaler owns the replica count: an apply must not reset it
        assert "replicas" not in deployment["spec"], name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_server_is_probed_on_readyz_and_healthz_at_its_port(
    rendered: dict[str, list[Manifest]], overlay: str
) -> None:
    for name, deployment in of_kind(rendered[overlay], "Deployment").items():
        (container,) = pod_spec(deployment)["containers"]
        assert container["ports"] == [{"name": "http", "containerPort": PORTS[name]}]
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        service = of_kind(rendered[overlay], "Service")[name]
        assert service["spec"]["ports"] == [{"name": "http", "port": PORTS[name], "targetPort": "http"}]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_resource_requests_and_limits(rendered: dict[str, list[Manifest]], overlay: str) -> None:
    for name, deployment in of_kind(rendered[overlay], "Deployment").items():
        for container in all_containers(deployment):
            resources = container["resources"]
            for bound in ("requests", "limits"):
                assert set(resources[bound]) == {"cpu", "memory"}, (name, container["name"], bound)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_runs_as_uid_10001_read_only_and_unprivileged(
    rendered: dict[str, list[Manifest]], overlay: str
) -> None:
    expected = {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    for name, deployment in of_kind(rendered[overlay], "Deployment").items():
        spec = pod_spec(deployment)
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert spec["automountServiceAccountToken"] is False, name
        # service links would set e.g. IDENTITY_PORT=tcp://..., clashing with the port setting
        assert spec["enableServiceLinks"] is False, name
        volumes = {v["name"]: v for v in spec["volumes"]}
        for container in all_containers(deployment):
            assert container["securityContext"] == expected, (name, container["name"])
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            assert "emptyDir" in volumes[mounts["/tmp"]], (name, container["name"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_migrate_in_an_init_container_and_the_server_only_serves(
    rendered: dict[str, list[Manifest]], overlay: str
) -> None:
    for name, deployment in of_kind(rendered[overlay], "Deployment").items():
        spec = pod_spec(deployment)
        (server,) = spec["containers"]
        assert server["command"] == ["python", "-m", name]
        assert server["args"] == ["serve", "--host", "0.0.0.0"]
        if name == "gateway":  # no database, nothing to migrate
            assert "initContainers" not in spec
            continue
        (migrate,) = spec["initContainers"]
        assert migrate["image"] == server["image"]
        assert migrate["command"] == ["python", "-m", name]
        assert migrate["args"] == ["migrate"]
        assert migrate["envFrom"] == server["envFrom"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_images_are_pinned_to_a_version_never_latest(rendered: dict[str, list[Manifest]], overlay: str) -> None:
    for name, deployment in of_kind(rendered[overlay], "Deployment").items():
        for container in all_containers(deployment):
            reference, _, digest = container["image"].partition("@")
            repository, _, tag = reference.rpartition(":")
            assert repository.endswith(f"/platform/{name}"), container["image"]
            assert re.fullmatch(r"\d+\.\d+\.\d+", tag), container["image"]
            assert digest == "" or re.fullmatch(r"sha256:[0-9a-f]{64}", digest), container["image"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_settings_come_from_config_maps_and_credentials_only_from_secrets(
    rendered: dict[str, list[Manifest]], overlay: str
) -> None:
    manifests = rendered[overlay]
    config_maps = of_kind(manifests, "ConfigMap")
    for name, config_map in config_maps.items():
        leaked = [key for key in config_map["data"] if SECRET_LOOKING.search(key) and not key.endswith("_FILE")]
        assert leaked == [], name
    for name, deployment in of_kind(manifests, "Deployment").items():
        for container in all_containers(deployment):
            assert "env" not in container, (name, container["name"])
            expected = [("configMapRef", "platform-config"), ("configMapRef", f"{name}-config")]
            expected.append(("secretRef", "platform-shared-secrets"))
            if name != "gateway":
                expected.append(("secretRef", f"{name}-secrets"))
            refs = [(kind, ref["name"]) for source in container["envFrom"] for kind, ref in source.items()]
            assert len(refs) == len(expected), (name, container["name"])
            for (kind, ref), (expected_kind, base_name) in zip(refs, expected, strict=True):
                # generated objects carry kustomize's content-hash suffix; prod's Secrets pre-exist without one
                assert kind == expected_kind, (name, ref)
                assert re.fullmatch(rf"{base_name}(-[a-z0-9]{{10}})?", ref), (name, ref)


def test_dev_generates_its_secrets_and_prod_ships_none(rendered: dict[str, list[Manifest]]) -> None:
    assert of_kind(rendered["prod"], "Secret") == {}
    dev_secrets = {name.rsplit("-", 1)[0]: s for name, s in of_kind(rendered["dev"], "Secret").items()}
    assert set(dev_secrets) == {"platform-shared-secrets", *(f"{app}-secrets" for app in APPS if app != "gateway")}
    assert set(dev_secrets["platform-shared-secrets"]["data"]) == {"AMQP_URL", "INTERNAL_API_TOKEN"}
    assert set(dev_secrets["identity-secrets"]["data"]) == {"IDENTITY_DATABASE_URL", "JWT_PRIVATE_KEY"}


def test_every_setting_of_the_spec_is_configured_or_documented(k8s_copy: Path) -> None:
    assert CONFIG_SPEC.is_file(), f"the settings contract is expected at {CONFIG_SPEC}"
    named = set()
    for line in CONFIG_SPEC.read_text().splitlines():
        if line.startswith("|"):
            first_cell = line.split("|")[1]
            # the name column, plus the per-service names spelled out in the *_DATABASE_URL row
            named |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", first_cell))
            named |= set(re.findall(r"`([A-Z]+_DATABASE_URL)`", line))
    files = [*(k8s_copy / "base" / "config").glob("*.env"), *(k8s_copy / "overlays" / "dev" / "secrets").glob("*.env")]
    # a setting is given a value ("NAME=...") or listed as deliberately unset ("# NAME=")
    present = {m for f in files for m in re.findall(r"^(?:# )?([A-Z][A-Z0-9_]+)=", f.read_text(), re.MULTILINE)}
    present.add("JWT_PRIVATE_KEY")  # a file of its own: secretGenerator `files: [JWT_PRIVATE_KEY=...]`
    assert sorted(named - present) == []
    assert len(named) > 50


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_stripe_webhook_reaches_billing_and_everything_else_the_gateway(
    rendered: dict[str, list[Manifest]], overlay: str
) -> None:
    routes = {}
    for ingress in of_kind(rendered[overlay], "Ingress").values():
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                routes[(rule["host"], path["path"], path["pathType"])] = path["backend"]["service"]
    hosts = {host for host, _, _ in routes}
    assert len(hosts) == 1
    (host,) = hosts
    assert routes == {
        (host, "/", "Prefix"): {"name": "gateway", "port": {"name": "http"}},
        (host, "/api/v1/webhooks/stripe", "Exact"): {"name": "billing", "port": {"name": "http"}},
    }


def test_make_secrets_writes_fresh_values_and_keeps_existing_ones(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    make_secrets(first, DATABASE_PASSWORD="p@ss/word")
    make_secrets(second)
    token = (first / "secrets" / "shared.env").read_text()
    assert token != (second / "secrets" / "shared.env").read_text()
    assert "AMQP_URL=amqp://render:render-only@platform-rabbitmq:5672/\n" in token
    identity = (first / "secrets" / "identity.env").read_text()
    assert (
        "IDENTITY_DATABASE_URL=postgresql+asyncpg://platform:p%40ss%2Fword@platform-postgres-rw:5432/identity"
        in identity
    )
    key = (first / "secrets" / "jwt_private_key.pem").read_text()
    assert key.startswith("-----BEGIN PRIVATE KEY-----")
    assert (first / "secrets" / "jwt_private_key.pem").stat().st_mode & 0o077 == 0

    make_secrets(first)  # a second run must not rotate what the cluster already uses
    assert (first / "secrets" / "jwt_private_key.pem").read_text() == key


def test_the_repository_holds_no_secret_values() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", str(K8S_DIR / "overlays" / "dev" / "secrets" / "shared.env")],
        cwd=REPO_ROOT,
        check=False,
    )
    assert ignored.returncode == 0, "overlays/*/secrets/ must be git-ignored"
    for path in K8S_DIR.rglob("*"):
        parts = path.relative_to(K8S_DIR).parts
        if path.is_file() and parts[0] != "tests" and "secrets" not in parts[:-1]:
            text = path.read_text(errors="replace")
            assert "PRIVATE KEY-----" not in text, path
            assert not re.search(r"\b(sk|rk|whsec)_(live|test)?_?[A-Za-z0-9]{16,}", text), path


def test_examples_are_operator_resources_outside_the_overlays() -> None:
    kinds = set()
    for path in (K8S_DIR / "examples").glob("*.yaml"):
        kinds |= {(doc["apiVersion"], doc["kind"]) for doc in yaml.safe_load_all(path.read_text()) if doc}
    assert kinds == {
        ("postgresql.cnpg.io/v1", "Cluster"),
        ("postgresql.cnpg.io/v1", "Database"),
        ("rabbitmq.com/v1beta1", "RabbitmqCluster"),
        ("external-secrets.io/v1", "ExternalSecret"),
    }
    for overlay in ("base", *(f"overlays/{o}" for o in OVERLAYS)):
        kustomization = yaml.safe_load((K8S_DIR / overlay / "kustomization.yaml").read_text())
        assert not [r for r in kustomization["resources"] if "examples" in r], overlay
