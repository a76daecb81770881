"""The Douyin open API (`POST /order/orderDetail`, `/order/searchList`, `/order/batchDecrypt`), written
independently of any client: query app_key, method, v=2, timestamp, sign, sign_method, access_token;
body = param_json. sign = md5 (or HMAC-SHA256 with the secret) over secret + "app_key"k "method"m
"param_json"pj "timestamp"ts "v"2 + secret, param_json re-serialised with sorted keys and no spaces.
Answers {code, msg, sub_code, sub_msg, data, log_id}; 10000 is success."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from orderhub_simulators.channels.douyin.state import DouyinState

SUCCESS = 10000


class DouyinError(Exception):
    def __init__(self, code: int, msg: str, sub_code: str, sub_msg: str) -> None:
        super().__init__(msg)
        self.code, self.msg, self.sub_code, self.sub_msg = code, msg, sub_code, sub_msg


def expected_sign(secret: str, app_key: str, method: str, param_json: str, timestamp: str, sign_method: str) -> str:
    plain = f"{secret}app_key{app_key}method{method}param_json{param_json}timestamp{timestamp}v2{secret}".encode()
    if sign_method == "hmac-sha256":
        return hmac.new(secret.encode(), plain, hashlib.sha256).hexdigest()
    return hashlib.md5(plain, usedforsecurity=False).hexdigest()


def _check(state: DouyinState, query: dict[str, str], params: dict[str, Any], method: str) -> None:
    for name in ("app_key", "method", "timestamp", "sign", "v"):
        if not query.get(name):
            raise DouyinError(40001, "缺少必选参数", "isv.missing-parameter", f"missing {name}")
    if query["app_key"] != state.app_key:
        raise DouyinError(30001, "app_key不存在", "isv.app-key-invalid", "app_key不存在")
    if query["method"] != method:
        raise DouyinError(40002, "非法的参数", "isv.parameter-invalid", "method does not match the path")
    canonical = json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    sign_method = query.get("sign_method", "md5")
    wanted = expected_sign(state.app_secret, state.app_key, method, canonical, query["timestamp"], sign_method)
    if not hmac.compare_digest(wanted, query["sign"].lower()):
        raise DouyinError(40002, "非法的参数", "isv.signature-invalid", "签名校验失败")
    if query.get("access_token") != state.access_token:
        raise DouyinError(40003, "access_token已过期", "isv.access-token-expired", "access_token不存在或已过期")


def order_detail(state: DouyinState, params: dict[str, Any]) -> dict[str, Any]:
    order = state.orders.get(str(params.get("shop_order_id", "")))
    if order is None:
        raise DouyinError(50002, "业务处理失败", "isv.business-failed:10004", "订单不存在")
    return {"shop_order_detail": order}


def search_list(state: DouyinState, params: dict[str, Any]) -> dict[str, Any]:
    start, end = int(params.get("update_time_start", 0)), int(params.get("update_time_end", 2**31))
    page, size = int(params.get("page", 0)), int(params.get("size", 10))
    if not 0 < size <= 100:
        raise DouyinError(40002, "非法的参数", "isv.parameter-invalid", "size 1..100")
    hits = sorted(
        (o for o in state.orders.values() if start <= int(o["update_time"]) <= end),
        key=lambda o: (int(o["update_time"]), str(o["order_id"])),
        reverse=not params.get("order_asc", False),
    )
    return {"shop_order_list": hits[page * size : (page + 1) * size], "page": page, "size": size, "total": len(hits)}


def batch_decrypt(state: DouyinState, params: dict[str, Any]) -> dict[str, Any]:
    infos = params.get("cipher_infos") or []
    if not isinstance(infos, list) or not 0 < len(infos) <= 50:
        raise DouyinError(40002, "非法的参数", "isv.parameter-invalid", "cipher_infos 1..50")
    out = []
    for info in infos:
        cipher = str(info.get("cipher_text", ""))
        plain = state.plaintext.get(cipher)
        out.append(
            {
                "auth_id": info.get("auth_id"),
                "cipher_text": cipher,
                "decrypt_text": plain or "",
                "err_no": 0 if plain is not None else 300008,
                "err_msg": "" if plain is not None else "解密失败",
            }
        )
    return {"decrypt_infos": out, "custom_err": {"err_code": 0, "err_msg": ""}}


_METHODS: dict[str, Callable[[DouyinState, dict[str, Any]], dict[str, Any]]] = {
    "order.orderDetail": order_detail,
    "order.searchList": search_list,
    "order.batchDecrypt": batch_decrypt,
}


def api_router(state: DouyinState) -> APIRouter:
    router = APIRouter()

    @router.post("/order/{name}")
    async def call(name: str, request: Request) -> JSONResponse:
        log_id = uuid.uuid4().hex[:20]
        method = f"order.{name}"
        try:
            handler = _METHODS.get(method)
            if handler is None:
                raise DouyinError(40002, "非法的参数", "isv.method-invalid", f"unknown method {method}")
            raw = (await request.body()).decode() or str(request.query_params.get("param_json", "{}"))
            try:
                params = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise DouyinError(40002, "非法的参数", "isv.parameter-invalid", "param_json is not JSON") from exc
            _check(state, dict(request.query_params), params, method)
            data = handler(state, params)
        except DouyinError as err:
            return JSONResponse(
                {
                    "code": err.code,
                    "msg": err.msg,
                    "sub_code": err.sub_code,
                    "sub_msg": err.sub_msg,
                    "data": {},
                    "log_id": log_id,
                }
            )
        return JSONResponse(
            {"code": SUCCESS, "msg": "success", "sub_code": "", "sub_msg": "", "data": data, "log_id": log_id}
        )

    return router
