"""The TMC (淘宝消息服务) client: a WebSocket long connection speaking the binary top-link protocol
(see `toplink`), authenticated by a CONNECT whose sign is the TOP md5 sign over app_key, group_name
and timestamp. Every data message is handed to the sink and only then confirmed (SEND, __kind
confirm, its id), so a message whose hand-over failed is delivered again by TMC. A pull request
every few seconds asks TMC for anything waiting."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

import websockets
from websockets.asyncio.client import ClientConnection

from ingest.channels.base import PlatformError, PushSink
from ingest.channels.taobao.push import sealed_headers
from ingest.channels.taobao.signing import SignMethod, top_sign
from ingest.channels.taobao.toplink import (
    CONNECT,
    CONNECTACK,
    KIND_CONFIRM,
    KIND_DATA,
    KIND_PULL,
    SEND,
    Frame,
    decode,
    encode,
)
from ingest.settings import ChannelConfig

GROUP = "default"  # the TMC user group the app's sellers are permitted into
CONNECT_TIMEOUT_S = 10.0
PULL_EVERY_S = 5.0


def connect_frame(config: ChannelConfig, *, timestamp_ms: int | None = None) -> bytes:
    stamp = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    signed = {"app_key": config.app_key, "group_name": GROUP, "timestamp": str(stamp)}
    content: dict[str, str | int | bytes | None] = {
        **signed,
        "sign": top_sign(signed, config.app_secret, SignMethod.MD5),
        "sdk": "orderhub-1.0",
    }
    return encode(Frame(CONNECT, content))


def message_body(frame: Frame) -> bytes:
    """A data message as the JSON archived and verified as the push (its fields, not the framing)."""
    fields = {k: v for k, v in frame.content.items() if k != "__kind" and not isinstance(v, bytes)}
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


async def _pull(ws: ClientConnection, token: str) -> None:
    while True:
        await ws.send(encode(Frame(SEND, {"__kind": KIND_PULL}, token=token)))
        await asyncio.sleep(PULL_EVERY_S)


async def run_tmc(config: ChannelConfig, sink: PushSink) -> None:
    """Connect, authenticate and pump messages until the connection drops (then raise, to be restarted)."""
    url = config.message_url.rstrip("/") + "/"
    async with websockets.connect(url, open_timeout=CONNECT_TIMEOUT_S) as ws:
        await ws.send(connect_frame(config))
        raw = await ws.recv()
        ack = decode(raw if isinstance(raw, bytes) else raw.encode())
        if ack.message_type != CONNECTACK or ack.status_code or not ack.token:
            raise PlatformError(f"TMC refused the connection: {ack.status_code} {ack.status_phrase or ''}".strip())
        token = ack.token
        puller = asyncio.create_task(_pull(ws, token))
        try:
            async for raw in ws:
                if not isinstance(raw, bytes):
                    continue
                frame = decode(raw)
                if frame.message_type != SEND or frame.content.get("__kind") != KIND_DATA:
                    continue
                message_id = frame.content.get("id")
                body = message_body(frame)
                await sink(sealed_headers(config, body, str(message_id)), body)
                await ws.send(encode(Frame(SEND, {"__kind": KIND_CONFIRM, "id": message_id}, token=token)))
        finally:
            puller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await puller
    raise PlatformError("TMC closed the connection")
