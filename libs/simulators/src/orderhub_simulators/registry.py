"""Simulators register themselves by exposing `SIMULATOR = SimulatorSpec(...)` in any module
under `orderhub_simulators.providers` or `orderhub_simulators.channels`. A channel simulator may
also bring a `feed`: how to put one realistic order (or a change to it) into it, used by
`python -m orderhub_simulators --feed`; the built-in feeds are in `orderhub_simulators.feed`."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

if TYPE_CHECKING:
    import httpx

_PACKAGES = ("orderhub_simulators.providers", "orderhub_simulators.channels")

# feed(client with the simulator's base URL, a feed.SampleOrder, event) -> the platform order number
SimulatorFeed = Callable[["httpx.AsyncClient", Any, str], Awaitable[str]]


@dataclass(frozen=True)
class SimulatorSpec:
    name: str  # e.g. "aliyun-sms", "douyin"
    default_port: int
    create_app: Callable[[], FastAPI]
    description: str = ""
    feed: SimulatorFeed | None = None


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
