"""The POP gateway (`POST /api/router`, form or JSON body): pdd.order.information.get,
pdd.order.number.list.increment.get and pdd.open.decrypt.batch, signature and token checked."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from orderhub_simulators.channels.pinduoduo.pop import PopError, check_request
from orderhub_simulators.channels.pinduoduo.state import GMT8, PddState


def _int(params: dict[str, str], name: str, default: int | None = None) -> int:
    try:
        return int(params[name]) if name in params or default is None else default
    except (KeyError, ValueError) as exc:
        raise PopError(10000, "参数错误", "", f"{name} must be an integer") from exc


def information(state: PddState, params: dict[str, str]) -> dict[str, Any]:
    info = state.orders.get(params.get("order_sn", ""))
    if info is None:
        raise PopError(20004, "订单不存在", "", "order_sn not found")
    return {"order_info_get_response": {"order_info": info}}


def _updated(info: dict[str, Any]) -> int:
    return int(datetime.strptime(str(info["updated_at"]), "%Y-%m-%d %H:%M:%S").replace(tzinfo=GMT8).timestamp())


def increment(state: PddState, params: dict[str, str]) -> dict[str, Any]:
    start, end = _int(params, "start_updated_at"), _int(params, "end_updated_at")
    if end < start or end - start > 30 * 60:
        raise PopError(10000, "参数错误", "", "the window must be at most 30 minutes")
    page, size = _int(params, "page", 1), min(_int(params, "page_size", 100), 100)
    hits = sorted((o for o in state.orders.values() if start <= _updated(o) <= end), key=_updated)
    chunk = hits[(page - 1) * size : page * size]
    return {
        "order_sn_increment_get_response": {
            "total_count": len(hits),
            "has_next": page * size < len(hits),
            "order_sn_list": chunk,
        }
    }


def decrypt(state: PddState, params: dict[str, str]) -> dict[str, Any]:
    try:
        items = json.loads(params.get("data_list", ""))
    except json.JSONDecodeError as exc:
        raise PopError(10000, "参数错误", "", "data_list must be JSON") from exc
    if not isinstance(items, list) or not 0 < len(items) <= 100:
        raise PopError(10000, "参数错误", "", "data_list must hold 1..100 entries")
    out = []
    for item in items:
        found = state.plaintexts.get(str(item.get("encrypted_data")))
        tag, cipher = str(item.get("data_tag", "")), str(item.get("encrypted_data", ""))
        if found is None or tag not in state.orders:
            out.append({"data_tag": tag, "encrypted_data": cipher, "error_code": 47001, "error_msg": "解密失败"})
        else:
            out.append(
                {
                    "data_tag": tag,
                    "encrypted_data": cipher,
                    "decrypted_data": found[0],
                    "data_type": found[1],
                    "error_code": 0,
                }
            )
    return {"open_decrypt_batch_response": {"data_decrypt_list": out}}


_TYPES: dict[str, Callable[[PddState, dict[str, str]], dict[str, Any]]] = {
    "pdd.order.information.get": information,
    "pdd.order.number.list.increment.get": increment,
    "pdd.open.decrypt.batch": decrypt,
}


async def _params(request: Request) -> dict[str, str]:
    params = dict(request.query_params)
    raw = (await request.body()).decode("utf-8")
    if request.headers.get("content-type", "").startswith("application/json"):
        body = json.loads(raw or "{}")
        params.update({k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for k, v in body.items()})
    else:
        params.update(parse_qsl(raw, keep_blank_values=True))
    return params


def gateway_router(state: PddState) -> APIRouter:
    router = APIRouter()

    @router.post("/api/router")
    async def route(request: Request) -> JSONResponse:
        try:
            params = await _params(request)
            check_request(
                params, client_id=state.client_id, secret=state.client_secret, access_token=state.access_token
            )
            handler = _TYPES.get(params["type"])
            if handler is None:
                raise PopError(10001, "type不存在", "", params["type"])
            return JSONResponse(handler(state, params))
        except PopError as error:
            return JSONResponse(error.body())
        except (json.JSONDecodeError, AttributeError):
            return JSONResponse(PopError(10000, "参数错误", "", "body is not valid").body())

    return router
