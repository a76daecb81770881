"""Rebuilds kubernetes-v<version>-strict.json from a directory of the PyPI package
kubernetes-validate (DIRECTORY: `kubernetes_validate/kubernetes-json-schema/v<version>-local-strict`):

    python tests/deploy/schemas/bundle_kubernetes.py DIRECTORY > tests/deploy/schemas/kubernetes-v1.33.0-strict.json

Keeps the top-level schema of each kind the manifests use, and only the definitions they reach."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

KINDS = {
    "Deployment": "deployment-apps-v1.json",
    "Service": "service-v1.json",
    "Job": "job-batch-v1.json",
    "ConfigMap": "configmap-v1.json",
    "Secret": "secret-v1.json",
    "Namespace": "namespace-v1.json",
    "PodDisruptionBudget": "poddisruptionbudget-policy-v1.json",
}


def bundle(source: Path) -> dict[str, Any]:
    definitions = json.loads((source / "_definitions.json").read_text())["$defs"]
    reached: dict[str, Any] = {}
    pending: list[str] = []

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key == "$ref" and isinstance(value, str):
                    name = value.split("#/$defs/", 1)[1]
                    pending.append(name)
                    out[key] = "#/$defs/" + name
                else:
                    out[key] = rewrite(value)
            return out
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        return node

    kinds = {kind: rewrite(json.loads((source / file).read_text())) for kind, file in KINDS.items()}
    while pending:
        name = pending.pop()
        if name not in reached:
            reached[name] = None
            reached[name] = rewrite(definitions[name])
    version = source.name.split("-", 1)[0]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": f"Kubernetes {version} strict schemas (see README.md here): one entry per kind under kinds, "
        "their definitions under $defs",
        "kinds": kinds,
        "$defs": dict(sorted(reached.items())),
    }


if __name__ == "__main__":
    print(json.dumps(bundle(Path(sys.argv[1])), indent=1, ensure_ascii=False))
