"""The PDD message-service (消息服务) client: a WebSocket at `/message/{client_id}/{ts_ms}/{sign}`;
`Common` frames are handed to the sink and only then acknowledged with an `Ack` frame (the service
sends unacknowledged ones again); a `HeartBeat` is sent periodically to keep the connection open."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Mapping
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from ingest.channels.base import PlatformError, PushSink
from ingest.channels.pinduoduo.push import sealed_headers
from ingest.channels.pinduoduo.signing import message_path
from ingest.settings import ChannelConfig

HEARTBEAT_S = 20.0
CONNECT_TIMEOUT_S = 10.0


def _now_ms() -> int:
    return int(time.time() * 1000)


def ack_frame(frame: Mapping[str, Any]) -> str:
    message: Mapping[str, Any] = frame.get("message") or {}
    return json.dumps(
        {
            "id": frame.get("id"),
            "commandType": "Ack",
            "time": _now_ms(),
            "sendTime": frame.get("sendTime"),
            "type": message.get("type"),
            "mallID": message.get("mallID"),
        }
    )


async def _heartbeat(ws: ClientConnection) -> None:
    while True:
        await asyncio.sleep(HEARTBEAT_S)
        await ws.send(json.dumps({"id": _now_ms(), "commandType": "HeartBeat", "time": _now_ms()}))


async def run_messages(config: ChannelConfig, sink: PushSink) -> None:
    """Connect and pump frames until the connection drops (then raise, to be restarted)."""
    url = config.message_url.rstrip("/") + message_path(config.app_key, _now_ms(), config.app_secret)
    async with websockets.connect(url, open_timeout=CONNECT_TIMEOUT_S) as ws:
        beat = asyncio.create_task(_heartbeat(ws))
        try:
            async for raw in ws:
                body = raw.encode() if isinstance(raw, str) else raw
                frame = json.loads(body)
                if not isinstance(frame, Mapping) or frame.get("commandType") != "Common":
                    continue
                await sink(sealed_headers(config, body, str(frame.get("id", ""))), body)
                await ws.send(ack_frame(frame))
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
    raise PlatformError("the PDD message service closed the connection")
