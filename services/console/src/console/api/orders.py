"""Customer service: one search box, and the order page with everything about one order, each
part read from the service that owns it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from orderhub_runtime.logging import get_logger

from console.clients import Json, ServiceError, api_missing
from console.deps import CsDesk, CsrfChecked, Deps, OrderReader
from console.errors import is_htmx, service_message
from console.views import render

log = get_logger(__name__)
router = APIRouter(tags=["orders"])


@router.get("/orders")
async def search(
    request: Request, deps: Deps, session: OrderReader, q: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    result: Json | None = None
    error = ""
    if q.strip():
        try:
            result = await deps.ingest.search(session.token, q.strip())
        except ServiceError as exc:
            if exc.status in (0, 401, 403):
                raise
            error = _search_problem(exc)
    hits = (result or {}).get("results", [])
    if len(hits) == 1 and hits[0].get("order_id") == q.strip():  # a whole global ID: straight to the order
        target = f"/orders/{hits[0]['order_id']}"
        if is_htmx(request):
            return Response(status_code=200, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
    template = "_search_results.html" if is_htmx(request) else "search.html"
    return render(deps.templates, request, template, session, q=q, result=result, error=error)


def _search_problem(exc: ServiceError) -> str:
    if exc.status == 422:
        problems = [str(d.get("problem", "")) for d in exc.details or [] if isinstance(d, dict)]
        return "无法搜索：" + ("；".join(p for p in problems if p) or exc.message)
    return service_message(exc)


async def _part(call: Awaitable[Json]) -> tuple[Json | None, str]:
    """One part of the order page: its data, or why it is missing (the rest still shows)."""
    try:
        return await call, ""
    except ServiceError as exc:
        if exc.status == 401:
            raise
        if api_missing(exc):
            return None, "接口尚未上线"
        if exc.status == 404:
            return None, ""
        return None, service_message(exc)


@router.get("/orders/{order_id}")
async def order_page(request: Request, order_id: str, deps: Deps, session: OrderReader) -> Response:
    token = session.token
    order = await deps.ingest.order(token, order_id)
    (
        (anomalies, anomalies_error),
        (outbound, outbound_error),
        (messages, messages_error),
        (tickets, tickets_error),
    ) = await asyncio.gather(
        _part(deps.rules.anomalies(token, {"order_id": order_id, "limit": 200})),
        _part(deps.fulfillment.outbound(token, order_id)),
        _part(deps.notify.messages(token, order_id)),
        _part(deps.aftersales.tickets_of(token, order_id)),
    )
    waybills = [str(p["waybill_no"]) for p in (outbound or {}).get("items", []) if p.get("waybill_no")]
    shipments = await asyncio.gather(*(_part(deps.fulfillment.shipment(token, w)) for w in waybills))
    context: dict[str, Any] = {
        "tracks": {w: found for w, (found, _) in zip(waybills, shipments, strict=True) if found is not None},
        "order": order,
        "timeline": list(reversed(order.get("timeline", []))),
        "anomalies": (anomalies or {}).get("items", []),
        "anomalies_error": anomalies_error,
        "outbound": outbound,
        "outbound_error": outbound_error,
        "messages": (messages or {}).get("items", []),
        "messages_error": messages_error,
        "tickets": (tickets or {}).get("value", []),
        "tickets_error": tickets_error,
    }
    return render(deps.templates, request, "order.html", session, **context)


@router.post("/orders/{order_id}/reveal-phone", dependencies=[CsrfChecked])
async def reveal_phone(request: Request, order_id: str, deps: Deps, session: CsDesk) -> Response:
    """Show the full receiver phone to an agent who must call; who saw which order's number is logged."""
    log.info("order.phone_revealed", order_id=order_id, staff=session.name, role=session.role)
    phone = ""
    error = ""
    try:
        phone = str((await deps.ingest.receiver_phone(session.token, order_id)).get("phone", ""))
    except ServiceError as exc:
        if exc.status == 401:
            raise
        if exc.code in ("http_error", "not_found") and exc.status in (404, 405):
            error = "订单服务尚未提供完整号码查询接口，请联系运维。"
        else:
            error = service_message(exc)
    return render(deps.templates, request, "_phone.html", session, phone=phone, error=error, order_id=order_id)
