"""The live stream for the customer-service screen: new anomalies as server-sent events, each
with the popup text to show (e.g. 「触发限购规则，需人工复核身份」).

Raising an anomaly sends a Postgres NOTIFY in the same transaction, so a stream only ever
shows anomalies that were committed, from whichever instance raised them. Each open stream
holds one listening connection: a screen per customer-service agent, a handful at a time."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from orderhub_runtime.app import DatabaseDep
from orderhub_runtime.bus.relay import asyncpg_dsn
from orderhub_runtime.db import Database
from orderhub_runtime.logging import get_logger

from rules.anomalies import repository as repo
from rules.anomalies.service import ANOMALY_CHANNEL
from rules.deps import Deps, Reader
from rules.engine.ruleset import LEVEL_NAMES

log = get_logger(__name__)
router = APIRouter(prefix="/v1/anomalies", tags=["anomalies"])
KEEP_ALIVE_S = 15.0


def popup_text(anomaly: repo.Anomaly) -> str:
    """The rule's own popup text, or its ID, name and level when it has none."""
    for action in anomaly.actions:
        if action.get("kind") == "popup" and action.get("text"):
            return str(action["text"])
    return f"{anomaly.rule_id} {anomaly.rule_name}（{LEVEL_NAMES.get(anomaly.level, anomaly.level)}）"


def frame(anomaly: repo.Anomaly) -> str:
    data: dict[str, Any] = {
        "anomaly_id": str(anomaly.anomaly_id),
        "order_id": anomaly.order_id,
        "rule_id": anomaly.rule_id,
        "rule_name": anomaly.rule_name,
        "level": anomaly.level,
        "level_name": LEVEL_NAMES.get(anomaly.level, ""),
        "holds": anomaly.holds,
        "popup": popup_text(anomaly),
        "province": anomaly.province,
        "channel": anomaly.channel,
        "raised_at": anomaly.raised_at.isoformat(),
        "evidence": anomaly.evidence,  # phones already masked
    }
    return f"id: {anomaly.anomaly_id}\nevent: anomaly\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def anomaly_feed(
    dsn: str,
    db: Database,
    *,
    min_level: int = 1,
    keep_alive_s: float = KEEP_ALIVE_S,
    disconnected: Callable[[], Any] | None = None,
) -> AsyncIterator[str]:
    """SSE frames: a comment once listening, then one `anomaly` event per new anomaly of at
    least `min_level`, and a keep-alive comment when nothing happened for `keep_alive_s`."""
    arrived: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(dsn)
    try:
        await listener.add_listener(ANOMALY_CHANNEL, lambda *args: arrived.put_nowait(args[-1]))
        yield ": listening\n\n"
        while True:
            try:
                payload = await asyncio.wait_for(arrived.get(), timeout=keep_alive_s)
            except TimeoutError:
                if disconnected is not None and await disconnected():
                    return
                yield ": keep-alive\n\n"
                continue
            async with db.read() as conn:
                anomaly = await repo.get(conn, uuid.UUID(payload))
            if anomaly is not None and anomaly.level >= min_level:
                yield frame(anomaly)
    finally:
        await listener.close()


@router.get("/stream", response_class=StreamingResponse)
async def stream(
    request: Request,
    deps: Deps,
    db: DatabaseDep,
    _: Reader,
    min_level: Annotated[int, Query(ge=1, le=3, description="only anomalies of this level or above")] = 1,
) -> StreamingResponse:
    """New anomalies as they are raised (text/event-stream; event `anomaly`, JSON data with
    the popup text)."""
    dsn = asyncpg_dsn(deps.settings.database_url.get_secret_value())
    feed = anomaly_feed(dsn, db, min_level=min_level, disconnected=request.is_disconnected)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(feed, media_type="text/event-stream", headers=headers)
