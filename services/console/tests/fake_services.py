"""Stand-ins for the services the console calls, answering from small canned data, so the
console's own behaviour (sessions, CSRF, roles, masking, error display) is tested without servers."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx

ORDER_ID = "DABE20260218142278901"
BASE = "http://console.test"
LOCAL_SETTINGS = {
    "ingest_url": "http://ingest.test",
    "rules_url": "http://rules.test",
    "fulfillment_url": "http://fulfillment.test",
    "aftersales_url": "http://aftersales.test",
    "notify_url": "http://notify.test",
}


async def login(client: httpx.AsyncClient, token: str) -> str:
    """Log in as a person would; the session's CSRF token as the pages carry it."""
    page = await client.get("/login")
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert form_token is not None
    response = await client.post("/login", data={"token": token, "csrf_token": form_token.group(1)})
    assert response.status_code == 303, response.text
    landing = await client.get(response.headers["location"])
    found = re.search(r'"X-CSRF-Token": "([^"]+)"', landing.text)
    assert found is not None
    return found.group(1)


def order() -> dict[str, Any]:
    return {
        "order_id": ORDER_ID,
        "status": "on_hold",
        "channel": "douyin",
        "channel_order_no": "DY20260218142278901",
        "shop_id": "",
        "created_at": "2026-02-18T06:22:00+00:00",
        "paid_at": "2026-02-18T06:25:00+00:00",
        "receiver": {"name": "张三", "phone": "138****5678", "province": "浙江省", "city": "杭州市",
                     "district": "西湖区", "street": "文三路", "detail": "100号"},
        "items": [{"line_no": 1, "sku": "AC-1001", "title": "变频空调 1.5匹", "quantity": 1, "unit_price_fen": 259900,
                   "line_total_fen": 259900, "paid_fen": None, "presale": False, "presale_ship_date": None}],
        "buyer_remark": "周末送货",
        "seller_memo": "",
        "totals": {"currency": "CNY", "list_total_fen": 259900, "discount_fen": 0, "paid_total_fen": 259900},
        "timeline": [{"id": 1, "event_id": "e1", "event_type": "order.placed",
                      "occurred_at": "2026-02-18T06:22:00+00:00", "summary": "下单", "data": {},
                      "status_from": None, "status_to": "created"}],
    }  # fmt: skip


def rule_set(version: int = 3) -> dict[str, Any]:
    rule = {"id": "R11", "name": "大额订单", "level": 2, "on": ["order.placed"], "enabled": True,
            "condition": "paid_total_cny_fen >= 200000", "actions": [{"kind": "hold"}], "examples": {}}  # fmt: skip
    return {"version": version, "created_by": "system", "created_at": "2026-02-18T06:22:00+00:00",
            "rules": [rule], "facts": [], "functions": []}  # fmt: skip


@dataclass
class FakeServices:
    """Answers like the services; remembers every call (method, host, path, token, body)."""

    calls: list[tuple[str, str, str, str, Any]] = field(default_factory=list)
    phone_api: bool = True
    warehouse_api: bool = True
    returns_api: bool = True
    stream_down: bool = False
    last_params: dict[str, str] = field(default_factory=dict)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        is_json = request.headers.get("content-type", "").startswith("application/json")
        body = json.loads(request.content) if request.content and is_json else request.content
        host, path = request.url.host.split(".")[0], request.url.path
        self.last_params = dict(request.url.params)
        self.calls.append((request.method, host, path, token, body))
        if token not in ("local-cs", "local-manager", "local-warehouse", "local-ops"):
            return _error(401, "unauthorized", "unknown or expired staff token")
        return self.route(request.method, host, path, token, body)

    def route(self, method: str, host: str, path: str, token: str, body: Any) -> httpx.Response:
        if (host, path) == ("ingest", f"/v1/orders/{ORDER_ID}"):
            return httpx.Response(200, json=order())
        if (host, path) == ("ingest", f"/v1/orders/{ORDER_ID}/receiver-phone"):
            if not self.phone_api:
                return _error(404, "http_error", "Not Found")
            return httpx.Response(200, json={"order_id": ORDER_ID, "phone": "13812345678"})
        if (host, path) == ("ingest", "/v1/orders/search"):
            return httpx.Response(200, json={"terms": {}, "results": [], "has_more": False})
        if (host, path) == ("rules", "/v1/anomalies/stream"):
            if self.stream_down:
                return httpx.Response(503, text="down")
            frame = json.dumps(
                {"anomaly_id": "a1", "order_id": ORDER_ID, "level": 2, "popup": "触发限购规则"}, ensure_ascii=False
            )
            return httpx.Response(
                200, stream=_Frames([b": listening\n\n", f"event: anomaly\ndata: {frame}\n\n".encode()])
            )
        if host == "rules" and path == "/v1/anomalies":
            if token == "local-warehouse":
                return _error(403, "forbidden", "role 'warehouse' may not do this")
            return httpx.Response(200, json={"items": [], "count": 0})
        if (host, path) == ("rules", "/v1/rules") and method == "GET":
            return httpx.Response(200, json=rule_set())
        if (host, path) == ("rules", "/v1/rules") and method == "PUT":
            condition = body["rules"][0]["condition"]
            if "300000" in condition:
                errors = ["R11 大额订单: example must_trigger does not trigger the rule"]
                return _error(422, "rule_set_invalid", "rule set refused", {"errors": errors})
            return httpx.Response(200, json=rule_set(4))
        if (host, path) == ("rules", "/v1/anomalies/kpi/response-time"):
            if "+08:00" not in str(self.last_params.get("since")):
                return _error(422, "invalid_request", "since and until need a timezone")
            group = {"rule_id": None, "level": None, "raised": 3, "responded": 2, "waiting": 1,
                     "avg_minutes": 6.5, "p90_minutes": 9.0}  # fmt: skip
            return httpx.Response(200, json={"groups": [group]})
        if (host, path) == ("rules", "/v1/rules/history"):
            return httpx.Response(200, json=[])
        if host == "fulfillment" and self.warehouse_api and path.startswith(WAREHOUSE_PATHS):
            return warehouse(method, path, body)
        if host == "insights":
            return insights(path)
        if host == "aftersales" and self.returns_api and path in ("/v1/return-routing", "/v1/agents"):
            if method == "PUT":
                return httpx.Response(200, json=body)
            if path == "/v1/agents":
                return httpx.Response(200, json=[{"agent": "张三", "on_duty": True, "open_tickets": 2,
                                                  "categories": ["空调"]}])  # fmt: skip
            return httpx.Response(200, json={"routes": [{"category": "空调", "agents": ["张三", "李四"]}]})
        if host == "aftersales" and self.returns_api and path.startswith("/v1/agents/"):
            return httpx.Response(200, json={"agent": "张三", "on_duty": body["on_duty"]})
        if host == "aftersales" and self.returns_api and path.startswith("/v1/returns"):
            return returns(method, path, body)
        if (host, path) == ("fulfillment", "/v1/outbound"):
            parcel = {"outbound_id": "OB1", "order_id": ORDER_ID, "status": "shipped", "carrier": "SF",
                      "waybill_no": "SF0001", "ship_deadline": "2026-02-19T06:25:00+00:00"}  # fmt: skip
            return httpx.Response(200, json={"order_id": ORDER_ID, "items": [parcel], "awaiting_stock": False,
                                             "on_hold": False, "cancelled": False})  # fmt: skip
        if (host, path) == ("fulfillment", "/v1/shipments/SF0001"):
            checkpoint = {"time": "2026-02-19T01:00:00+00:00", "context": "快件已到达【杭州转运中心】",
                          "state_label": "在途"}  # fmt: skip
            shipment = {"waybill_no": "SF0001", "status": "in_transit", "state_label": "在途", "track": [checkpoint]}
            return httpx.Response(200, json={**shipment, "latest_context": checkpoint["context"]})
        if re.fullmatch(r"/v1/(outbound|messages|order-refs/.*)", path):
            return _error(404, "not_found", "nothing")
        return _error(404, "http_error", "Not Found")


def _error(status: int, code: str, message: str, details: Any = None) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": message, "details": details}})


WAREHOUSE_PATHS = ("/v1/board", "/v1/picklists", "/v1/scans/ship", "/v1/print-jobs", "/v1/wms-bridge")
PICKLIST_ID = "PL20260218-0001"


def board_row(order_id: str, minutes_left: int) -> dict[str, Any]:
    return {"outbound_id": "OB1", "order_id": order_id, "channel": "taobao", "channel_order_no": "TB1",
            "status": "created", "zone": "in_stock", "ship_deadline": "2026-02-19T06:25:00+00:00",
            "minutes_left": minutes_left, "time_left_text": f"剩 {minutes_left // 60} 小时", "overdue": False,
            "urgent": minutes_left < 240, "carrier": "local", "waybill_no": "LC0001", "receiver_name": "张三",
            "receiver_phone": "138****5678", "receiver_address": "浙江省杭州市",
            "items": [{"sku": "AC-1001", "title": "变频空调", "quantity": 1, "bin_location": "A-01-02"}],
            "buyer_remark": "周末送货", "seller_memo": "", "gift_note": "", "remark_flags": []}  # fmt: skip


def warehouse(method: str, path: str, body: Any) -> httpx.Response:
    if path == "/v1/board":
        rows = [board_row(ORDER_ID, 90), board_row("DABE20260218150000002", 900)]
        return httpx.Response(200, json={"generated_at": "2026-02-18T06:25:00+00:00", "overdue": 0, "urgent": 1,
                                         "in_stock": rows, "presale": []})  # fmt: skip
    if path == "/v1/picklists" and method == "POST":
        return httpx.Response(201, json={"picklist_id": PICKLIST_ID})
    if path == f"/v1/picklists/{PICKLIST_ID}":
        order = {"outbound_id": "OB1", "order_id": ORDER_ID, "headline": "发货截止 02-19 14:25", "carrier": "local",
                 "waybill_no": "LC0001", "receiver_name": "张三", "receiver_phone": "138****5678",
                 "remarks": [{"label": "买家备注", "text": "周末送货"}],
                 "lines": [{"sku": "AC-1001", "title": "变频空调", "quantity": 1, "bin": "A-01-02"}]}  # fmt: skip
        return httpx.Response(200, json={"picklist_id": PICKLIST_ID, "status": "created", "created_by": "本地仓管",
                                         "created_at": "2026-02-18T06:25:00+00:00", "orders": [order],
                                         "totals": [], "print_job_id": None})  # fmt: skip
    if path == f"/v1/picklists/{PICKLIST_ID}.pdf":
        return httpx.Response(200, content=b"%PDF-1.4", headers={"content-type": "application/pdf"})
    if path == f"/v1/picklists/{PICKLIST_ID}/print":
        return httpx.Response(202, json={"picklist_id": PICKLIST_ID, "print_job_id": 7})
    if path == "/v1/scans/ship":
        if body["waybill_no"] != "LC0001":
            return _error(404, "unknown_waybill", f"运单 {body['waybill_no']} 不存在")
        return httpx.Response(200, json={"waybill_no": "LC0001", "order_id": ORDER_ID, "outbound_id": "OB1",
                                         "zone": "in_stock", "carrier": "local", "shipped_at": "2026-02-18T06:25:00Z",
                                         "already_shipped": False, "order_shipped": True,
                                         "message": f"发货成功：订单 {ORDER_ID} 已全部发出"})  # fmt: skip
    if path == "/v1/print-jobs":
        return httpx.Response(200, json={"printer": "ipp://printer", "items": []})
    if path == "/v1/wms-bridge":
        schedule = {
            "timezone": "Asia/Shanghai",
            "read_at": "08:55",
            "print_at": "09:00",
            "input_name": "待发货清单.xlsx",
        }
        return httpx.Response(200, json={"schedule": schedule, "printer": "ipp://printer", "runs": []})
    return httpx.Response(200, json={"items": []})


TICKET_ID = "RT20260218-0001"


def ticket(status: str = "requested", **changes: Any) -> dict[str, Any]:
    names = {"requested": "待审核", "approved": "已同意", "rejected": "已拒绝", "waybill_issued": "已生成退货运单",
             "discrepancy": "收货差异", "received": "仓库已收货"}  # fmt: skip
    base = {"ticket_id": TICKET_ID, "order_id": ORDER_ID, "type": "return_refund", "type_name": "退货退款",
            "status": status, "status_name": names[status], "lines": [{"sku": "AC-1001", "quantity": 1}],
            "reason": "不制冷", "category": "空调", "assignee": "本地客服", "decision_note": "",
            "return_carrier": None, "return_waybill_no": None, "received": None, "problems": [],
            "filed_at": "2026-02-18T06:25:00+00:00", "refund": None}  # fmt: skip
    return {**base, **changes}


def returns(method: str, path: str, body: Any) -> httpx.Response:
    if path == "/v1/returns":
        return httpx.Response(200, json=[ticket()])
    if path == f"/v1/returns/{TICKET_ID}":
        return httpx.Response(200, json=ticket())
    if path.endswith("/approve"):
        return httpx.Response(
            200, json=ticket("waybill_issued", return_waybill_no="RL0001", decision_note=body["note"])
        )
    if path.endswith("/reject"):
        return httpx.Response(200, json=ticket("rejected", decision_note=body["reason"]))
    if path == "/v1/returns/scan/RL0001":
        return httpx.Response(200, json={"ticket": ticket("waybill_issued"), "order": None})
    if path.endswith("/receipt"):
        status = (
            "received" if body["lines"] == [{"sku": "AC-1001", "quantity": 1, "condition": "good"}] else "discrepancy"
        )
        return httpx.Response(200, json=ticket(status, problems=[] if status == "received" else ["少收 1 件"]))
    if path.endswith("/photos"):
        assert body.startswith(b"\x89PNG"), "the photo's own bytes"
        return httpx.Response(201, json={"photo_id": "P1", "ticket_id": TICKET_ID})
    if path.endswith("/receipt/complete"):
        return httpx.Response(200, json=ticket("received"))
    return _error(404, "not_found", "没有这个退货运单")


def insights(path: str) -> httpx.Response:
    if path == "/v1/kpi":
        summary = {"anomalies": 4, "contacted": 3, "average_minutes": 8.4}
        handled = [{"date": "2026-02-18", "agent": "张三", "count": 290, "actions": []},
                   {"date": "2026-02-17", "agent": "张三", "count": 296, "actions": []}]  # fmt: skip
        accuracy = {"available": True, "sampled": 50, "agreed": 49, "accuracy": 0.98,
                    "mismatches": [{"order_id": "DABE1"}]}  # fmt: skip
        return httpx.Response(200, json={"first_day": "2026-02-12", "last_day": "2026-02-18",
                                         "status_accuracy": accuracy,
                                         "response_time": {"min_level": 2, "overall": summary, "days": []},
                                         "handled_per_agent": handled})  # fmt: skip
    if path == "/v1/heat":
        hot = {"weekday": 5, "weekday_name": "周五", "hour": 20, "customers": 120, "repurchased": 42, "rate": 0.35,
               "thin": False}  # fmt: skip
        thin = {**hot, "hour": 3, "customers": 4, "repurchased": 1, "rate": 0.25, "thin": True}
        body = {"coupon": None, "window_days": 7, "min_customers": 30, "customers": 124, "repurchased": 43,
                "rate": 0.347, "top": [hot], "cells": [hot, thin]}  # fmt: skip
        return httpx.Response(200, json=body)
    return _error(404, "http_error", "Not Found")


class _Frames(httpx.AsyncByteStream):
    """A streamed body, frame by frame, as a server-sent event stream arrives."""

    def __init__(self, frames: list[bytes]) -> None:
        self.frames = frames

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for frame in self.frames:
            yield frame
