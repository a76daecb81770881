"""WeChat Pay APIv3 refunds for mini-program orders (`POST /v3/refund/domestic/refunds`).

Requests carry the merchant's `WECHATPAY2-SHA256-RSA2048` Authorization (RSA-SHA256 over
"METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nBODY\\n"); answers and the refund result notification are believed
only once their Wechatpay-* signature verifies with the platform public key (5-minute window), and
the notification's resource is decrypted with the APIv3 key (AEAD_AES_256_GCM). The out_refund_no is
the ledger's refund number: asked again, WeChat Pay answers the same refund."""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from aftersales.refunds.model import RefundAnswer, RefundRequest

REFUND_PATH = "/v3/refund/domestic/refunds"
MAX_SKEW_S = 300


class WeChatPayError(Exception):
    """The call failed or its answer is not to be believed; the refund stays pending and is resent."""


class NotificationRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class WeChatPayConfig:
    base_url: str
    mch_id: str
    merchant_key_pem: str
    merchant_serial: str
    platform_public_key_pem: str
    apiv3_key: bytes
    notify_url: str = ""


@dataclass(frozen=True)
class RefundNotice:
    """A verified, decrypted refund result."""

    out_refund_no: str
    refund_id: str
    status: str  # SUCCESS | CLOSED | ABNORMAL


def _private_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.strip().encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the merchant API key must be an RSA private key")
    return key


def _public_key(pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.strip().encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("the WeChat Pay platform public key must be an RSA key")
    return key


def authorization(config: WeChatPayConfig, method: str, path: str, body: str, *, timestamp: str, nonce: str) -> str:
    message = f"{method}\n{path}\n{timestamp}\n{nonce}\n{body}\n".encode()
    signature = base64.b64encode(
        _private_key(config.merchant_key_pem).sign(message, padding.PKCS1v15(), hashes.SHA256())
    )
    return (
        f'WECHATPAY2-SHA256-RSA2048 mchid="{config.mch_id}",nonce_str="{nonce}",signature="{signature.decode()}",'
        f'timestamp="{timestamp}",serial_no="{config.merchant_serial}"'
    )


def verify(config: WeChatPayConfig, headers: Mapping[str, str], body: bytes, *, now: float) -> None:
    try:
        timestamp, nonce = headers["wechatpay-timestamp"].strip(), headers["wechatpay-nonce"].strip()
        signature = base64.b64decode(headers["wechatpay-signature"], validate=True)
        signed_at = int(timestamp)
    except (KeyError, ValueError, binascii.Error) as exc:
        raise NotificationRefused(f"missing or malformed Wechatpay-* headers: {exc}") from exc
    if abs(now - signed_at) > MAX_SKEW_S:
        raise NotificationRefused(f"Wechatpay-Timestamp {signed_at} is more than {MAX_SKEW_S}s away (replayed?)")
    message = timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"
    try:
        _public_key(config.platform_public_key_pem).verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as exc:
        raise NotificationRefused("Wechatpay-Signature does not verify with the platform public key") from exc


def read_notification(config: WeChatPayConfig, headers: Mapping[str, str], body: bytes, *, now: float) -> RefundNotice:
    verify(config, headers, body, now=now)
    try:
        notification = json.loads(body)
        resource: Mapping[str, Any] = notification["resource"]
        if resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise NotificationRefused(f"unsupported algorithm {resource.get('algorithm')!r}")
        plain = AESGCM(config.apiv3_key).decrypt(
            str(resource["nonce"]).encode(),
            base64.b64decode(str(resource["ciphertext"])),
            str(resource.get("associated_data") or "").encode() or None,
        )
        refund: dict[str, Any] = json.loads(plain)
    except (InvalidTag, KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise NotificationRefused(f"the resource does not decrypt or read: {type(exc).__name__}") from exc
    if refund.get("mchid") != config.mch_id:
        raise NotificationRefused("the notification is for another merchant")
    return RefundNotice(str(refund["out_refund_no"]), str(refund.get("refund_id", "")), str(refund["refund_status"]))


class WeChatPayRefunds:
    def __init__(self, config: WeChatPayConfig, *, timeout_s: float = 10.0) -> None:
        self.config = config
        self._http = httpx.AsyncClient(base_url=config.base_url, timeout=timeout_s)

    async def refund(self, request: RefundRequest) -> RefundAnswer:
        payload: dict[str, Any] = {
            "out_trade_no": request.out_trade_no,
            "out_refund_no": request.refund_no,
            "reason": request.reason,
            "amount": {"refund": request.amount_fen, "total": request.total_fen, "currency": request.currency},
        }
        if self.config.notify_url:
            payload["notify_url"] = self.config.notify_url
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        auth = authorization(
            self.config, "POST", REFUND_PATH, body, timestamp=str(int(time.time())), nonce=secrets.token_hex(16)
        )
        headers = {"Authorization": auth, "Accept": "application/json", "Content-Type": "application/json"}
        try:
            response = await self._http.post(REFUND_PATH, content=body.encode(), headers=headers)
        except httpx.HTTPError as exc:
            raise WeChatPayError(f"refund {request.refund_no}: {type(exc).__name__}") from exc
        if response.status_code >= 300:
            raise WeChatPayError(f"refund {request.refund_no}: HTTP {response.status_code} {response.text[:200]}")
        try:
            verify(self.config, response.headers, response.content, now=time.time())
        except NotificationRefused as exc:
            raise WeChatPayError(f"refund {request.refund_no}: answer not verified: {exc.reason}") from exc
        answer = response.json()
        return RefundAnswer(provider_refund_id=str(answer.get("refund_id", "")), status=str(answer.get("status", "")))

    async def aclose(self) -> None:
        await self._http.aclose()
