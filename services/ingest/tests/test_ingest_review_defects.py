"""Defects from the operations review: ops IDs past 64 bits, phone numbers typed into remarks,
bidirectional control characters in a receiver's name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from ingest.orders.text import bidi_controls_in, clean_receiver, mask_phones, without_bidi_controls
from orderhub_contracts.address import Receiver

pytestmark = pytest.mark.asyncio(loop_scope="session")
Body = Callable[..., dict[str, Any]]
CS = {"Authorization": "Bearer local-cs"}
OPS = {"Authorization": "Bearer local-ops"}
PAST_64_BITS = 2**63  # one more than the largest bigint


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", f"/v1/ops/pushes/{PAST_64_BITS}/replay"),
        ("GET", f"/v1/ops/pushes/{PAST_64_BITS}"),
        ("POST", f"/v1/ops/fetches/{PAST_64_BITS}/retry"),
        ("GET", f"/v1/ops/pushes?before_id={PAST_64_BITS}"),
        ("GET", f"/v1/ops/pushes/{10**30}"),
    ],
)
async def test_an_ops_id_past_64_bits_is_a_clear_422(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path, headers=OPS)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert "9223372036854775807" in error["details"][0]["problem"]  # says what the largest ID is


async def test_phone_numbers_in_remarks_are_masked_in_search_but_shown_on_the_order_page(
    client: httpx.AsyncClient, order_body: Body
) -> None:
    body = order_body(buyer_remark="到了打 139-0000-1234 或 13800005678", seller_memo="改约+86 13711112222")
    placed = await client.post("/v1/orders", json=body, headers=CS)
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["order_id"]
    found = await client.get("/v1/orders/search", params={"order_id": order_id}, headers=CS)
    (hit,) = found.json()["results"]
    assert hit["buyer_remark"] == "到了打 139****1234 或 138****5678"
    assert hit["seller_memo"] == "改约137****2222"
    page = await client.get(f"/v1/orders/{order_id}", headers=CS)
    assert "13800005678" in page.json()["buyer_remark"]  # staff reading the order itself see them


@pytest.mark.parametrize("name", ["\u202e三张", "张\u2066三\u2069", "\u200f张三"])
async def test_a_receiver_name_with_bidi_controls_is_refused(
    client: httpx.AsyncClient, order_body: Body, name: str
) -> None:
    body = order_body()
    body["receiver"] = {**body["receiver"], "name": name}
    response = await client.post("/v1/orders", json=body, headers=CS)
    assert response.status_code == 422, response.text
    (detail,) = response.json()["error"]["details"]
    assert detail["field"] == "receiver.name"
    assert "bidirectional control characters" in detail["problem"] and bidi_controls_in(name)[0] in detail["problem"]


async def test_bidi_controls_are_named_and_stripped() -> None:
    assert bidi_controls_in("a\u202eb\u202ec\u2066") == ["U+202E", "U+2066"]
    assert without_bidi_controls("\u202e张三\u200e") == "张三"
    receiver = Receiver(name="\u202e张三", phone="13812345678", detail="文三路\u2067100号")
    assert clean_receiver(receiver) == Receiver(name="张三", phone="13812345678", detail="文三路100号")
    plain = Receiver(name="张三")
    assert clean_receiver(plain) is plain


async def test_mobile_numbers_in_text_are_masked_however_they_are_typed() -> None:
    assert mask_phones("电话13812345678") == "电话138****5678"
    assert mask_phones("138 1234 5678 / 138-1234-5678") == "138****5678 / 138****5678"
    assert mask_phones("+86 13812345678, 8613812345678") == "138****5678, 138****5678"
    assert mask_phones("订单 20261124123456789 金额 12345678901") == "订单 20261124123456789 金额 12345678901"
    assert mask_phones("周末送货") == "周末送货"
