"""deploy/compose.yaml validates against the Compose Specification's JSON schema, and every
Kubernetes object under deploy/k8s against the Kubernetes v1.33 schema of its kind (strict: an
unknown or misspelt field fails). Both schemas are vendored in tests/deploy/schemas (README.md
there gives their source and licence), so this needs no network."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator, ValidationError, validators

K8S_SCHEMA = "kubernetes-v1.33.0-strict.json"


def _errors(validator: Any, document: Any) -> list[str]:
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message[:300]}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    ]


def test_compose_file_matches_the_compose_spec(deploy_files: Any, schema: Callable[[str], Any]) -> None:
    spec = schema("compose-spec.json")
    validator_class = validators.validator_for(spec)
    validator_class.check_schema(spec)
    assert _errors(validator_class(spec), deploy_files.compose) == []


def test_the_compose_check_catches_a_mistake(deploy_files: Any, schema: Callable[[str], Any]) -> None:
    spec = schema("compose-spec.json")
    broken = yaml.safe_load(deploy_files.compose_text)
    broken["services"]["rules"]["depends_on"]["rules-migrate"]["condition"] = "service_finished"
    with pytest.raises(ValidationError):
        validators.validator_for(spec)(spec).validate(broken)


def _kind_validator(bundle: dict[str, Any], kind: str) -> Draft202012Validator:
    # One schema per kind, sharing the bundle's $defs.
    return Draft202012Validator({**bundle["kinds"][kind], "$defs": bundle["$defs"]})


def test_every_kubernetes_object_matches_its_schema(deploy_files: Any, schema: Callable[[str], Any]) -> None:
    bundle = schema(K8S_SCHEMA)
    assert deploy_files.k8s, "no manifests found"
    problems = []
    for file_name, document in deploy_files.k8s:
        kind = document["kind"]
        assert kind in bundle["kinds"], f"{file_name}: no vendored schema for kind {kind}"
        for error in _errors(_kind_validator(bundle, kind), document):
            problems.append(f"{file_name} {kind}/{document['metadata']['name']}: {error}")
    assert problems == []


def test_the_kubernetes_check_catches_a_mistake(deploy_files: Any, schema: Callable[[str], Any]) -> None:
    bundle = schema(K8S_SCHEMA)
    (deployment, *_) = deploy_files.k8s_kind("Deployment")
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"httpGet": {"path": "/readyz"}}
    with pytest.raises(ValidationError):
        _kind_validator(bundle, "Deployment").validate(broken)
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["replicas"] = "two"
    with pytest.raises(ValidationError):
        _kind_validator(bundle, "Deployment").validate(broken)


def test_kustomization_lists_every_manifest(deploy_files: Any) -> None:
    k8s = deploy_files.root / "deploy" / "k8s"
    kustomization = yaml.safe_load((k8s / "kustomization.yaml").read_text())
    assert kustomization["resources"] == sorted(p.name for p in k8s.glob("[0-9]*.yaml"))
    images = {image["name"] for image in kustomization["images"]}
    used = {
        container["image"].rsplit(":", 1)[0]
        for _, doc in deploy_files.k8s
        if doc["kind"] in ("Deployment", "Job")
        for container in doc["spec"]["template"]["spec"]["containers"]
        if container["image"].startswith("orderhub/")
    }
    assert used == images == {f"orderhub/{service}" for service in deploy_files.services}
