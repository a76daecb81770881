"""The ingest service's own dependencies, built once by `main.create_app` (never at import time)
and handed to routes (`Deps`), message handlers and background tasks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from orderhub_runtime.app import provided
from orderhub_runtime.settings import RuntimeSettings

from ingest.channels.hub import ChannelHub, build_hub
from ingest.channels.miniprogram.config import pay_config
from ingest.channels.miniprogram.wechatpay import PayConfig
from ingest.search.plan import StatsCache
from ingest.settings import IngestSettings


@dataclass(frozen=True)
class IngestDeps:
    settings: IngestSettings
    hub: ChannelHub  # the channel adapters and the HTTP client they (and WeChat) share
    pay: PayConfig  # WeChat Pay for the mini-program
    search_stats: StatsCache


def build_deps(settings: IngestSettings, runtime: RuntimeSettings) -> IngestDeps:
    return IngestDeps(
        settings=settings,
        hub=build_hub(settings),
        pay=pay_config(settings, local=runtime.is_local),
        search_stats=StatsCache(),
    )


Deps = Annotated[IngestDeps, Depends(provided(IngestDeps))]
