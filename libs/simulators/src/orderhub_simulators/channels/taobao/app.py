"""`python -m orderhub_simulators taobao`: the TOP gateway, TMC and test controls on one port."""

from __future__ import annotations

import itertools
import time
from random import Random
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

from orderhub_simulators.channels.controls import hub_router
from orderhub_simulators.channels.taobao.gateway import gateway_router
from orderhub_simulators.channels.taobao.generate import draft, taobao_trade
from orderhub_simulators.channels.taobao.state import SELLER_ID, TaobaoState, now_text
from orderhub_simulators.channels.taobao.tmc import tmc_router
from orderhub_simulators.registry import SimulatorSpec


class TradeIn(BaseModel):
    trade: dict[str, Any]
    topic: str = "taobao_trade_TradeBuyerPay"
    receiver: dict[str, Any] | None = None  # plaintext receiver behind trade["oaid"]
    seller_id: str = "local-taobao-shop"


class GenerateIn(BaseModel):
    count: int = Field(default=1, ge=1, le=10_000)
    seed: int | None = None


_tids = itertools.count(int(time.time()) * 1000)


def generate(state: TaobaoState, rng: Random) -> int:
    """A realistic paid trade, stored with its OAID plaintext and announced on TMC; returns its tid."""
    tid = next(_tids)
    trade, receiver = taobao_trade(draft(rng), tid, now_text())
    state.receivers[str(trade["oaid"])] = receiver
    state.put_trade(trade, "taobao_trade_TradeBuyerPay", SELLER_ID)
    return tid


def create_app(state: TaobaoState | None = None) -> FastAPI:
    state = state or TaobaoState()
    rng = Random()
    app = FastAPI(title="Taobao open platform simulator")
    app.state.sim = state
    app.include_router(gateway_router(state))
    app.include_router(tmc_router(state))
    app.include_router(hub_router(state, "/_sim/tmc"))

    @app.post("/_sim/trades")
    async def put_trade(body: TradeIn) -> dict[str, Any]:
        if body.receiver is not None and body.trade.get("oaid"):
            state.receivers[str(body.trade["oaid"])] = body.receiver
        message_id = state.put_trade(dict(body.trade), body.topic, body.seller_id)
        return {"message_id": message_id}

    @app.post("/_sim/generate")
    async def generate_trades(body: GenerateIn) -> dict[str, Any]:
        source = Random(body.seed) if body.seed is not None else rng
        return {"tids": [str(generate(state, source)) for _ in range(body.count)]}

    return app


SIMULATOR = SimulatorSpec(
    name="taobao",
    default_port=8714,
    create_app=create_app,
    description="TOP gateway /router/rest (fullinfo, increment, oaid.decrypt) + TMC WebSocket at /",
)
