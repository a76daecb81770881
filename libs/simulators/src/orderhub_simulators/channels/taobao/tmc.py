"""The TMC message channel as a WebSocket at `/`, in the binary top-link format (`toplink`): a
CONNECT signed like a TOP call over app_key, group_name and timestamp (refused when the sign is
wrong or the timestamp stale), answered with a CONNECTACK carrying a token (or a status code and
phrase); data messages (SEND, __kind 3: id, topic, user_id, user_nick, pub_time, pub_app_key,
content); a confirm (SEND, __kind 2, id, with the token) per message; pull requests (__kind 1)."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import time
import uuid
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from orderhub_simulators.channels.taobao import toplink
from orderhub_simulators.channels.taobao.state import TaobaoState
from orderhub_simulators.channels.taobao.top import expected_sign

_MAX_SKEW_MS = 10 * 60 * 1000


def _authenticated(state: TaobaoState, connect: dict[str, Any]) -> str | None:
    if connect.get("_type") != toplink.CONNECT:
        return "first message must be connect"
    if connect.get("app_key") != state.app_key:
        return "invalid app_key"
    stamp = str(connect.get("timestamp", ""))
    if not stamp.isdigit() or abs(time.time() * 1000 - int(stamp)) > _MAX_SKEW_MS:
        return "invalid timestamp"  # a replayed connect message is refused
    signed = {k: str(connect.get(k, "")) for k in ("app_key", "group_name", "timestamp")}
    if not hmac.compare_digest(str(connect.get("sign", "")), expected_sign(signed, state.app_secret, "md5")):
        return "invalid sign"
    return None


async def _pump(state: TaobaoState, ws: WebSocket) -> None:
    while True:
        for pending in state.hub.due():
            body = {"__kind": toplink.KIND_DATA, "id": pending.id, "pub_app_key": "12345678", **pending.body}
            await ws.send_bytes(toplink.write(toplink.SEND, body))
        await state.hub.wait(min(state.hub.redeliver_after_s, 0.5))


def tmc_router(state: TaobaoState) -> APIRouter:
    router = APIRouter()

    @router.websocket("/")
    async def channel(ws: WebSocket) -> None:
        await ws.accept()
        try:
            error = _authenticated(state, toplink.read(await ws.receive_bytes()))
        except (ValueError, KeyError, IndexError, WebSocketDisconnect):
            error = "malformed connect message"
        if error:
            with contextlib.suppress(Exception):
                await ws.send_bytes(toplink.write(toplink.CONNECTACK, {}, status=401, phrase=error))
                await ws.close(code=1008)
            return
        token = uuid.uuid4().hex
        await ws.send_bytes(toplink.write(toplink.CONNECTACK, {}, token=token))
        state.hub.reset_deliveries()
        pump = asyncio.create_task(_pump(state, ws))
        try:
            while True:
                frame = toplink.read(await ws.receive_bytes())
                if frame.get("_token") != token or frame.get("_type") != toplink.SEND:
                    continue
                if frame.get("__kind") == toplink.KIND_CONFIRM:
                    state.hub.ack(int(frame.get("id") or 0))
                elif frame.get("__kind") == toplink.KIND_PULL:
                    state.hub.wake()
        except (WebSocketDisconnect, ValueError, KeyError, IndexError):
            pass
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pump

    return router
