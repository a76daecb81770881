"""`python -m orderhub_simulators taobao`: the TOP gateway, TMC and test controls on one port."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from orderhub_simulators.channels.taobao.gateway import gateway_router
from orderhub_simulators.channels.taobao.state import TaobaoState
from orderhub_simulators.channels.taobao.tmc import tmc_router
from orderhub_simulators.registry import SimulatorSpec


class TradeIn(BaseModel):
    trade: dict[str, Any]
    topic: str = "taobao_trade_TradeBuyerPay"
    receiver: dict[str, Any] | None = None  # plaintext receiver behind trade["oaid"]
    seller_id: str = "local-taobao-shop"


class ControlsIn(BaseModel):
    drop_next: int | None = None
    duplicate_next: int | None = None
    reorder: bool | None = None
    redeliver_after_s: float | None = None


def create_app(state: TaobaoState | None = None) -> FastAPI:
    state = state or TaobaoState()
    app = FastAPI(title="Taobao open platform simulator")
    app.state.sim = state
    app.include_router(gateway_router(state))
    app.include_router(tmc_router(state))

    @app.post("/_sim/trades")
    async def put_trade(body: TradeIn) -> dict[str, Any]:
        if body.receiver is not None and body.trade.get("oaid"):
            state.receivers[str(body.trade["oaid"])] = body.receiver
        message_id = state.put_trade(dict(body.trade), body.topic, body.seller_id)
        return {"message_id": message_id}

    @app.post("/_sim/tmc/controls")
    async def controls(body: ControlsIn) -> dict[str, Any]:
        for name in ("drop_next", "duplicate_next", "reorder"):
            value = getattr(body, name)
            if value is not None:
                setattr(state.hub.controls, name, value)
        if body.redeliver_after_s is not None:
            state.hub.redeliver_after_s = body.redeliver_after_s
        return {"pending": sorted(state.hub.pending), "acked": state.hub.acked, "dropped": state.hub.dropped}

    @app.get("/_sim/tmc")
    async def tmc_status() -> dict[str, Any]:
        return {"pending": sorted(state.hub.pending), "acked": state.hub.acked, "dropped": state.hub.dropped}

    return app


SIMULATOR = SimulatorSpec(
    name="taobao",
    default_port=8714,
    create_app=create_app,
    description="TOP gateway /router/rest (fullinfo, increment, oaid.decrypt) + TMC WebSocket at /",
)
