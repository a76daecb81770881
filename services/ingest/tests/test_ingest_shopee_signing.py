"""Shopee push authorisation and v2 API signing: good, bad, missing, replayed, against the
documented recipes computed independently here."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from ingest.channels.base import PushRejected
from ingest.channels.shopee.push import verify_push
from ingest.channels.shopee.signing import api_sign
from ingest.settings import IngestSettings

CONFIG = IngestSettings().channel("shopee")
URL, KEY = "http://127.0.0.1:8001/webhooks/shopee", "local-shopee-secret"


def body(order_sn: str = "2411240ABCDE12", code: int = 3) -> bytes:
    push = {
        "msg_id": "a1b2",
        "data": {"ordersn": order_sn, "status": "READY_TO_SHIP", "update_time": 1732420800},
        "shop_id": 200001,
        "code": code,
        "timestamp": 1732420801,
    }
    return json.dumps(push, separators=(",", ":")).encode()


def auth(raw: bytes, url: str = URL, key: str = KEY) -> dict[str, str]:
    return {"authorization": hmac.new(key.encode(), url.encode() + b"|" + raw, hashlib.sha256).hexdigest()}


def test_good_authorization_names_the_order() -> None:
    raw = body()
    (notice,) = verify_push(CONFIG, auth(raw), raw)
    assert notice.ref.channel_order_no == "2411240ABCDE12" and notice.ref.shop_id == "200001"
    assert notice.msg_id == "a1b2" and notice.topic.startswith("code 3")


def test_missing_authorization_is_refused() -> None:
    with pytest.raises(PushRejected) as info:
        verify_push(CONFIG, {}, body())
    assert info.value.status == 401


def test_signature_over_the_body_alone_or_another_url_is_refused() -> None:
    raw = body()
    body_only = {"authorization": hmac.new(KEY.encode(), raw, hashlib.sha256).hexdigest()}
    with pytest.raises(PushRejected):
        verify_push(CONFIG, body_only, raw)
    with pytest.raises(PushRejected):
        verify_push(CONFIG, auth(raw, url="https://example.com/webhooks/shopee"), raw)
    with pytest.raises(PushRejected):
        verify_push(CONFIG, auth(raw, key="wrong-partner-key"), raw)


def test_replayed_authorization_on_another_body_is_refused() -> None:
    with pytest.raises(PushRejected):
        verify_push(CONFIG, auth(body()), body("2411240ZZZZZ99"))


def test_non_order_pushes_are_acknowledged_without_a_fetch() -> None:
    raw = body(code=12)
    assert verify_push(CONFIG, auth(raw), raw) == []


def test_order_push_without_an_order_is_refused() -> None:
    raw = json.dumps({"code": 3, "shop_id": 200001, "data": {}}).encode()
    with pytest.raises(PushRejected, match="ordersn"):
        verify_push(CONFIG, auth(raw), raw)


def test_api_sign_is_hmac_over_partner_path_time_token_shop() -> None:
    base = b"100001/api/v2/order/get_order_detail1732420800local-shopee-token200001"
    assert (
        api_sign(
            partner_id="100001",
            path="/api/v2/order/get_order_detail",
            timestamp="1732420800",
            access_token="local-shopee-token",
            shop_id="200001",
            partner_key=KEY,
        )
        == hmac.new(KEY.encode(), base, hashlib.sha256).hexdigest()
    )
