"""The TMC message channel as a WebSocket at `/`. It keeps TMC's exchange — a connect message
signed like a TOP call over app_key, group_name and timestamp, answered with a token; pushed
messages {id, topic, user_id, content}; a confirm per message id — as JSON text frames (the real
service encodes the same messages in a binary frame format that the TOP SDKs implement)."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import uuid
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from orderhub_simulators.channels.taobao.state import TaobaoState
from orderhub_simulators.channels.taobao.top import expected_sign


def _authenticated(state: TaobaoState, connect: dict[str, Any]) -> str | None:
    if connect.get("type") != "connect":
        return "first message must be connect"
    content = {k: str(v) for k, v in (connect.get("content") or {}).items()}
    if content.get("app_key") != state.app_key:
        return "invalid app_key"
    signed = {k: content.get(k, "") for k in ("app_key", "group_name", "timestamp")}
    if not hmac.compare_digest(content.get("sign", ""), expected_sign(signed, state.app_secret, "md5")):
        return "invalid sign"
    return None


async def _pump(state: TaobaoState, ws: WebSocket) -> None:
    while True:
        for pending in state.hub.due():
            await ws.send_text(
                json.dumps({"type": "send", "content": {"id": pending.id, **pending.body}}, ensure_ascii=False)
            )
        await state.hub.wait(min(state.hub.redeliver_after_s, 0.5))


def tmc_router(state: TaobaoState) -> APIRouter:
    router = APIRouter()

    @router.websocket("/")
    async def channel(ws: WebSocket) -> None:
        await ws.accept()
        try:
            error = _authenticated(state, json.loads(await ws.receive_text()))
        except (json.JSONDecodeError, WebSocketDisconnect):
            return
        if error:
            await ws.send_text(json.dumps({"type": "connectack", "statusCode": 401, "statusPhrase": error}))
            await ws.close(code=1008)
            return
        token = uuid.uuid4().hex
        await ws.send_text(json.dumps({"type": "connectack", "statusCode": 0, "token": token}))
        state.hub.reset_deliveries()
        pump = asyncio.create_task(_pump(state, ws))
        try:
            while True:
                frame = json.loads(await ws.receive_text())
                if frame.get("type") == "confirm" and frame.get("token") == token:
                    state.hub.ack(int((frame.get("content") or {}).get("id", 0)))
        except (WebSocketDisconnect, json.JSONDecodeError, ValueError):
            pass
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pump

    return router
