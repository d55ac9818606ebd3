"""Policy over every Dockerfile of the repository: the images the cluster runs."""

import re
from pathlib import Path

import pytest

from .conftest import REPO_ROOT

DOCKERFILES = sorted(
    p
    for p in REPO_ROOT.rglob("Dockerfile")
    if not {".venv", "node_modules", "build"} & set(p.relative_to(REPO_ROOT).parts)
)
# A name that says "credential": such a value must come from the runtime environment, never the image.
# `*_FILE` names hold a path to a credential, which is fine (identity's JWT_PRIVATE_KEY_FILE).
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIAL")


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", dockerfile.read_text())
    pairs = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, arguments = line.partition(" ")
            pairs.append((instruction.upper(), arguments.strip()))
    return pairs


def declared_names(arguments: str) -> list[str]:
    """Names set by `ENV A=1 B=2`, `ENV A 1` or `ARG A[=1]`."""
    if "=" not in arguments.split()[0]:
        return [arguments.split()[0]]
    return re.findall(r"(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=", arguments)


def test_every_app_image_has_a_dockerfile() -> None:
    found = {str(p.relative_to(REPO_ROOT)) for p in DOCKERFILES}
    apps = {
        "gateway/Dockerfile",
        *(f"services/{s}/Dockerfile" for s in ("identity", "billing", "onboarding", "notifications")),
    }
    assert apps <= found


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_base_image_is_pinned_to_a_version_never_latest(dockerfile: Path) -> None:
    images = [args.split()[0] for instruction, args in instructions(dockerfile) if instruction == "FROM"]
    assert images
    for image in images:
        name, _, digest = image.partition("@")
        _, _, tag = name.rpartition(":") if ":" in name.rsplit("/", 1)[-1] else ("", "", "")
        assert tag != "latest", image
        # a version in the tag (python:3.11-slim) or a digest; a bare name means "latest"
        assert re.match(r"\d+\.\d+", tag) or digest.startswith("sha256:"), image


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_image_runs_as_the_non_root_user_10001(dockerfile: Path) -> None:
    steps = instructions(dockerfile)
    users = [args for instruction, args in steps if instruction == "USER"]
    assert users, "no USER: the image would run as root"
    assert users[-1] in {"app", "10001", "app:app", "10001:10001"}, users[-1]
    runs = " ".join(args for instruction, args in steps if instruction == "RUN")
    # the manifests' runAsUser: 10001 must name this user
    assert re.search(r"useradd\b[^&;]*--uid 10001 app\b", runs), "user app is not created with uid 10001"


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_image_bakes_in_no_secret(dockerfile: Path) -> None:
    for instruction, args in instructions(dockerfile):
        if instruction in {"ENV", "ARG"}:
            for name in declared_names(args):
                assert not (SECRET_NAME.search(name.upper()) and not name.upper().endswith("_FILE")), name
    text = dockerfile.read_text()
    assert "PRIVATE KEY-----" not in text
    assert not re.search(r"\b(sk|rk|whsec)_(live|test)_[A-Za-z0-9]{8,}", text)
