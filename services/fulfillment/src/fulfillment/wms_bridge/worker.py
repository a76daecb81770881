"""The background loop of the WMS bridge: one round at start (catching up) and then every poll."""

from __future__ import annotations

import asyncio

import structlog
from orderhub_runtime.app import ServiceContext

from fulfillment.deps import FulfillmentDeps
from fulfillment.wms_bridge import files
from fulfillment.wms_bridge.service import BridgeConfig, tick

log = structlog.get_logger("fulfillment.wms_bridge")


async def wms_bridge_worker(ctx: ServiceContext[FulfillmentDeps]) -> None:
    deps = ctx.deps
    config = BridgeConfig.of(deps.settings)
    try:
        await asyncio.to_thread(files.ensure_folders, config.folders)
    except OSError as exc:
        log.warning("wms_bridge.folders_unavailable", error=repr(exc))
    while True:
        try:
            await tick(ctx.db, config, deps.printer, deps.clock())
        except Exception as exc:  # a folder or the database away for a moment: the next round retries
            log.warning("wms_bridge.round_failed", error=repr(exc))
        await asyncio.sleep(deps.settings.wms_poll_s)
