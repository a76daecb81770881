"""WeChat Pay APIv3 payment notifications: verify, then decrypt.

Signature: Wechatpay-Signature = base64 RSA-SHA256 (PKCS#1 v1.5) over
"<Wechatpay-Timestamp>\n<Wechatpay-Nonce>\n<raw body>\n", checked with the WeChat Pay platform public
key, and the timestamp must be within 5 minutes (a replayed notification is refused). The resource is
AEAD_AES_256_GCM under the merchant's 32-byte APIv3 key (16-byte tag at the end of the ciphertext,
`associated_data` authenticated). Pure: no network, no database."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from orderhub_contracts.timezone import SHANGHAI

from ingest.channels.base import PushRejected

MAX_SKEW_S = 300
PAID_EVENT = "TRANSACTION.SUCCESS"


@dataclass(frozen=True, slots=True)
class PayConfig:
    appid: str
    mch_id: str
    apiv3_key: bytes
    public_key_pem: str  # the WeChat Pay platform public key: verifies notifications and API answers
    merchant_key_pem: str = ""  # the merchant's API private key: signs our API calls
    merchant_serial: str = ""
    base_url: str = ""  # the WeChat Pay API (https://api.mch.weixin.qq.com)
    notify_url: str = ""


@dataclass(frozen=True, slots=True)
class Payment:
    """A verified, decrypted successful transaction."""

    notification_id: str
    out_trade_no: str
    transaction_id: str
    total_fen: int
    payer_total_fen: int
    paid_at: datetime


def load_public_key(pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.strip().encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("the WeChat Pay platform public key must be an RSA key")
    return key


def verify_signature(public_key: rsa.RSAPublicKey, headers: Mapping[str, str], body: bytes, *, now: float) -> None:
    names = ("wechatpay-timestamp", "wechatpay-nonce", "wechatpay-signature")
    missing = [n for n in names if not headers.get(n)]
    if missing:
        raise PushRejected(f"missing header(s): {', '.join(missing)}", status=401)
    timestamp, nonce = headers["wechatpay-timestamp"].strip(), headers["wechatpay-nonce"].strip()
    try:
        signed_at = int(timestamp)
        signature = base64.b64decode(headers["wechatpay-signature"], validate=True)
    except (ValueError, binascii.Error) as exc:
        raise PushRejected(f"malformed Wechatpay-Timestamp or Wechatpay-Signature: {exc}", status=401) from exc
    if abs(now - signed_at) > MAX_SKEW_S:
        raise PushRejected(f"Wechatpay-Timestamp {signed_at} is more than {MAX_SKEW_S}s away (replayed?)", status=401)
    message = timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"
    try:
        public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as exc:
        raise PushRejected("Wechatpay-Signature does not verify with the platform public key", status=401) from exc


def decrypt_resource(apiv3_key: bytes, resource: Mapping[str, Any]) -> dict[str, Any]:
    if resource.get("algorithm") != "AEAD_AES_256_GCM":
        raise PushRejected(f"unsupported resource algorithm {resource.get('algorithm')!r}")
    try:
        plain = AESGCM(apiv3_key).decrypt(
            str(resource["nonce"]).encode(),
            base64.b64decode(str(resource["ciphertext"])),
            str(resource.get("associated_data") or "").encode() or None,
        )
    except (InvalidTag, ValueError, binascii.Error) as exc:
        raise PushRejected("resource does not decrypt with the APIv3 key (AES-256-GCM)") from exc
    transaction = json.loads(plain)
    if not isinstance(transaction, dict):
        raise PushRejected("decrypted resource is not a JSON object")
    return transaction


def parse_notification(config: PayConfig, headers: Mapping[str, str], body: bytes, *, now: float) -> Payment | None:
    """The successful payment a notification reports, or None for another event (e.g. a refund)."""
    verify_signature(load_public_key(config.public_key_pem), headers, body, now=now)
    notification = json.loads(body)
    if not isinstance(notification, Mapping) or not isinstance(notification.get("resource"), Mapping):
        raise PushRejected("notification without a resource object")
    transaction = decrypt_resource(config.apiv3_key, notification["resource"])
    if notification.get("event_type") != PAID_EVENT:
        return None
    return successful_payment(config, transaction, notification_id=str(notification.get("id", "")))


def successful_payment(config: PayConfig, transaction: Mapping[str, Any], *, notification_id: str = "") -> Payment:
    """A transaction (decrypted from a notification, or a verified query answer) as a payment of ours."""
    if transaction.get("mchid") != config.mch_id or transaction.get("appid") != config.appid:
        raise PushRejected(
            f"transaction for mchid {transaction.get('mchid')!r} / appid "
            f"{transaction.get('appid')!r}, not this merchant and mini-program"
        )
    if transaction.get("trade_state") != "SUCCESS":
        raise PushRejected(f"trade_state {transaction.get('trade_state')!r} is not SUCCESS")
    amount = transaction["amount"]
    return Payment(
        notification_id=notification_id,
        out_trade_no=str(transaction["out_trade_no"]),
        transaction_id=str(transaction["transaction_id"]),
        total_fen=int(amount["total"]),
        payer_total_fen=int(amount.get("payer_total", amount["total"])),
        paid_at=_aware(datetime.fromisoformat(str(transaction["success_time"]))),
    )


def _aware(moment: datetime) -> datetime:
    """WeChat Pay writes RFC 3339 times with +08:00; one without an offset is Beijing time too."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=SHANGHAI)
