"""The message service: a WebSocket at `/message/{client_id}/{timestamp_ms}/{sign}` pushing
`Common` frames that the client acknowledges with `Ack` frames (unacknowledged ones come again),
answering `HeartBeat` frames in kind."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from orderhub_simulators.channels.pinduoduo.pop import message_sign_ok
from orderhub_simulators.channels.pinduoduo.state import PddState

_MAX_SKEW_MS = 10 * 60 * 1000


def _now_ms() -> int:
    return int(time.time() * 1000)


async def _pump(state: PddState, ws: WebSocket) -> None:
    while True:
        for p in state.hub.due():
            frame = {
                "id": p.id,
                "commandType": "Common",
                "time": _now_ms(),
                "sendTime": p.body["sendTime"],
                "message": {"type": p.body["type"], "mallID": p.body["mallID"], "content": p.body["content"]},
            }
            await ws.send_text(json.dumps(frame))
        await state.hub.wait(min(state.hub.redeliver_after_s, 0.5))


def messages_router(state: PddState) -> APIRouter:
    router = APIRouter()

    @router.websocket("/message/{client_id}/{timestamp}/{sign}")
    async def stream(ws: WebSocket, client_id: str, timestamp: str, sign: str) -> None:
        fresh = timestamp.isdigit() and abs(_now_ms() - int(timestamp)) <= _MAX_SKEW_MS
        if (
            client_id != state.client_id
            or not fresh
            or not message_sign_ok(client_id, timestamp, sign, state.client_secret)
        ):
            await ws.close(code=1008)  # the handshake is refused before it is accepted
            return
        await ws.accept()
        state.hub.reset_deliveries()
        pump = asyncio.create_task(_pump(state, ws))
        try:
            while True:
                frame = json.loads(await ws.receive_text())
                if frame.get("commandType") == "Ack":
                    state.hub.ack(int(frame.get("id", 0)))
                elif frame.get("commandType") == "HeartBeat":
                    await ws.send_text(json.dumps({"id": _now_ms(), "commandType": "HeartBeat", "time": _now_ms()}))
        except (WebSocketDisconnect, json.JSONDecodeError, ValueError, TypeError):
            pass
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pump

    return router
