"""WeChat Pay APIv3 refunds (`POST /v3/refund/domestic/refunds`, `GET /v3/refund/domestic/refunds/{no}`),
signed and checked like the payment API. The refund number (out_refund_no) is the merchant's key:
the same number asked again answers the same refund and moves no more money. A refund beyond what
is left of the payment is `NOT_ENOUGH`; an unknown payment `RESOURCE_NOT_EXISTS`. With a notify_url
the result is also notified (REFUND.SUCCESS, resource encrypted under the APIv3 key, signed)."""

from __future__ import annotations

import asyncio
import json
import secrets
from datetime import datetime
from typing import Any

import httpx
from fastapi import APIRouter, Request, Response

from orderhub_simulators.channels.miniprogram import wechatpay
from orderhub_simulators.channels.miniprogram.payapi import PayError, _signed, check_authorization
from orderhub_simulators.channels.miniprogram.state import WeixinState


def refund(state: WeixinState, ask: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The refund for `ask` and whether it is new."""
    number = str(ask.get("out_refund_no", ""))
    if not 1 <= len(number) <= 64:
        raise PayError(400, "PARAM_ERROR", "out_refund_no 无效")
    if number in state.refunds:
        return state.refunds[number], False
    txn = state.transactions.get(str(ask.get("out_trade_no", "")))
    if txn is None:
        raise PayError(404, "RESOURCE_NOT_EXISTS", "订单不存在")
    amount = ask.get("amount") or {}
    refund_fen, total = int(amount.get("refund", 0)), int(amount.get("total", 0))
    if total != txn["amount"]["total"] or refund_fen <= 0:
        raise PayError(400, "PARAM_ERROR", "amount.total 与订单金额不符或退款金额无效")
    done = sum(r["amount"]["refund"] for r in state.refunds.values() if r["out_trade_no"] == txn["out_trade_no"])
    if done + refund_fen > total:
        raise PayError(403, "NOT_ENOUGH", "退款金额超过订单可退金额")
    now = datetime.now(wechatpay.GMT8).replace(microsecond=0).isoformat()
    answer = {
        "refund_id": "50" + secrets.token_hex(14),
        "out_refund_no": number,
        "transaction_id": txn["transaction_id"],
        "out_trade_no": txn["out_trade_no"],
        "channel": "ORIGINAL",
        "user_received_account": "支付用户零钱",
        "success_time": now,
        "create_time": now,
        "status": "SUCCESS",
        "amount": {"refund": refund_fen, "total": total, "payer_refund": refund_fen, "currency": "CNY"},
    }
    state.refunds[number] = answer
    return answer, True


def refund_notification(state: WeixinState, answer: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    resource = {
        "mchid": state.mch_id,
        "out_trade_no": answer["out_trade_no"],
        "transaction_id": answer["transaction_id"],
        "out_refund_no": answer["out_refund_no"],
        "refund_id": answer["refund_id"],
        "refund_status": answer["status"],
        "success_time": answer["success_time"],
        "user_received_account": answer["user_received_account"],
        "amount": {k: answer["amount"][k] for k in ("total", "refund", "payer_refund")}
        | {"payer_total": answer["amount"]["total"]},
    }
    body = {
        "id": secrets.token_hex(16),
        "create_time": answer["create_time"],
        "resource_type": "encrypt-resource",
        "event_type": "REFUND.SUCCESS",
        "summary": "退款成功",
        "resource": wechatpay.encrypt_resource(state.apiv3_key.encode(), resource, associated_data="refund")
        | {"original_type": "refund"},
    }
    raw = json.dumps(body, ensure_ascii=False).encode()
    return raw, wechatpay.signed_headers(wechatpay.private_key(), raw)


async def _notify(url: str, body: bytes, headers: dict[str, str]) -> None:
    try:
        async with httpx.AsyncClient(timeout=5.0) as http:
            await http.post(url, content=body, headers=headers | {"content-type": "application/json"})
    except httpx.HTTPError:
        pass  # WeChat Pay retries; the merchant's refund query is the recovery path


def refund_router(state: WeixinState) -> APIRouter:
    router = APIRouter()
    pending: set[asyncio.Task[None]] = set()

    @router.post("/v3/refund/domestic/refunds")
    async def create(request: Request) -> Response:
        body = await request.body()
        try:
            check_authorization(state, "POST", request.url.path, body, request.headers.get("authorization", ""))
            try:
                ask = json.loads(body)
            except json.JSONDecodeError as exc:
                raise PayError(400, "PARAM_ERROR", "body is not JSON") from exc
            answer, new = refund(state, ask)
            if new and ask.get("notify_url"):
                task = asyncio.create_task(_notify(str(ask["notify_url"]), *refund_notification(state, answer)))
                pending.add(task)
                task.add_done_callback(pending.discard)
            return _signed(200, answer)
        except PayError as err:
            return _signed(err.status, {"code": err.code, "message": err.message})

    @router.get("/v3/refund/domestic/refunds/{number}")
    async def by_refund_no(number: str, request: Request) -> Response:
        try:
            check_authorization(state, "GET", request.url.path, b"", request.headers.get("authorization", ""))
            if number not in state.refunds:
                raise PayError(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
            return _signed(200, state.refunds[number])
        except PayError as err:
            return _signed(err.status, {"code": err.code, "message": err.message})

    return router
