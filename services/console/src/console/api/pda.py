"""The PDA page (phone-sized, big buttons): scan a parcel out at the warehouse door, and
receive a return (once the aftersales service offers returns)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from console.clients import ServiceError, api_missing
from console.deps import CsrfChecked, Deps, StockKeeper
from console.views import render

router = APIRouter(tags=["pda"])


@router.get("/pda")
async def pda(request: Request, deps: Deps, session: StockKeeper) -> Response:
    return render(deps.templates, request, "pda.html", session, result=None)


@router.post("/pda/ship", dependencies=[CsrfChecked])
async def ship(
    request: Request, deps: Deps, session: StockKeeper, waybill_no: Annotated[str, Form(max_length=40)]
) -> Response:
    waybill = waybill_no.strip()
    try:
        scanned = await deps.fulfillment.ship_scan(session.token, waybill)
        result = {"ok": not scanned.get("already_shipped"), "message": scanned.get("message", ""), "scan": scanned}
    except ServiceError as exc:
        if exc.status in (0, 401, 403) or exc.status >= 500:
            raise
        if api_missing(exc):
            message = "发货扫描接口尚未上线（fulfillment 服务需更新）。"
        elif exc.status == 422:
            message = f"运单号 {waybill} 格式不对，请重新扫描。"
        else:
            message = exc.message
        result = {"ok": False, "message": message, "scan": None}
    return render(deps.templates, request, "_pda_result.html", session, result=result, waybill=waybill)
