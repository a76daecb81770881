"""Douyin push and API signatures: good, bad, missing and replayed, checked against the documented
recipes computed independently here."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from ingest.channels.base import PushRejected
from ingest.channels.douyin.push import verify_push
from ingest.channels.douyin.signing import api_sign, param_json
from ingest.settings import IngestSettings

CONFIG = IngestSettings().channel("douyin")
KEY, SECRET = "local-douyin", "local-douyin-secret"


def body(order_id: str = "6921000000000012345", **extra: object) -> bytes:
    data = {"p_id": int(order_id), "s_ids": [int(order_id) + 1], "shop_id": 77881, "order_status": 2, **extra}
    return json.dumps([{"tag": "101", "msg_id": "7000000000000000001", "data": json.dumps(data)}]).encode()


def signed(raw: bytes, key: str = KEY, secret: str = SECRET) -> dict[str, str]:
    return {"app-id": key, "event-sign": hashlib.md5(key.encode() + raw + secret.encode()).hexdigest()}


def test_good_signature_names_the_order() -> None:
    raw = body()
    (notice,) = verify_push(CONFIG, signed(raw), raw)
    assert notice.ref.channel_order_no == "6921000000000012345"
    assert notice.ref.shop_id == "77881" and notice.topic == "101" and notice.msg_id == "7000000000000000001"


def test_signature_compare_ignores_hex_case() -> None:
    raw = body()
    headers = signed(raw)
    headers["event-sign"] = headers["event-sign"].upper()
    assert len(verify_push(CONFIG, headers, raw)) == 1


@pytest.mark.parametrize("missing", ["app-id", "event-sign"])
def test_missing_header_is_refused(missing: str) -> None:
    raw = body()
    headers = signed(raw)
    del headers[missing]
    with pytest.raises(PushRejected) as info:
        verify_push(CONFIG, headers, raw)
    assert info.value.status == 401 and "missing" in info.value.reason


def test_wrong_secret_and_foreign_app_are_refused() -> None:
    raw = body()
    with pytest.raises(PushRejected, match="event-sign does not match"):
        verify_push(CONFIG, signed(raw, secret="guessed"), raw)
    with pytest.raises(PushRejected, match="not this app"):
        verify_push(CONFIG, signed(raw, key="other-app"), raw)


def test_replayed_signature_on_another_body_is_refused() -> None:
    """A captured signature does not carry over to a forged body (the raw bytes are signed)."""
    original = body()
    forged = body("6921000000000099999")
    with pytest.raises(PushRejected):
        verify_push(CONFIG, signed(original), forged)
    # Re-serialising the same JSON changes the bytes, and with them the signature.
    respaced = json.dumps(json.loads(original), indent=1).encode()
    with pytest.raises(PushRejected):
        verify_push(CONFIG, signed(original), respaced)


def test_unknown_sign_method_is_refused_not_skipped() -> None:
    raw = body()
    with pytest.raises(PushRejected, match="sign-method"):
        verify_push(CONFIG, {**signed(raw), "sign-method": "none"}, raw)


def test_events_without_an_order_are_acknowledged_and_msgid_spelling_is_accepted() -> None:
    raw = json.dumps(
        [
            {"tag": "0", "msgId": "1", "data": "{}"},
            {"tag": "100", "msgId": "2", "data": json.dumps({"p_id": 5, "shop_id": 1})},
        ]
    ).encode()
    (notice,) = verify_push(CONFIG, signed(raw), raw)
    assert notice.msg_id == "2" and notice.ref.channel_order_no == "5"


def test_signed_body_that_is_not_an_event_array_is_refused() -> None:
    raw = b'{"p_id": 1}'
    with pytest.raises(PushRejected, match="array"):
        verify_push(CONFIG, signed(raw), raw)


def test_api_sign_md5_and_hmac_follow_the_documented_string() -> None:
    pj = param_json({"shop_order_id": "6921", "a": 1})
    assert pj == '{"a":1,"shop_order_id":"6921"}'
    plain = f"{SECRET}app_key{KEY}methodorder.orderDetailparam_json{pj}timestamp1732420800v2{SECRET}"
    assert (
        api_sign(app_key=KEY, app_secret=SECRET, method="order.orderDetail", params_json=pj, timestamp="1732420800")
        == hashlib.md5(plain.encode()).hexdigest()
    )
    assert (
        api_sign(
            app_key=KEY,
            app_secret=SECRET,
            method="order.orderDetail",
            params_json=pj,
            timestamp="1732420800",
            sign_method="hmac-sha256",
        )
        == hmac.new(SECRET.encode(), plain.encode(), hashlib.sha256).hexdigest()
    )
