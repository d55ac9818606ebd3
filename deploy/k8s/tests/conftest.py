"""Renders the overlays once per run with `kubectl kustomize` (kustomize v5, built into kubectl)."""

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

K8S_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = K8S_DIR.parents[1]
OVERLAYS = ("dev", "prod")
APPS = ("gateway", "identity", "billing", "onboarding", "notifications")
# Placeholder credentials for rendering only: what the operators' Secrets would hold.
FAKE_CREDENTIALS = {"DATABASE_PASSWORD": "render-only", "AMQP_USER": "render", "AMQP_PASSWORD": "render-only"}

Manifest = dict[str, Any]


def kubectl() -> str:
    found = os.environ.get("KUBECTL") or shutil.which("kubectl")
    if found is None:
        pytest.fail("kubectl (with its built-in kustomize) is needed to render deploy/k8s: install it, or set KUBECTL")
    return found


def make_secrets(overlay_dir: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **FAKE_CREDENTIALS, **extra}
    return subprocess.run(
        ["bash", str(K8S_DIR / "scripts" / "make-secrets.sh"), str(overlay_dir)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )


def render(path: Path) -> list[Manifest]:
    result = subprocess.run([kubectl(), "kustomize", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="session")
def k8s_copy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of deploy/k8s with the dev overlay's git-ignored secrets generated, as a user would."""
    copy = tmp_path_factory.mktemp("k8s") / "k8s"
    shutil.copytree(K8S_DIR, copy, ignore=shutil.ignore_patterns("tests", "secrets", "__pycache__"))
    make_secrets(copy / "overlays" / "dev")
    yield copy
    shutil.rmtree(copy)


@pytest.fixture(scope="session")
def rendered(k8s_copy: Path) -> dict[str, list[Manifest]]:
    return {overlay: render(k8s_copy / "overlays" / overlay) for overlay in OVERLAYS}


def of_kind(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}
