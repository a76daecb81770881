"""`python -m orderhub_simulators pinduoduo`: POP gateway, message service and test controls on one port."""

from __future__ import annotations

import itertools
import time
from random import Random
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

from orderhub_simulators.channels.controls import hub_router
from orderhub_simulators.channels.pinduoduo.gateway import gateway_router
from orderhub_simulators.channels.pinduoduo.messages import messages_router
from orderhub_simulators.channels.pinduoduo.state import MALL_ID, PddState, now_text
from orderhub_simulators.channels.taobao.generate import draft, pdd_order
from orderhub_simulators.registry import SimulatorSpec


class OrderIn(BaseModel):
    order_info: dict[str, Any]  # receiver fields in plaintext; the simulator stores them encrypted
    message_type: str = "pdd_trade_TradeConfirmed"
    mall_id: int = MALL_ID


class GenerateIn(BaseModel):
    count: int = Field(default=1, ge=1, le=10_000)
    seed: int | None = None


_serials = itertools.count(int(time.time()) * 1000)


def generate(state: PddState, rng: Random) -> str:
    """A realistic paid order (PII stored encrypted), announced on the message service; returns its order_sn."""
    order_sn = f"{time.strftime('%y%m%d')}-{next(_serials)}"
    state.put_order(pdd_order(draft(rng), order_sn, now_text()), "pdd_trade_TradeConfirmed")
    return order_sn


def create_app(state: PddState | None = None) -> FastAPI:
    state = state or PddState()
    rng = Random()
    app = FastAPI(title="Pinduoduo open platform simulator")
    app.state.sim = state
    app.include_router(gateway_router(state))
    app.include_router(messages_router(state))
    app.include_router(hub_router(state, "/_sim/messages"))

    @app.post("/_sim/orders")
    async def put_order(body: OrderIn) -> dict[str, Any]:
        return {"message_id": state.put_order(dict(body.order_info), body.message_type, body.mall_id)}

    @app.post("/_sim/generate")
    async def generate_orders(body: GenerateIn) -> dict[str, Any]:
        source = Random(body.seed) if body.seed is not None else rng
        return {"order_sns": [generate(state, source) for _ in range(body.count)]}

    return app


SIMULATOR = SimulatorSpec(
    name="pinduoduo",
    default_port=8715,
    create_app=create_app,
    description="POP gateway /api/router (information.get, increment, decrypt.batch) + /message/{id}/{ts}/{sign}",
)
