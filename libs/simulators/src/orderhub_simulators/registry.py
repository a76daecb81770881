"""Simulators register themselves by exposing `SIMULATOR = SimulatorSpec(...)` in any module
under `orderhub_simulators.providers` or `orderhub_simulators.channels`."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI

_PACKAGES = ("orderhub_simulators.providers", "orderhub_simulators.channels")


@dataclass(frozen=True)
class SimulatorSpec:
    name: str  # e.g. "aliyun-sms", "douyin"
    default_port: int
    create_app: Callable[[], FastAPI]
    description: str = ""


def discover() -> dict[str, SimulatorSpec]:
    found: dict[str, SimulatorSpec] = {}
    for package_name in _PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            module = importlib.import_module(info.name)
            spec = getattr(module, "SIMULATOR", None)
            if isinstance(spec, SimulatorSpec):
                if spec.name in found:
                    raise RuntimeError(f"two simulators are named {spec.name!r}")
                found[spec.name] = spec
    return found
