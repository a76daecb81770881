"""The channel adapters of a running ingest, built from settings. Each channel package provides
`ingest.channels.<name>.adapter.create_adapter(config, http)`; a channel whose package is not
there is simply not offered (so channels can be added without touching this module)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Protocol, TypeGuard

import httpx
from orderhub_runtime.errors import NotFound

from ingest.channels.base import ChannelAdapter
from ingest.settings import ChannelConfig, IngestSettings

PLATFORM_CHANNELS = ("taobao", "pinduoduo", "douyin", "shopee")
HTTP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class AdapterModule(Protocol):
    """What each channel's `adapter` module offers: `create_adapter(config, http)`."""

    def create_adapter(self, config: ChannelConfig, http: httpx.AsyncClient) -> ChannelAdapter: ...


@dataclass
class ChannelHub:
    settings: IngestSettings
    http: httpx.AsyncClient
    adapters: dict[str, ChannelAdapter] = field(default_factory=dict)

    def adapter(self, channel: str) -> ChannelAdapter:
        found = self.adapters.get(channel)
        if found is None:
            raise NotFound(f"channel {channel!r} is not available", details={"available": sorted(self.adapters)})
        return found

    async def aclose(self) -> None:
        await self.http.aclose()


def load_adapters(settings: IngestSettings, http: httpx.AsyncClient) -> dict[str, ChannelAdapter]:
    adapters: dict[str, ChannelAdapter] = {}
    for name in PLATFORM_CHANNELS:
        try:
            module = importlib.import_module(f"ingest.channels.{name}.adapter")
        except ModuleNotFoundError as exc:
            if exc.name != f"ingest.channels.{name}.adapter" and exc.name != f"ingest.channels.{name}":
                raise
            continue
        if not _is_adapter_module(module):
            raise TypeError(f"{module.__name__} has no create_adapter(config, http)")
        adapters[name] = module.create_adapter(settings.channel(name), http)
    return adapters


def _is_adapter_module(module: object) -> TypeGuard[AdapterModule]:
    return callable(getattr(module, "create_adapter", None))


def build_hub(settings: IngestSettings, http: httpx.AsyncClient | None = None) -> ChannelHub:
    client = http or httpx.AsyncClient(timeout=HTTP_TIMEOUT)
    return ChannelHub(settings, client, load_adapters(settings, client))
