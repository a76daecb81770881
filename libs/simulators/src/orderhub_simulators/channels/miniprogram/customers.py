"""Mini-program customers for `make run`: each logs in (wx.login code → OrderHub's session API, which
calls this simulator's code2session), places an order through OrderHub's API and pays, which makes
WeChat Pay notify OrderHub. Some customers never pay, as in real life."""

from __future__ import annotations

import random
from typing import Any

import httpx

from orderhub_simulators.channels.douyin import samples
from orderhub_simulators.channels.miniprogram.state import WeixinState


def order_body(rng: random.Random) -> dict[str, Any]:
    province, city, district, street, detail = samples.address(rng)
    return {
        # The mini-program sends what the customer chose; OrderHub prices it from its catalogue.
        "items": [{"sku": sku, "title": title, "quantity": qty} for sku, title, _, qty in samples.lines(rng)],
        "receiver": {
            "name": samples.name(rng),
            "phone": samples.mobile(rng),
            "province": province,
            "city": city,
            "district": district,
            "street": street,
            "detail": detail,
        },
        "buyer_remark": rng.choice(samples.REMARKS),
    }


async def shop_once(
    state: WeixinState,
    http: httpx.AsyncClient,
    rng: random.Random,
    *,
    pay_share: float = 0.9,
    body: dict[str, Any] | None = None,
    ref: str = "",
) -> dict[str, Any]:
    """One customer visit against OrderHub at `state.ingest_url`; returns the order as OrderHub shows it.
    `body` is the order to place (default: a random one); `ref` remembers it for a later payment."""
    code, _ = state.login_code()
    login = await http.post(f"{state.ingest_url}/v1/miniprogram/session", json={"code": code})
    login.raise_for_status()
    auth = {"Authorization": f"Bearer {login.json()['token']}"}
    placed = await http.post(f"{state.ingest_url}/v1/miniprogram/orders", json=body or order_body(rng), headers=auth)
    placed.raise_for_status()
    order: dict[str, Any] = placed.json()
    if ref:
        state.placed[ref] = order
    if rng.random() < pay_share:
        await state.pay(out_trade_no=order["out_trade_no"], total_fen=order["amount_fen"])
    return order
