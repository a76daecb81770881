"""`python -m orderhub_simulators douyin`: the Douyin open API, HTTP message push and test controls."""

from __future__ import annotations

import random
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

from orderhub_simulators.channels.controls import push_router, stream_router
from orderhub_simulators.channels.douyin import generate, samples
from orderhub_simulators.channels.douyin.api import api_router
from orderhub_simulators.channels.douyin.state import DouyinState
from orderhub_simulators.registry import SimulatorSpec


class OrderIn(BaseModel):
    order: dict[str, Any]  # shop_order_detail with plaintext post_receiver / post_tel / post_addr.detail
    event: str = "create"  # create | paid | ship | cancel | address | memo, or a numeric tag


class GenerateIn(BaseModel):
    count: int = Field(default=1, ge=1, le=10_000)
    unpaid_share: float = Field(default=0.2, ge=0, le=1)  # created unpaid, paid by a later push
    seed: int | None = None


def create_app(state: DouyinState | None = None) -> FastAPI:
    state = state or DouyinState()
    app = FastAPI(title="Douyin shop open platform simulator")
    app.state.sim = state
    app.include_router(api_router(state))

    @app.post("/_sim/orders")
    async def put_order(body: OrderIn) -> dict[str, Any]:
        return {"msg_id": await state.put_order(body.order, body.event)}

    rng = random.Random()
    unpaid: list[str] = []

    async def make_one(unpaid_share: float, source: random.Random) -> str:
        """A new order pushed; an earlier unpaid one gets paid (and pushed) now and then."""
        if unpaid and source.random() < 0.5:
            await state.put_order(generate.paid_version(state.orders[unpaid.pop(0)]), "paid")
        order = generate.random_order(source, state.shop_id, paid=source.random() >= unpaid_share)
        if order["order_status"] == generate.UNPAID:
            unpaid.append(order["order_id"])
        await state.put_order(order, "create")
        return str(order["order_id"])

    async def stream_one() -> None:
        await make_one(0.2, rng)

    app.include_router(stream_router(samples.OrderStream(stream_one), default_interval_s=2.0))
    app.include_router(push_router(state))

    @app.post("/_sim/generate")
    async def generate_orders(body: GenerateIn) -> dict[str, Any]:
        """Create (and push) `count` realistic orders now."""
        source = random.Random(body.seed) if body.seed is not None else rng
        return {"order_ids": [await make_one(body.unpaid_share, source) for _ in range(body.count)]}

    return app


SIMULATOR = SimulatorSpec(
    name="douyin",
    default_port=8711,
    create_app=create_app,
    description="抖店 open API /order/{orderDetail,searchList,batchDecrypt} + HTTP push to ingest /webhooks/douyin",
)
