"""Every variable the compose file, the Kubernetes manifests and the Dockerfile give a service is a
setting that service reads (its own class, by prefix, or RuntimeSettings' `ORDERHUB_`), so that a
misspelt name cannot be silently ignored; the required ones are there; every secret comes from a
secret store (compose: a required `${VAR:?}` from deploy/.env; Kubernetes: a secretKeyRef), never a
written value; and with placeholder secrets each service's settings load in production mode and
pass `refuse_development_secrets`."""

from __future__ import annotations

import importlib
import json
import os
import re
from typing import Any

import pytest
from notify.settings import LOCAL_ROBOT_KEYS
from orderhub_runtime.settings import RuntimeSettings, ServiceSettings
from pydantic import AliasChoices, SecretStr

RUNTIME_PREFIX = "ORDERHUB_"
_REQUIRED_INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+):\?[^}]*\}")
_ANY_INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?::?([-?])([^}]*))?\}")
# Non-OrderHub variables an image sets for Python itself.
IMAGE_ENV = {"PATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}


def settings_class(deploy_files: Any, service: str) -> type[ServiceSettings]:
    module, name, _ = deploy_files.services[service]
    cls: type[ServiceSettings] = getattr(importlib.import_module(module), name)
    return cls


def env_names(cls: type[Any]) -> set[str]:
    """The environment variables a settings class reads."""
    prefix = str(cls.model_config.get("env_prefix", "")).upper()
    names = set()
    for field_name, info in cls.model_fields.items():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(str(choice).upper() for choice in alias.choices)
        elif isinstance(alias, str):
            names.add(alias.upper())
        else:
            names.add(prefix + field_name.upper())
    return names


def secret_names(deploy_files: Any, service: str) -> set[str]:
    """Variables that must come from a secret store: the database URL, every secret setting with a
    development default, and the staff tokens."""
    cls = settings_class(deploy_files, service)
    prefix = str(cls.model_config.get("env_prefix", "")).upper()
    names = {prefix + name.upper() for name in cls().development_secrets()}
    if deploy_files.services[service][2]:
        names.add(f"{prefix}DATABASE_URL")
    return names | {"ORDERHUB_STAFF_TOKENS"}


def compose_env(deploy_files: Any, name: str) -> dict[str, str]:
    return {key: str(value) for key, value in deploy_files.compose["services"][name].get("environment", {}).items()}


def k8s_env(deploy_files: Any, container: dict[str, Any]) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """(plain values, including those of the ConfigMaps named in envFrom; secretKeyRefs)."""
    plain: dict[str, str] = {}
    secrets: dict[str, tuple[str, str]] = {}
    for source in container.get("envFrom", []):
        assert "configMapRef" in source, f"{container['name']}: envFrom only from ConfigMaps (secrets by key)"
        plain.update(deploy_files.config_map(source["configMapRef"]["name"]))
    for entry in container.get("env", []):
        if "value" in entry:
            plain[entry["name"]] = entry["value"]
        else:
            ref = entry["valueFrom"]["secretKeyRef"]
            secrets[entry["name"]] = (ref["name"], ref["key"])
    return plain, secrets


def deployment_container(deploy_files: Any, service: str) -> dict[str, Any]:
    (deployment,) = [d for d in deploy_files.k8s_kind("Deployment") if d["metadata"]["name"] == service]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return dict(container)


def placeholder(name: str) -> str:
    if name == "NOTIFY_WECOM_ROBOT_KEYS":
        return json.dumps({robot: f"real-{robot}-key" for robot in LOCAL_ROBOT_KEYS})
    if name == "ORDERHUB_STAFF_TOKENS":
        return json.dumps({"a-real-token": {"name": "值班", "role": "ops"}})
    if name.endswith("_DATABASE_URL"):
        return "postgresql+asyncpg://role:password@db:5432/orderhub"
    if name.endswith(("_PARTNER_ID", "_SHOP_ID")):
        return "123"
    return f"deployment-value-of-{name.lower()}"


def _interpolate(match: re.Match[str]) -> str:
    """`${VAR:-default}` as its default, any other `${VAR...}` as a placeholder value."""
    return match.group(3) if match.group(2) == "-" else placeholder(match.group(1))


def assert_loads_in_production(deploy_files: Any, service: str, env: dict[str, str], mp: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith((RUNTIME_PREFIX, *(f"{s.upper()}_" for s in deploy_files.services))):
            mp.delenv(key)
    for key, value in env.items():
        mp.setenv(key, value)
    runtime = RuntimeSettings()
    assert runtime.env == "production"
    assert runtime.staff_directory(), "production needs staff tokens"
    settings = settings_class(deploy_files, service)()
    settings.refuse_development_secrets()
    if deploy_files.services[service][2]:
        assert settings.database_url.get_secret_value()


@pytest.mark.parametrize("service", ["ingest", "rules", "fulfillment", "aftersales", "notify", "insights", "console"])
def test_compose_service_settings(deploy_files: Any, service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    env = compose_env(deploy_files, service)
    known = env_names(settings_class(deploy_files, service)) | env_names(RuntimeSettings)
    assert sorted(set(env) - known) == [], f"{service}: settings no class reads"
    assert env["ORDERHUB_ENV"] == "production"
    assert env["ORDERHUB_KAFKA_BOOTSTRAP_SERVERS"] == "kafka-1:9092,kafka-2:9092,kafka-3:9092"
    for name in secret_names(deploy_files, service):
        assert name in env, f"{service}: {name} is not set"
        required = _REQUIRED_INTERPOLATION.findall(env[name])
        assert required, f"{service}: {name} must come from a required ${{VAR:?}}, not a written value"
    # Resolve the interpolations with placeholders, as `docker compose` does from deploy/.env.
    resolved = {key: _ANY_INTERPOLATION.sub(_interpolate, value) for key, value in env.items()}
    assert_loads_in_production(deploy_files, service, resolved, monkeypatch)


@pytest.mark.parametrize("service", ["ingest", "rules", "fulfillment", "aftersales", "notify", "insights", "console"])
def test_kubernetes_service_settings(deploy_files: Any, service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    container = deployment_container(deploy_files, service)
    plain, secrets = k8s_env(deploy_files, container)
    known = env_names(settings_class(deploy_files, service)) | env_names(RuntimeSettings)
    assert sorted((set(plain) | set(secrets)) - known) == [], f"{service}: settings no class reads"
    assert plain["ORDERHUB_ENV"] == "production"
    assert plain["ORDERHUB_KAFKA_BOOTSTRAP_SERVERS"]
    for name in secret_names(deploy_files, service):
        assert name in secrets, f"{service}: {name} must come from a Secret (secretKeyRef)"
        assert name not in plain, f"{service}: {name} is also written in a ConfigMap"
    # No secret setting at all is written into a ConfigMap or a value.
    cls = settings_class(deploy_files, service)
    prefix = str(cls.model_config.get("env_prefix", "")).upper()
    secret_fields = {prefix + n.upper() for n, f in cls.model_fields.items() if f.annotation is SecretStr}
    assert sorted(secret_fields & set(plain)) == []
    env = {**plain, **{name: placeholder(name) for name in secrets}}
    assert_loads_in_production(deploy_files, service, env, monkeypatch)


@pytest.mark.parametrize("service", ["ingest", "rules", "fulfillment", "aftersales", "notify", "insights"])
def test_migration_steps(deploy_files: Any, service: str) -> None:
    db_url = f"{service.upper()}_DATABASE_URL"
    migrate = deploy_files.compose["services"][f"{service}-migrate"]
    assert migrate["command"] == ["python", "-m", service, "migrate"]
    assert migrate["build"]["target"] == service and migrate["restart"] == "no"
    assert set(migrate["environment"]) <= env_names(settings_class(deploy_files, service)) | env_names(RuntimeSettings)
    assert _REQUIRED_INTERPOLATION.findall(str(migrate["environment"][db_url]))
    served = deploy_files.compose["services"][service]
    assert served["depends_on"][f"{service}-migrate"]["condition"] == "service_completed_successfully"
    assert served["depends_on"]["topics"]["condition"] == "service_completed_successfully"

    (job,) = [j for j in deploy_files.k8s_kind("Job") if j["metadata"]["name"] == f"{service}-migrate"]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python", "-m", service, "migrate"]
    assert container["image"].startswith(f"orderhub/{service}:")
    plain, secrets = k8s_env(deploy_files, container)
    assert db_url in secrets
    assert set(plain) | set(secrets) <= env_names(settings_class(deploy_files, service)) | env_names(RuntimeSettings)


@pytest.mark.parametrize("service", ["ingest", "rules", "fulfillment", "aftersales", "notify", "insights", "console"])
def test_image_env_and_ports_agree(deploy_files: Any, service: str) -> None:
    stage = deploy_files.dockerfile[service]
    env: dict[str, str] = {}
    chain = stage
    while True:  # the ENV of the stage and of every stage it is built FROM
        env = {**chain.env(), **env}
        if chain.base not in deploy_files.dockerfile:
            break
        chain = deploy_files.dockerfile[chain.base]
    known = env_names(settings_class(deploy_files, service)) | env_names(RuntimeSettings) | IMAGE_ENV
    assert sorted(set(env) - known) == []
    port = settings_class(deploy_files, service)().http_port
    prefix = f"{service.upper()}_"
    assert env[f"{prefix}HTTP_PORT"] == str(port) and env[f"{prefix}HTTP_HOST"] == "0.0.0.0"
    assert stage.all("EXPOSE") == [str(port)]
    assert deployment_container(deploy_files, service)["ports"] == [{"name": "http", "containerPort": port}]
    (k8s_service,) = [s for s in deploy_files.k8s_kind("Service") if s["metadata"]["name"] == service]
    assert k8s_service["spec"]["ports"][0]["port"] == port
    assert deploy_files.compose["services"][service]["ports"] == [f"127.0.0.1:{port}:{port}"]
    assert f"http://127.0.0.1:{port}/" in str(deploy_files.compose["services"][service]["healthcheck"]["test"])


def test_console_reaches_every_service_by_its_service_name(deploy_files: Any) -> None:
    compose = compose_env(deploy_files, "console")
    k8s, _ = k8s_env(deploy_files, deployment_container(deploy_files, "console"))
    for service, (module, name, _) in deploy_files.services.items():
        if service == "console":
            continue
        port = getattr(importlib.import_module(module), name)().http_port
        key = f"CONSOLE_{service.upper()}_URL"
        assert compose[key] == k8s[key] == f"http://{service}:{port}"


@pytest.mark.parametrize("service", ["ingest", "rules", "fulfillment", "aftersales", "notify"])
def test_systemd_environment_files(deploy_files: Any, service: str) -> None:
    """deploy/env/common.env and deploy/env/<service>.env (the systemd units' files) too."""
    known = env_names(settings_class(deploy_files, service)) | env_names(RuntimeSettings)
    names = set()
    for file_name in ("common.env", f"{service}.env"):
        for line in (deploy_files.root / "deploy" / "env" / file_name).read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                names.add(line.split("=", 1)[0].strip())
    assert sorted(names - known) == []
    assert {"ORDERHUB_ENV", "ORDERHUB_KAFKA_BOOTSTRAP_SERVERS", f"{service.upper()}_DATABASE_URL"} <= names
