"""`python -m orderhub_simulators shopee`: the Shopee v2 order API, HTTP push and test controls."""

from __future__ import annotations

import random
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

from orderhub_simulators.channels.controls import push_router, stream_router
from orderhub_simulators.channels.douyin import samples
from orderhub_simulators.channels.shopee import generate
from orderhub_simulators.channels.shopee.api import api_router
from orderhub_simulators.channels.shopee.state import ORDER_STATUS_PUSH, ShopeeState
from orderhub_simulators.registry import SimulatorSpec


class OrderIn(BaseModel):
    order: dict[str, Any]  # as get_order_detail returns it; amounts as JSON numbers in MYR
    code: int = ORDER_STATUS_PUSH


class GenerateIn(BaseModel):
    count: int = Field(default=1, ge=1, le=10_000)
    unpaid_share: float = Field(default=0.2, ge=0, le=1)
    seed: int | None = None


def create_app(state: ShopeeState | None = None) -> FastAPI:
    state = state or ShopeeState()
    app = FastAPI(title="Shopee open platform simulator")
    app.state.sim = state
    app.include_router(api_router(state))

    @app.post("/_sim/orders")
    async def put_order(body: OrderIn) -> dict[str, Any]:
        return {"msg_id": await state.put_order(body.order, body.code)}

    rng = random.Random()
    unpaid: list[str] = []

    async def make_one(unpaid_share: float, source: random.Random) -> str:
        if unpaid and source.random() < 0.5:
            await state.put_order(generate.paid_version(state.orders[unpaid.pop(0)]))
        order = generate.random_order(source, paid=source.random() >= unpaid_share)
        if order["order_status"] == "UNPAID":
            unpaid.append(order["order_sn"])
        await state.put_order(order)
        return str(order["order_sn"])

    async def stream_one() -> None:
        await make_one(0.2, rng)

    app.include_router(stream_router(samples.OrderStream(stream_one), default_interval_s=3.0))
    app.include_router(push_router(state))

    @app.post("/_sim/generate")
    async def generate_orders(body: GenerateIn) -> dict[str, Any]:
        """Create (and push) `count` realistic orders now."""
        source = random.Random(body.seed) if body.seed is not None else rng
        return {"order_sns": [await make_one(body.unpaid_share, source) for _ in range(body.count)]}

    return app


SIMULATOR = SimulatorSpec(
    name="shopee",
    default_port=8712,
    create_app=create_app,
    description="Shopee v2 /api/v2/order/{get_order_detail,get_order_list} + HTTP push to ingest /webhooks/shopee",
)
