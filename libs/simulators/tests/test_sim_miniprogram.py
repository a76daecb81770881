"""The WeChat simulator: code2session with single-use codes and WeChat's errcodes, and WeChat Pay
notifications that verify with the published development key and decrypt with the APIv3 key."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import FastAPI, Request, Response
from orderhub_simulators.channels.miniprogram import wechatpay
from orderhub_simulators.channels.miniprogram.app import create_app
from orderhub_simulators.channels.miniprogram.state import WeixinState

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def session(state: WeixinState, **params: str) -> dict[str, Any]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(state)), base_url="http://sim") as http:
        body: dict[str, Any] = (await http.get("/sns/jscode2session", params=params)).json()
        return body


async def test_code2session_is_single_use_and_checks_the_app() -> None:
    state = WeixinState()
    code, openid = state.login_code("o-alice")
    good = {
        "appid": "local-miniprogram",
        "secret": "local-miniprogram-secret",
        "js_code": code,
        "grant_type": "authorization_code",
    }
    assert (await session(state, **{**good, "secret": "x"}))["errcode"] == 40125
    first = await session(state, **good)
    assert first["openid"] == openid and first["session_key"]
    assert (await session(state, **good))["errcode"] == 40029


async def test_payment_notification_is_signed_encrypted_and_can_be_duplicated_or_dropped() -> None:
    seen: list[tuple[dict[str, str], bytes]] = []
    app = FastAPI()

    @app.post("/webhooks/wechatpay")
    async def hook(request: Request) -> Response:
        seen.append((dict(request.headers), await request.body()))
        return Response(status_code=204)

    state = WeixinState()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ingest") as http:
        state.pusher.http, state.pusher.target_url = http, "/webhooks/wechatpay"
        state.pusher.controls.duplicate_next = 1
        await state.pay(out_trade_no="MP1", total_fen=25900)
        state.pusher.controls.drop_next = 1
        await state.pay(out_trade_no="MP2", total_fen=100)
    assert len(seen) == 2 and seen[0] == seen[1] and len(state.pusher.dropped) == 1
    headers, body = seen[0]
    message = f"{headers['wechatpay-timestamp']}\n{headers['wechatpay-nonce']}\n".encode() + body + b"\n"
    wechatpay.private_key().public_key().verify(
        base64.b64decode(headers["wechatpay-signature"]), message, padding.PKCS1v15(), hashes.SHA256()
    )
    resource = json.loads(body)["resource"]
    plain = AESGCM(state.apiv3_key.encode()).decrypt(
        resource["nonce"].encode(), base64.b64decode(resource["ciphertext"]), resource["associated_data"].encode()
    )
    txn = json.loads(plain)
    assert txn["out_trade_no"] == "MP1" and txn["amount"]["total"] == 25900 and txn["trade_state"] == "SUCCESS"


MERCHANT = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def merchant_auth(method: str, path: str, body: bytes, key: rsa.RSAPrivateKey = MERCHANT, ts: int = 0) -> str:
    timestamp, nonce = str(ts or int(time.time())), "N0NCE"
    message = f"{method}\n{path}\n{timestamp}\n{nonce}\n".encode() + body + b"\n"
    signature = base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()
    return (
        f'WECHATPAY2-SHA256-RSA2048 mchid="1900000109",nonce_str="{nonce}",signature="{signature}",'
        f'timestamp="{timestamp}",serial_no="ABC"'
    )


def pay_state() -> WeixinState:
    pem = MERCHANT.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return WeixinState(merchant_public_key_pem=pem.decode())


def verified(response: httpx.Response) -> dict[str, Any]:
    h = response.headers
    message = f"{h['wechatpay-timestamp']}\n{h['wechatpay-nonce']}\n".encode() + response.content + b"\n"
    wechatpay.private_key().public_key().verify(
        base64.b64decode(h["wechatpay-signature"]), message, padding.PKCS1v15(), hashes.SHA256()
    )
    body: dict[str, Any] = response.json()
    return body


JSAPI = "/v3/pay/transactions/jsapi"


def jsapi_body(number: str = "MP202611240001") -> bytes:
    return json.dumps(
        {
            "appid": "local-miniprogram",
            "mchid": "1900000109",
            "description": "加湿器",
            "out_trade_no": number,
            "notify_url": "http://127.0.0.1:8001/webhooks/wechatpay",
            "amount": {"total": 25900, "currency": "CNY"},
            "payer": {"openid": "o-1"},
        }
    ).encode()


async def test_jsapi_prepay_and_query_follow_the_payment() -> None:
    state = pay_state()
    state.pusher.controls.drop_next = 1
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(state)), base_url="http://sim") as http:
        body = jsapi_body()
        prepay = verified(
            await http.post(JSAPI, content=body, headers={"authorization": merchant_auth("POST", JSAPI, body)})
        )
        assert prepay["prepay_id"].startswith("wx")
        path = "/v3/pay/transactions/out-trade-no/MP202611240001?mchid=1900000109"
        ask = {"authorization": merchant_auth("GET", path, b"")}
        assert verified(await http.get(path, headers=ask))["trade_state"] == "NOTPAY"
        await state.pay(out_trade_no="MP202611240001", total_fen=25900)
        paid = verified(await http.get(path, headers=ask))
        assert paid["trade_state"] == "SUCCESS" and paid["amount"]["total"] == 25900
        again = await http.post(JSAPI, content=body, headers={"authorization": merchant_auth("POST", JSAPI, body)})
        assert again.status_code == 400 and again.json()["code"] == "ORDERPAID"
        unknown = "/v3/pay/transactions/out-trade-no/MP000000000000?mchid=1900000109"
        missing = await http.get(unknown, headers={"authorization": merchant_auth("GET", unknown, b"")})
        assert missing.status_code == 404 and missing.json()["code"] == "ORDER_NOT_EXIST"


async def test_merchant_requests_with_a_wrong_signature_are_refused() -> None:
    state = pay_state()
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    body = jsapi_body()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(state)), base_url="http://sim") as http:
        for auth in (
            merchant_auth("POST", JSAPI, body, stranger),
            merchant_auth("POST", JSAPI, b"{}"),
            merchant_auth("POST", JSAPI, body, ts=int(time.time()) - 3600),
            "Bearer x",
        ):
            refused = await http.post(JSAPI, content=body, headers={"authorization": auth})
            assert refused.status_code == 401 and refused.json()["code"] == "SIGN_ERROR"
    assert not state.prepays
