"""The WeChat Pay APIv3 calls the mini-program needs, as the merchant: JSAPI prepay (so the customer
can pay in the mini-program) and the order query by out_trade_no (so a payment whose notification
never arrived is still found).

Requests carry `Authorization: WECHATPAY2-SHA256-RSA2048 mchid=..,nonce_str=..,signature=..,
timestamp=..,serial_no=..`, the signature being RSA-SHA256 with the merchant key over
"METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n". Answers are verified like notifications
(Wechatpay-* headers, platform public key) before they are believed."""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ingest.channels.base import PlatformError, PushRejected
from ingest.channels.miniprogram.wechatpay import PayConfig, load_public_key, verify_signature


def _merchant_key(config: PayConfig) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(config.merchant_key_pem.strip().encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the merchant API key must be an RSA private key")
    return key


def rsa_sign(config: PayConfig, message: str) -> str:
    signature = _merchant_key(config).sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def authorization(config: PayConfig, method: str, path: str, body: str, *, timestamp: str, nonce: str) -> str:
    signature = rsa_sign(config, f"{method}\n{path}\n{timestamp}\n{nonce}\n{body}\n")
    return (
        f'WECHATPAY2-SHA256-RSA2048 mchid="{config.mch_id}",nonce_str="{nonce}",signature="{signature}",'
        f'timestamp="{timestamp}",serial_no="{config.merchant_serial}"'
    )


def payment_params(config: PayConfig, prepay_id: str) -> dict[str, str]:
    """What the mini-program hands to wx.requestPayment (paySign over appid, time, nonce, package)."""
    timestamp, nonce, package = str(int(time.time())), secrets.token_hex(16), f"prepay_id={prepay_id}"
    sign = rsa_sign(config, f"{config.appid}\n{timestamp}\n{nonce}\n{package}\n")
    return {"timeStamp": timestamp, "nonceStr": nonce, "package": package, "signType": "RSA", "paySign": sign}


async def _call(
    http: httpx.AsyncClient, config: PayConfig, method: str, path: str, payload: dict[str, Any] | None = None
) -> tuple[int, dict[str, Any]]:
    body = "" if payload is None else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    headers = {
        "Authorization": authorization(
            config, method, path, body, timestamp=str(int(time.time())), nonce=secrets.token_hex(16)
        ),
        "Accept": "application/json",
        "Content-Type": "application/json",
    }
    try:
        response = await http.request(method, f"{config.base_url}{path}", content=body.encode(), headers=headers)
    except httpx.HTTPError as exc:
        raise PlatformError(f"wechat pay {path}: {type(exc).__name__}: {exc}") from exc
    if response.status_code >= 500:
        raise PlatformError(f"wechat pay {path}: HTTP {response.status_code}")
    if response.status_code < 300:  # only a verified answer is believed
        try:
            verify_signature(
                load_public_key(config.public_key_pem), response.headers, response.content, now=time.time()
            )
        except PushRejected as exc:
            raise PlatformError(f"wechat pay {path}: answer not verified: {exc.reason}") from exc
    try:
        answer: dict[str, Any] = response.json() if response.content else {}
    except ValueError as exc:
        raise PlatformError(f"wechat pay {path}: HTTP {response.status_code}, body is not JSON") from exc
    return response.status_code, answer


async def jsapi_prepay(
    http: httpx.AsyncClient, config: PayConfig, *, out_trade_no: str, description: str, total_fen: int, openid: str
) -> str:
    payload = {
        "appid": config.appid,
        "mchid": config.mch_id,
        "description": description[:127],
        "out_trade_no": out_trade_no,
        "notify_url": config.notify_url,
        "amount": {"total": total_fen, "currency": "CNY"},
        "payer": {"openid": openid},
    }
    status, answer = await _call(http, config, "POST", "/v3/pay/transactions/jsapi", payload)
    if status != 200 or not answer.get("prepay_id"):
        raise PlatformError(f"wechat pay jsapi: HTTP {status} {answer.get('code', '')} {answer.get('message', '')}")
    return str(answer["prepay_id"])


async def query_transaction(http: httpx.AsyncClient, config: PayConfig, out_trade_no: str) -> dict[str, Any] | None:
    """The transaction as WeChat Pay knows it (trade_state SUCCESS / NOTPAY / CLOSED ...), or None if
    it knows no such order."""
    path = f"/v3/pay/transactions/out-trade-no/{out_trade_no}?{urlencode({'mchid': config.mch_id})}"
    status, answer = await _call(http, config, "GET", path)
    if status == 404:
        return None
    if status != 200:
        raise PlatformError(f"wechat pay query: HTTP {status} {answer.get('code', '')} {answer.get('message', '')}")
    return answer
