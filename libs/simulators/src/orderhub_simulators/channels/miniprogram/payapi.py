"""The WeChat Pay APIv3 merchant API, as far as the mini-program needs it: JSAPI prepay
(`POST /v3/pay/transactions/jsapi`) and the order query (`GET /v3/pay/transactions/out-trade-no/{no}`).
Every request must carry the merchant's `WECHATPAY2-SHA256-RSA2048` Authorization (RSA-SHA256 with the
merchant key over "METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n", timestamp within 5 minutes);
errors come as {"code", "message"} (SIGN_ERROR, PARAM_ERROR, ORDER_NOT_EXIST, ORDERPAID). Answers are
signed with the platform key in the Wechatpay-* headers, like notifications."""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import time
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from fastapi import APIRouter, Request, Response

from orderhub_simulators.channels.miniprogram import wechatpay
from orderhub_simulators.channels.miniprogram.state import WeixinState

_FIELD = re.compile(r'(\w+)="([^"]*)"')


class PayError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _signed(status: int, body: dict[str, Any]) -> Response:
    raw = json.dumps(body, ensure_ascii=False).encode()
    headers = wechatpay.signed_headers(wechatpay.private_key(), raw)
    return Response(raw, status, headers=headers, media_type="application/json")


def check_authorization(state: WeixinState, method: str, path: str, body: bytes, header: str) -> None:
    scheme, _, rest = header.partition(" ")
    if scheme != "WECHATPAY2-SHA256-RSA2048":
        raise PayError(401, "SIGN_ERROR", "Authorization 认证类型错误")
    fields = dict(_FIELD.findall(rest))
    missing = [k for k in ("mchid", "nonce_str", "signature", "timestamp", "serial_no") if not fields.get(k)]
    if missing:
        raise PayError(401, "SIGN_ERROR", f"Authorization 缺少 {', '.join(missing)}")
    if fields["mchid"] != state.mch_id:
        raise PayError(401, "SIGN_ERROR", "商户号与签名不匹配")
    if not fields["timestamp"].isdigit() or abs(time.time() - int(fields["timestamp"])) > 300:
        raise PayError(401, "SIGN_ERROR", "签名时间戳已过期")
    key = serialization.load_pem_public_key(state.merchant_public_key_pem.strip().encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise PayError(500, "SYSTEM_ERROR", "merchant key is not RSA")
    message = f"{method}\n{path}\n{fields['timestamp']}\n{fields['nonce_str']}\n".encode() + body + b"\n"
    try:
        key.verify(base64.b64decode(fields["signature"]), message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError) as exc:
        raise PayError(401, "SIGN_ERROR", "签名错误") from exc


def prepay(state: WeixinState, order: dict[str, Any]) -> dict[str, Any]:
    if order.get("appid") != state.appid or order.get("mchid") != state.mch_id:
        raise PayError(400, "PARAM_ERROR", "appid和mch_id不匹配")
    number, total = str(order.get("out_trade_no", "")), int((order.get("amount") or {}).get("total", 0))
    if not 6 <= len(number) <= 32 or total <= 0 or not (order.get("payer") or {}).get("openid"):
        raise PayError(400, "PARAM_ERROR", "out_trade_no, amount.total or payer.openid invalid")
    if number in state.transactions:
        raise PayError(400, "ORDERPAID", "该订单已支付")
    prepay_id = "wx" + time.strftime("%d%H%M%S") + secrets.token_hex(10)
    state.prepays[number] = {**order, "prepay_id": prepay_id}
    return {"prepay_id": prepay_id}


def query(state: WeixinState, number: str) -> dict[str, Any]:
    if number in state.transactions:
        return state.transactions[number]
    order = state.prepays.get(number)
    if order is None:
        raise PayError(404, "ORDER_NOT_EXIST", "订单不存在")
    return {
        "appid": state.appid,
        "mchid": state.mch_id,
        "out_trade_no": number,
        "trade_state": "NOTPAY",
        "trade_state_desc": "订单未支付",
        "amount": {"total": order["amount"]["total"], "currency": "CNY"},
    }


def pay_router(state: WeixinState) -> APIRouter:
    router = APIRouter()

    @router.post("/v3/pay/transactions/jsapi")
    async def jsapi(request: Request) -> Response:
        body = await request.body()
        try:
            check_authorization(state, "POST", request.url.path, body, request.headers.get("authorization", ""))
            try:
                order = json.loads(body)
            except json.JSONDecodeError as exc:
                raise PayError(400, "PARAM_ERROR", "body is not JSON") from exc
            return _signed(200, prepay(state, order))
        except PayError as err:
            return _signed(err.status, {"code": err.code, "message": err.message})

    @router.get("/v3/pay/transactions/out-trade-no/{number}")
    async def by_trade_no(number: str, request: Request) -> Response:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        try:
            check_authorization(state, "GET", path, b"", request.headers.get("authorization", ""))
            if request.query_params.get("mchid") != state.mch_id:
                raise PayError(400, "PARAM_ERROR", "mchid 与请求商户不符")
            return _signed(200, query(state, number))
        except PayError as err:
            return _signed(err.status, {"code": err.code, "message": err.message})

    return router
