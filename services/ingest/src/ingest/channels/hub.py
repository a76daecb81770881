"""The channel adapters of a running ingest, built from settings. Each channel package provides
`ingest.channels.<name>.adapter.create_adapter(config, http)`; a channel whose package is not
there is simply not offered (so channels can be added without touching this module)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import cast

import httpx
from orderhub_runtime.app import ServiceContext
from orderhub_runtime.errors import NotFound

from ingest.channels.base import ChannelAdapter
from ingest.settings import ChannelConfig, IngestSettings

PLATFORM_CHANNELS = ("taobao", "pinduoduo", "douyin", "shopee")
HTTP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class _Factory:
    """Signature of `create_adapter` in each channel's `adapter` module."""

    def __call__(self, config: ChannelConfig, http: httpx.AsyncClient) -> ChannelAdapter:
        raise NotImplementedError


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
        factory = cast(_Factory, module.create_adapter)
        adapters[name] = factory(settings.channel(name), http)
    return adapters


def build_hub(settings: IngestSettings, http: httpx.AsyncClient | None = None) -> ChannelHub:
    client = http or httpx.AsyncClient(timeout=HTTP_TIMEOUT)
    return ChannelHub(settings, client, load_adapters(settings, client))


def get_hub(ctx: ServiceContext[IngestSettings]) -> ChannelHub:
    """The service's hub, built on first use (routes and background tasks share it)."""
    hub = ctx.extras.get("channel_hub")
    if hub is None:
        settings = ctx.spec.settings
        if not isinstance(settings, IngestSettings):
            raise TypeError("ingest runs with IngestSettings")
        hub = build_hub(settings)
        ctx.extras["channel_hub"] = hub
    return cast(ChannelHub, hub)
