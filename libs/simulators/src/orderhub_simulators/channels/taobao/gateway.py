"""The TOP gateway (`/router/rest`): taobao.trade.fullinfo.get, taobao.trades.sold.increment.get and
taobao.top.oaid.decrypt, JSON format, signature and session checked on every call."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from orderhub_simulators.channels.taobao.state import GMT8, TaobaoState
from orderhub_simulators.channels.taobao.top import TopError, check_request

_TIME = "%Y-%m-%d %H:%M:%S"


def _time(params: dict[str, str], name: str) -> datetime:
    try:
        return datetime.strptime(params[name], _TIME).replace(tzinfo=GMT8)
    except (KeyError, ValueError) as exc:
        raise TopError(41, "Invalid arguments:" + name, "isv.invalid-parameter", f"{name} must be {_TIME}") from exc


def _modified(trade: dict[str, Any]) -> datetime:
    return datetime.strptime(str(trade["modified"]), _TIME).replace(tzinfo=GMT8)


def fullinfo(state: TaobaoState, params: dict[str, str]) -> dict[str, Any]:
    trade = state.trades.get(params.get("tid", ""))
    if trade is None:
        raise TopError(15, "Remote service error", "isv.trade-not-exist", "交易不存在")
    return {"trade_fullinfo_get_response": {"trade": trade}}


def increment(state: TaobaoState, params: dict[str, str]) -> dict[str, Any]:
    start, end = _time(params, "start_modified"), _time(params, "end_modified")
    if end < start or end - start > timedelta(days=1):
        raise TopError(
            41,
            "Invalid arguments:end_modified",
            "isv.invalid-parameter",
            "start_modified and end_modified must be at most one day apart",
        )
    page_no, page_size = int(params.get("page_no", "1")), min(int(params.get("page_size", "40")), 100)
    hits = sorted((t for t in state.trades.values() if start <= _modified(t) <= end), key=_modified)
    page = hits[(page_no - 1) * page_size : page_no * page_size]
    trades = [
        {
            "tid": t["tid"],
            "tid_str": str(t.get("tid_str") or t["tid"]),
            "modified": t["modified"],
            "status": t.get("status", ""),
        }
        for t in page
    ]
    body: dict[str, Any] = {"trades": {"trade": trades}, "has_next": page_no * page_size < len(hits)}
    if params.get("use_has_next") != "true":
        body["total_results"] = len(hits)
    return {"trades_sold_increment_get_response": body}


def oaid_decrypt(state: TaobaoState, params: dict[str, str]) -> dict[str, Any]:
    try:
        queries = json.loads(params.get("query_list", ""))
    except json.JSONDecodeError as exc:
        raise TopError(41, "Invalid arguments:query_list") from exc
    if not isinstance(queries, list) or not 0 < len(queries) <= 20:
        raise TopError(41, "Invalid arguments:query_list", "isv.invalid-parameter", "1..20 queries")
    found = []
    for q in queries:
        receiver = state.receivers.get(str(q.get("oaid")))
        if receiver is not None:
            found.append({**receiver, "oaid": q["oaid"], "tid": str(q.get("tid", "")), "matched": True})
    return {"top_oaid_decrypt_response": {"receiver_list": {"receiver": found}}}


_METHODS: dict[str, Callable[[TaobaoState, dict[str, str]], dict[str, Any]]] = {
    "taobao.trade.fullinfo.get": fullinfo,
    "taobao.trades.sold.increment.get": increment,
    "taobao.top.oaid.decrypt": oaid_decrypt,
}


def gateway_router(state: TaobaoState) -> APIRouter:
    router = APIRouter()

    @router.api_route("/router/rest", methods=["GET", "POST"])
    async def rest(request: Request) -> JSONResponse:
        params = dict(request.query_params)
        params.update(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))
        try:
            check_request(params, app_key=state.app_key, secret=state.app_secret, session=state.session)
            handler = _METHODS.get(params["method"])
            if handler is None:
                raise TopError(22, "Invalid method")
            return JSONResponse(handler(state, params))
        except TopError as error:
            return JSONResponse(error.body())

    return router
