"""`python -m orderhub_simulators miniprogram`: WeChat code2session (GET /sns/jscode2session), WeChat
Pay notifications pushed to ingest, and test controls (`/_sim/login`, `/_sim/pay`)."""

from __future__ import annotations

import contextlib
import random
from typing import Any

import httpx
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

from orderhub_simulators.channels.controls import push_router, push_status, stream_router
from orderhub_simulators.channels.douyin import samples
from orderhub_simulators.channels.miniprogram.customers import shop_once
from orderhub_simulators.channels.miniprogram.payapi import pay_router
from orderhub_simulators.channels.miniprogram.refundapi import refund_router
from orderhub_simulators.channels.miniprogram.state import WeixinState
from orderhub_simulators.registry import SimulatorSpec


class LoginIn(BaseModel):
    openid: str = ""


class PayIn(BaseModel):
    out_trade_no: str
    total_fen: int
    openid: str = ""


class CustomersIn(BaseModel):
    count: int = Field(default=1, ge=1, le=1000)
    ingest_url: str | None = None
    order: dict[str, Any] | None = None  # the order body to place (OrderHub's API); default: random
    pay: bool | None = None  # default: nine in ten pay
    ref: str = ""  # remember the order under this name (POST /_sim/customers/{ref}/pay)


def create_app(state: WeixinState | None = None) -> FastAPI:
    state = state or WeixinState()
    app = FastAPI(title="WeChat mini-program and WeChat Pay simulator")
    app.state.sim = state
    app.include_router(pay_router(state))
    app.include_router(refund_router(state))

    @app.get("/sns/jscode2session")
    async def jscode2session(
        appid: str = "", secret: str = "", js_code: str = "", grant_type: str = ""
    ) -> dict[str, Any]:
        if appid != state.appid:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if secret != state.app_secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        if grant_type != "authorization_code":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        openid = state.codes.pop(js_code, None)
        if openid is None:  # unknown, or already used: codes are single-use
            return {"errcode": 40029, "errmsg": "invalid code"}
        return {"openid": openid, "session_key": f"sk-{js_code[:8]}", "errcode": 0, "errmsg": "ok"}

    @app.post("/_sim/login")
    async def login(body: LoginIn) -> dict[str, str]:
        code, openid = state.login_code(body.openid)
        return {"code": code, "openid": openid}

    @app.post("/_sim/pay")
    async def pay(body: PayIn) -> dict[str, Any]:
        return {
            "transaction_id": await state.pay(
                out_trade_no=body.out_trade_no, total_fen=body.total_fen, openid=body.openid
            ),
            **push_status(state.pusher),
        }

    rng = random.Random()

    async def visit(body: CustomersIn | None = None) -> dict[str, Any]:
        share = 0.9 if body is None or body.pay is None else float(body.pay)
        order, ref = (None, "") if body is None else (body.order, body.ref)
        if state.pusher.http is not None:
            return await shop_once(state, state.pusher.http, rng, pay_share=share, body=order, ref=ref)
        async with httpx.AsyncClient(timeout=10.0) as http:
            return await shop_once(state, http, rng, pay_share=share, body=order, ref=ref)

    async def stream_one() -> None:
        with contextlib.suppress(httpx.HTTPError):  # OrderHub not up (yet): the next visit tries again
            await visit()

    app.include_router(stream_router(samples.OrderStream(stream_one), default_interval_s=5.0))
    app.include_router(push_router(state))

    @app.post("/_sim/customers")
    async def customers(body: CustomersIn) -> dict[str, Any]:
        """`count` customers log in, order through OrderHub's API and (most of them) pay."""
        if body.ingest_url:
            state.ingest_url = body.ingest_url.rstrip("/")
        return {"orders": [await visit(body) for _ in range(body.count)]}

    @app.post("/_sim/customers/{ref}/pay")
    async def pay_later(ref: str) -> dict[str, Any]:
        """The customer of an earlier visit pays now."""
        order = state.placed.get(ref)
        if order is None:
            raise HTTPException(404, f"no order remembered as {ref!r}")
        return {
            "transaction_id": await state.pay(out_trade_no=order["out_trade_no"], total_fen=order["amount_fen"]),
            "out_trade_no": order["out_trade_no"],
        }

    return app


SIMULATOR = SimulatorSpec(
    name="miniprogram",
    default_port=8713,
    create_app=create_app,
    description="WeChat /sns/jscode2session, WeChat Pay v3 jsapi + order query, notifications to /webhooks/wechatpay",
)
