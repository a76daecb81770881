"""The mini-program's part of `python -m orderhub_simulators --feed`: a sample order becomes a
customer visit (log in, order through OrderHub's API, pay or not); a later "paid" change makes that
customer pay. Other changes (address, memo, cancellation) are made in OrderHub itself for this
channel, not on a platform, so the feed leaves them out.

Not registered as the simulator's `SimulatorSpec.feed`: it needs a running ingest (customers order
through OrderHub's API), which `--feed` alone does not guarantee. Pass it explicitly where ingest is up."""

from __future__ import annotations

from typing import Any

import httpx


async def feed_miniprogram(client: httpx.AsyncClient, o: Any, event: str) -> str:
    """`o` is an `orderhub_simulators.feed.SampleOrder`; returns the out_trade_no."""
    ref = f"feed-{o.seq}"
    if event == "paid":
        response = await client.post(f"/_sim/customers/{ref}/pay")
        response.raise_for_status()
        return str(response.json()["out_trade_no"])
    if event != "created":
        return f"{ref} ({event}: not a platform change on the mini-program)"
    province, city, district, street, detail = o.place
    body = {
        # What the customer chose; OrderHub charges its catalogue's prices (see catalogue.py).
        "items": [{"sku": sku, "title": title, "quantity": qty} for sku, title, qty, _ in o.items],
        "receiver": {
            "name": o.name,
            "phone": o.phone,
            "province": province,
            "city": city or province,
            "district": district,
            "street": street,
            "detail": detail,
        },
        "buyer_remark": o.remark,
    }
    response = await client.post("/_sim/customers", json={"order": body, "pay": o.paid, "ref": ref})
    response.raise_for_status()
    return str(response.json()["orders"][0]["out_trade_no"])
