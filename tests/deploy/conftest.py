"""The deployment files, parsed once: deploy/compose.yaml, the Kubernetes manifests under
deploy/k8s and the stages of deploy/docker/Dockerfile. Nothing here needs a container engine,
a cluster or the network."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SCHEMAS = Path(__file__).resolve().parent / "schemas"
# Each service: its settings class (module, class) and whether it keeps a database.
SERVICES: dict[str, tuple[str, str, bool]] = {
    "ingest": ("ingest.settings", "IngestSettings", True),
    "rules": ("rules.settings", "RulesSettings", True),
    "fulfillment": ("fulfillment.settings", "FulfillmentSettings", True),
    "aftersales": ("aftersales.settings", "AftersalesSettings", True),
    "notify": ("notify.settings", "NotifySettings", True),
    "insights": ("insights.settings", "InsightsSettings", True),
    "console": ("console.settings", "ConsoleSettings", False),
}


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)  # (INSTRUCTION, arguments)

    def all(self, instruction: str) -> list[str]:
        return [args for name, args in self.instructions if name == instruction]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for args in self.all("ENV"):
            for pair in shlex.split(args):
                key, _, value = pair.partition("=")
                values[key] = value
        return values


def parse_dockerfile(text: str) -> dict[str, Stage]:
    """Stages by name, each with its instructions (continuation lines joined, comments dropped)."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    stages: dict[str, Stage] = {}
    current: Stage | None = None
    for line in logical:
        instruction, _, args = line.partition(" ")
        instruction = instruction.upper()
        args = re.sub(r"\s+", " ", args.strip())
        if instruction == "FROM":
            match = re.fullmatch(r"(\S+) AS (\S+)", args, flags=re.IGNORECASE)
            assert match, f"every stage is named: FROM {args}"
            current = stages[match.group(2)] = Stage(match.group(2), match.group(1))
        elif current is not None:
            current.instructions.append((instruction, args))
    return stages


@dataclass
class DeployFiles:
    compose: dict[str, Any]
    compose_text: str
    k8s: list[tuple[str, dict[str, Any]]]  # (file name, document)
    dockerfile: dict[str, Stage]
    root: Path = ROOT
    services: dict[str, tuple[str, str, bool]] = field(default_factory=lambda: dict(SERVICES))

    @property
    def db_services(self) -> list[str]:
        return [name for name, (_, _, has_db) in self.services.items() if has_db]

    def k8s_kind(self, kind: str) -> list[dict[str, Any]]:
        return [doc for _, doc in self.k8s if doc["kind"] == kind]

    def config_map(self, name: str) -> dict[str, str]:
        (found,) = [doc for doc in self.k8s_kind("ConfigMap") if doc["metadata"]["name"] == name]
        return dict(found.get("data", {}))


@pytest.fixture(scope="session")
def deploy_files() -> DeployFiles:
    compose_text = (DEPLOY / "compose.yaml").read_text()
    k8s = [
        (path.name, doc)
        for path in sorted((DEPLOY / "k8s").glob("[0-9]*.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
        if doc
    ]
    dockerfile = parse_dockerfile((DEPLOY / "docker" / "Dockerfile").read_text())
    return DeployFiles(yaml.safe_load(compose_text), compose_text, k8s, dockerfile)


@pytest.fixture(scope="session")
def schema() -> Any:
    def load(name: str) -> Any:
        return json.loads((SCHEMAS / name).read_text())

    return load
