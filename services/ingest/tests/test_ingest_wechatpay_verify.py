"""WeChat Pay APIv3 notifications: RSA-SHA256 verification over timestamp, nonce and body, the
5-minute replay window, AES-256-GCM decryption with the APIv3 key, and the transaction checks."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from ingest.channels.base import PushRejected
from ingest.channels.miniprogram.wechatpay import PayConfig, parse_notification
from orderhub_contracts.wechatpay_devkeys import LOCAL_PLATFORM_PUBLIC_KEY
from orderhub_simulators.channels.miniprogram import wechatpay as sim

APIV3 = b"local-miniprogram-apiv3-key-0032"
CONFIG = PayConfig(
    appid="local-miniprogram", mch_id="1900000109", apiv3_key=APIV3, public_key_pem=LOCAL_PLATFORM_PUBLIC_KEY
)
KEY = sim.private_key()


def txn(**overrides: Any) -> dict[str, Any]:
    t = sim.transaction(
        appid="local-miniprogram",
        mchid="1900000109",
        out_trade_no="MP2026112412000012345678",
        total_fen=25900,
        openid="o-customer",
    )
    t.update(overrides)
    return t


def notice(t: dict[str, Any] | None = None, *, key: bytes = APIV3, event: str = "TRANSACTION.SUCCESS") -> bytes:
    return sim.notification(key, t or txn(), event)


def test_a_signed_notification_decrypts_to_the_payment() -> None:
    body = notice()
    payment = parse_notification(CONFIG, sim.signed_headers(KEY, body), body, now=time.time())
    assert payment is not None
    assert payment.out_trade_no == "MP2026112412000012345678" and payment.total_fen == 25900
    assert payment.transaction_id.startswith("42") and payment.paid_at.tzinfo is not None


@pytest.mark.parametrize("missing", ["wechatpay-timestamp", "wechatpay-nonce", "wechatpay-signature"])
def test_missing_headers_are_refused(missing: str) -> None:
    body = notice()
    headers = sim.signed_headers(KEY, body)
    del headers[missing]
    with pytest.raises(PushRejected) as info:
        parse_notification(CONFIG, headers, body, now=time.time())
    assert info.value.status == 401 and missing in info.value.reason


def test_tampered_body_and_foreign_key_are_refused() -> None:
    body = notice()
    headers = sim.signed_headers(KEY, body)
    with pytest.raises(PushRejected, match="does not verify"):
        parse_notification(CONFIG, headers, body.replace(b"TRANSACTION", b"TRANSACTIOM"), now=time.time())
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(PushRejected, match="does not verify"):
        parse_notification(CONFIG, sim.signed_headers(stranger, body), body, now=time.time())
    with pytest.raises(PushRejected, match="malformed"):
        parse_notification(CONFIG, {**headers, "wechatpay-signature": "%%%"}, body, now=time.time())


def test_signature_covers_the_nonce_and_timestamp() -> None:
    body = notice()
    headers = sim.signed_headers(KEY, body)
    with pytest.raises(PushRejected):
        parse_notification(CONFIG, {**headers, "wechatpay-nonce": "OTHERNONCE"}, body, now=time.time())


def test_replayed_notification_outside_five_minutes_is_refused() -> None:
    body = notice()
    old = int(time.time()) - 301
    headers = sim.signed_headers(KEY, body, timestamp=old)  # genuinely signed, but captured long ago
    with pytest.raises(PushRejected, match="replayed"):
        parse_notification(CONFIG, headers, body, now=time.time())
    assert parse_notification(CONFIG, headers, body, now=old + 299) is not None


def test_resource_encrypted_with_another_key_or_altered_does_not_decrypt() -> None:
    body = notice(key=b"another-merchant-apiv3-key-00032")
    with pytest.raises(PushRejected, match="does not decrypt"):
        parse_notification(CONFIG, sim.signed_headers(KEY, body), body, now=time.time())
    doc = json.loads(notice())
    doc["resource"]["associated_data"] = "certificate"  # authenticated data changed
    body = json.dumps(doc).encode()
    with pytest.raises(PushRejected, match="does not decrypt"):
        parse_notification(CONFIG, sim.signed_headers(KEY, body), body, now=time.time())
    cipher = bytearray(base64.b64decode(json.loads(notice())["resource"]["ciphertext"]))
    cipher[0] ^= 1
    doc = json.loads(notice())
    doc["resource"]["ciphertext"] = base64.b64encode(bytes(cipher)).decode()
    body = json.dumps(doc).encode()
    with pytest.raises(PushRejected, match="does not decrypt"):
        parse_notification(CONFIG, sim.signed_headers(KEY, body), body, now=time.time())


def test_transaction_for_another_merchant_or_not_successful_is_refused() -> None:
    for t, match in (
        (txn(mchid="1900000999"), "not this merchant"),
        (txn(appid="wx-other"), "not this merchant"),
        (txn(trade_state="NOTPAY"), "trade_state"),
    ):
        body = notice(t)
        with pytest.raises(PushRejected, match=match):
            parse_notification(CONFIG, sim.signed_headers(KEY, body), body, now=time.time())


def test_other_events_verify_but_pay_nothing() -> None:
    body = notice(event="REFUND.SUCCESS")
    assert parse_notification(CONFIG, sim.signed_headers(KEY, body), body, now=time.time()) is None


def test_local_public_key_matches_the_simulators_key() -> None:
    published = (
        KEY.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    assert published.strip() == LOCAL_PLATFORM_PUBLIC_KEY.strip()
