"""Test-control endpoints the channel simulators share: fault injection (drop / duplicate / reorder) on
HTTP pushes and on hub messages, and the background order stream (`make run`). Each router reads the
pusher or hub from the state on every request, so a test may swap or rebind it after the app is built."""

from __future__ import annotations

from typing import Any, Protocol

from fastapi import APIRouter
from pydantic import BaseModel, Field

from orderhub_simulators.channels.douyin.pushes import HttpPusher, PushControls
from orderhub_simulators.channels.douyin.samples import OrderStream
from orderhub_simulators.channels.taobao.hub import Controls, MessageHub

FAULTS = ("drop_next", "duplicate_next", "reorder")


class PushingState(Protocol):
    pusher: HttpPusher


class HubState(Protocol):
    hub: MessageHub


class PushControlsIn(BaseModel):
    drop_next: int | None = None
    duplicate_next: int | None = None
    reorder: bool | None = None
    push_url: str | None = None


class HubControlsIn(BaseModel):
    drop_next: int | None = None
    duplicate_next: int | None = None
    reorder: bool | None = None
    redeliver_after_s: float | None = None


class StreamIn(BaseModel):
    interval_s: float | None = Field(default=None, gt=0)  # None: the simulator's own default


def apply_faults(body: PushControlsIn | HubControlsIn, controls: PushControls | Controls) -> None:
    """Set the fault controls the request names; the ones it leaves out keep their value."""
    for name in FAULTS:
        value = getattr(body, name)
        if value is not None:
            setattr(controls, name, value)


def push_status(pusher: HttpPusher) -> dict[str, Any]:
    return {
        "push_url": pusher.target_url,
        "held": [h.id for h in pusher.held],
        "dropped": pusher.dropped,
        "delivered": pusher.delivered[-50:],
    }


def push_router(state: PushingState) -> APIRouter:
    """POST /_sim/push/controls, POST /_sim/push/flush (send held pushes) and GET /_sim/push."""
    router = APIRouter()

    @router.post("/_sim/push/controls")
    async def controls(body: PushControlsIn) -> dict[str, Any]:
        apply_faults(body, state.pusher.controls)
        if body.push_url:
            state.pusher.target_url = body.push_url
        return push_status(state.pusher)

    @router.post("/_sim/push/flush")
    async def flush() -> dict[str, Any]:
        return {"sent": await state.pusher.flush(), **push_status(state.pusher)}

    @router.get("/_sim/push")
    async def pushes() -> dict[str, Any]:
        return push_status(state.pusher)

    return router


def hub_status(hub: MessageHub) -> dict[str, Any]:
    return {"pending": sorted(hub.pending), "acked": hub.acked, "dropped": hub.dropped}


def hub_router(state: HubState, prefix: str) -> APIRouter:
    """POST {prefix}/controls and GET {prefix}, e.g. /_sim/tmc for Taobao's TMC."""
    router = APIRouter()

    @router.post(f"{prefix}/controls")
    async def controls(body: HubControlsIn) -> dict[str, Any]:
        apply_faults(body, state.hub.controls)
        if body.redeliver_after_s is not None:
            state.hub.redeliver_after_s = body.redeliver_after_s
        return hub_status(state.hub)

    @router.get(prefix)
    async def hub() -> dict[str, Any]:
        return hub_status(state.hub)

    return router


def stream_router(stream: OrderStream, default_interval_s: float) -> APIRouter:
    """POST /_sim/stream starts `stream` (every `interval_s`, for `make run`); DELETE /_sim/stream stops it."""
    router = APIRouter()

    @router.post("/_sim/stream")
    async def start_stream(body: StreamIn) -> dict[str, Any]:
        interval_s = default_interval_s if body.interval_s is None else body.interval_s
        stream.start(interval_s)
        return {"streaming": True, "interval_s": interval_s}

    @router.delete("/_sim/stream")
    async def stop_stream() -> dict[str, Any]:
        await stream.stop()
        return {"streaming": False}

    return router
