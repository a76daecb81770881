"""The Shopee v2 order API (`GET /api/v2/order/get_order_detail`, `/api/v2/order/get_order_list`),
written independently of any client. Common query: partner_id, timestamp (within 5 minutes),
access_token, shop_id, sign = hex HMAC-SHA256(partner_key, partner_id + path + timestamp +
access_token + shop_id). Errors: {"error": "error_sign" | "error_auth" | "error_param" | ...,
"message", "request_id"} with HTTP 403 (auth) or 400 (parameters)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response

from orderhub_simulators.channels.shopee.state import ShopeeState

MAX_SKEW_S = 300
MAX_RANGE_S = 15 * 24 * 3600


class ShopeeError(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def expected_sign(partner_key: str, partner_id: str, path: str, timestamp: str, token: str, shop_id: str) -> str:
    base = f"{partner_id}{path}{timestamp}{token}{shop_id}".encode()
    return hmac.new(partner_key.encode(), base, hashlib.sha256).hexdigest()


def _check(state: ShopeeState, path: str, q: dict[str, str]) -> None:
    for name in ("partner_id", "timestamp", "sign", "access_token", "shop_id"):
        if not q.get(name):
            raise ShopeeError(403, "error_param", f"There is no {name} in query.")
    if q["partner_id"] != str(state.partner_id):
        raise ShopeeError(403, "error_auth", "Invalid partner_id.")
    if not q["timestamp"].isdigit() or abs(time.time() - int(q["timestamp"])) > MAX_SKEW_S:
        raise ShopeeError(403, "error_auth", "Invalid timestamp.")
    wanted = expected_sign(state.partner_key, q["partner_id"], path, q["timestamp"], q["access_token"], q["shop_id"])
    if not hmac.compare_digest(wanted, q["sign"].lower()):
        raise ShopeeError(403, "error_sign", "Wrong sign.")
    if q["access_token"] != state.access_token or q["shop_id"] != str(state.shop_id):
        raise ShopeeError(403, "error_auth", "Invalid access_token.")


def order_detail(state: ShopeeState, q: dict[str, str]) -> dict[str, Any]:
    numbers = [n for n in q.get("order_sn_list", "").split(",") if n]
    if not 0 < len(numbers) <= 50:
        raise ShopeeError(400, "error_param", "order_sn_list should have 1 to 50 order_sn.")
    return {"order_list": [state.orders[n] for n in numbers if n in state.orders]}


def order_list(state: ShopeeState, q: dict[str, str]) -> dict[str, Any]:
    field = q.get("time_range_field", "")
    if field not in ("create_time", "update_time"):
        raise ShopeeError(400, "error_param", "time_range_field should be create_time or update_time.")
    start, end, size = int(q.get("time_from", 0)), int(q.get("time_to", 0)), int(q.get("page_size", 0))
    if end < start or end - start > MAX_RANGE_S:
        raise ShopeeError(400, "error_param", "The time range should be no more than 15 days.")
    if not 0 < size <= 100:
        raise ShopeeError(400, "error_param", "page_size should be between 1 and 100.")
    offset = int(q.get("cursor") or 0)
    hits = sorted(
        (o for o in state.orders.values() if start <= int(o[field]) <= end),
        key=lambda o: (int(o[field]), str(o["order_sn"])),
    )
    page = hits[offset : offset + size]
    more = offset + size < len(hits)
    return {
        "more": more,
        "next_cursor": str(offset + size) if more else "",
        "order_list": [{"order_sn": o["order_sn"], "order_status": o.get("order_status", "")} for o in page],
    }


_PATHS: dict[str, Callable[[ShopeeState, dict[str, str]], dict[str, Any]]] = {
    "/api/v2/order/get_order_detail": order_detail,
    "/api/v2/order/get_order_list": order_list,
}


def _json(status: int, body: dict[str, Any]) -> Response:
    # Amounts stay JSON decimals (31.99), as Shopee sends them.
    return Response(json.dumps(body, ensure_ascii=False), status, media_type="application/json")


def api_router(state: ShopeeState) -> APIRouter:
    router = APIRouter()

    @router.get("/api/v2/order/{name}")
    async def call(name: str, request: Request) -> Response:
        path = f"/api/v2/order/{name}"
        request_id = uuid.uuid4().hex
        try:
            handler = _PATHS.get(path)
            if handler is None:
                raise ShopeeError(404, "error_not_found", "Wrong path.")
            q = dict(request.query_params)
            _check(state, path, q)
            response = handler(state, q)
        except ShopeeError as err:
            return _json(err.status, {"error": err.error, "message": err.message, "request_id": request_id})
        except ValueError as exc:
            return _json(400, {"error": "error_param", "message": str(exc), "request_id": request_id})
        return _json(200, {"error": "", "message": "", "response": response, "request_id": request_id})

    return router
