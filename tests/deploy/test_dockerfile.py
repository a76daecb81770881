"""deploy/docker/Dockerfile: one target per service, each installing exactly what
`uv sync --locked --no-dev --package orderhub-<service>` installs from uv.lock, running as a
non-root user, starting with `python -m <service>` and checking itself on /healthz.

No image is built here (there is no container engine): instead the Dockerfile's own `uv sync`
command is run as `uv export` with the same flags, offline, and the wheel set it names must be
the one `uv sync --locked` installed into this checkout's environment (same versions), without
any development tool or the embedded servers' package."""

from __future__ import annotations

import fnmatch
import shlex
import subprocess
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from uv import find_uv_bin

SERVICES = ["ingest", "rules", "fulfillment", "aftersales", "notify", "insights", "console"]
NON_ROOT = "10001:10001"
NEVER_IN_AN_IMAGE = {"pytest", "pytest-asyncio", "ruff", "mypy", "orderhub-devstack", "orderhub-simulators", "uv"}


def uv_sync_args(stage: Any) -> list[str]:
    (run,) = stage.all("RUN")
    args = shlex.split(run)
    assert args[:2] == ["uv", "sync"], run
    return args[2:]


@pytest.mark.parametrize("service", SERVICES)
def test_build_stage_installs_the_locked_package_without_dev_tools(deploy_files: Any, service: str) -> None:
    stage = deploy_files.dockerfile[f"build-{service}"]
    assert stage.base == "build"
    assert uv_sync_args(stage) == ["--locked", "--no-dev", "--no-editable", "--package", f"orderhub-{service}"]


def test_build_copies_the_lock_and_the_workspace(deploy_files: Any) -> None:
    build = deploy_files.dockerfile["build"]
    assert build.all("COPY") == ["pyproject.toml uv.lock ./", "libs ./libs", "services ./services"]
    # The uv the image uses is the one uv.lock pins for development.
    locked = tomllib.loads((deploy_files.root / "uv.lock").read_text())
    (uv_version,) = [p["version"] for p in locked["package"] if p["name"] == "uv"]
    assert build.all("RUN") == [f"pip install --no-cache-dir uv=={uv_version}"]
    assert build.env()["UV_PYTHON_DOWNLOADS"] == "never"


@pytest.mark.parametrize("service", SERVICES)
def test_service_target(deploy_files: Any, service: str) -> None:
    stage = deploy_files.dockerfile[service]
    assert stage.base in ("runtime", "runtime-cjk")
    assert stage.all("COPY") == [f"--from=build-{service} /opt/orderhub/venv /opt/orderhub/venv"]
    assert stage.all("USER") == [NON_ROOT]
    assert stage.all("CMD") == [f'["python", "-m", "{service}"]']
    (healthcheck,) = stage.all("HEALTHCHECK")
    assert f"http://127.0.0.1:{stage.all('EXPOSE')[0]}/healthz" in healthcheck
    # The runtime stages have no build tools and create the non-root user.
    runtime = deploy_files.dockerfile["runtime"]
    assert "useradd --system --uid 10001" in " ".join(runtime.all("RUN"))
    assert "uv" not in " ".join(runtime.all("RUN"))


def test_fonts_for_the_services_that_draw_chinese(deploy_files: Any) -> None:
    cjk = {name for name in SERVICES if deploy_files.dockerfile[name].base == "runtime-cjk"}
    assert cjk == {"fulfillment", "insights"}
    assert "fonts-wqy-microhei" in " ".join(deploy_files.dockerfile["runtime-cjk"].all("RUN"))


def _workspace_names(root: Path) -> dict[str, str]:
    names = {}
    for pyproject in [*root.glob("libs/*/pyproject.toml"), *root.glob("services/*/pyproject.toml")]:
        names["./" + str(pyproject.parent.relative_to(root))] = tomllib.loads(pyproject.read_text())["project"]["name"]
    return names


def exported_wheels(root: Path, sync_args: list[str]) -> dict[str, str]:
    """name -> version of what `uv sync <sync_args>` installs, from `uv export` with the same flags."""
    command = [find_uv_bin(), "export", *sync_args, "--offline", "--no-header", "--no-annotate", "--no-hashes"]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    workspace = _workspace_names(root)
    wheels = {}
    for line in result.stdout.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        requirement, _, marker = line.partition(";")
        if marker.strip() and not Marker(marker.strip()).evaluate():
            continue
        requirement = requirement.strip()
        if requirement in workspace:
            name = workspace[requirement]
            wheels[canonicalize_name(name)] = metadata.version(name)  # the workspace's own version
        else:
            name, _, version = requirement.partition("==")
            wheels[canonicalize_name(name)] = version
    return wheels


@pytest.mark.parametrize("service", SERVICES)
def test_image_wheels_are_the_locked_ones(deploy_files: Any, service: str) -> None:
    wheels = exported_wheels(deploy_files.root, uv_sync_args(deploy_files.dockerfile[f"build-{service}"]))
    assert {f"orderhub-{service}", "orderhub-runtime", "orderhub-contracts", "uvicorn", "aiokafka"} <= set(wheels)
    assert sorted(set(wheels) & NEVER_IN_AN_IMAGE) == []
    # The same versions `uv sync --locked` installed here (`make install`).
    installed = {name: metadata.version(name) for name in wheels}
    assert wheels == installed
    # And everything the service itself declares is in.
    for declared in metadata.requires(f"orderhub-{service}") or []:
        requirement = Requirement(declared)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            assert canonicalize_name(requirement.name) in wheels, f"{service} declares {declared}; not in the image"


@pytest.mark.parametrize("service", SERVICES)
def test_the_non_editable_install_carries_every_file_of_the_package(service: str, tmp_path: Path) -> None:
    """The images install the workspace packages as wheels (`--no-editable`, no sources in the
    image): each wheel must hold every file of its package, e.g. the Alembic migrations that
    `python -m <service> migrate` runs and the console's templates and static files."""
    root = Path(__file__).resolve().parents[2]
    command = [find_uv_bin(), "build", "--wheel", "--package", f"orderhub-{service}", "--out-dir", str(tmp_path)]
    result = subprocess.run(
        [*command, "--offline", "--quiet"], cwd=root, capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0 and "offline" in result.stderr.lower():
        pytest.skip(f"the build backend is not in uv's cache: {result.stderr.strip()[:200]}")
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        packed = set(archive.namelist())
    source = root / "services" / service / "src"
    files = {
        str(path.relative_to(source))
        for path in source.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and not path.name.endswith(".pyc")
    }
    assert sorted(files - packed) == []
    if service != "console":
        assert f"{service}/migrations/env.py" in packed


def test_build_context_keeps_what_the_build_copies(deploy_files: Any) -> None:
    """Dockerfile.dockerignore (BuildKit reads it beside the Dockerfile) leaves the lock, the
    workspace manifests and sources in the context, and keeps tests, caches and .venv out."""
    patterns = [
        line.strip()
        for line in (deploy_files.root / "deploy" / "docker" / "Dockerfile.dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignored(path: str) -> bool:
        parts = path.split("/")
        for pattern in patterns:
            bare = pattern.removeprefix("**/")
            if pattern.startswith("**/"):
                if any(fnmatch.fnmatch(part, bare) for part in parts):
                    return True
            elif fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(parts[0], pattern):
                return True
        return False

    kept = ["pyproject.toml", "uv.lock", "libs/runtime/pyproject.toml", "libs/runtime/src/orderhub_runtime/cli.py"]
    kept += [f"services/{s}/src/{s}/__main__.py" for s in SERVICES]
    assert [path for path in kept if ignored(path)] == []
    assert all(ignored(p) for p in [".venv/bin/python", "services/ingest/tests/conftest.py", ".git/HEAD"])
