"""Customer service: the returns queue with approve / reject; the warehouse: receiving a return
at the dock on the PDA (scan, what arrived, a photo of a discrepancy, complete)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from console.clients import Json, ServiceError, api_missing
from console.deps import CsDesk, CsrfChecked, Deps, StockKeeper
from console.sessions import StaffSession
from console.views import render

router = APIRouter(tags=["returns"])
MISSING = "退货接口尚未上线（aftersales 服务需更新），此功能暂不可用。"
PHOTO_MAX_BYTES = 5 * 1024 * 1024


@router.get("/returns")
async def queue(
    request: Request, deps: Deps, session: CsDesk, status: Annotated[str, Query(max_length=32)] = "requested"
) -> Response:
    tickets: list[Json] = []
    missing = ""
    try:
        tickets = await deps.aftersales.returns(session.token, {"status": status or None, "limit": 200})
    except ServiceError as exc:
        if not api_missing(exc):
            raise
        missing = MISSING
    return render(deps.templates, request, "returns.html", session, tickets=tickets, status=status, missing=missing)


@router.post("/returns/{ticket_id}/{decision}", dependencies=[CsrfChecked])
async def decide(
    request: Request,
    ticket_id: str,
    decision: Literal["approve", "reject"],
    deps: Deps,
    session: CsDesk,
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Approve (the return waybill follows) or reject (the reason is shown to the customer)."""
    text = note.strip()
    if decision == "reject" and not text:
        ticket = await _ticket(deps, session, ticket_id)
        return _row(request, deps, session, ticket, {"ok": False, "text": "拒绝需填写原因（顾客可见）"})
    try:
        if decision == "approve":
            ticket = await deps.aftersales.approve(session.token, ticket_id, text)
            outcome = {"ok": True, "text": "已同意，退货运单将发给顾客"}
        else:
            ticket = await deps.aftersales.reject(session.token, ticket_id, text)
            outcome = {"ok": True, "text": "已拒绝，原因已告知顾客"}
    except ServiceError as exc:
        if exc.status not in (409, 422):
            raise
        return _row(request, deps, session, await _ticket(deps, session, ticket_id), {"ok": False, "text": exc.message})
    return _row(request, deps, session, ticket, outcome)


async def _ticket(deps: Deps, session: StaffSession, ticket_id: str) -> Json:
    return await deps.aftersales.client.get(f"/v1/returns/{ticket_id}", session.token)


def _row(request: Request, deps: Deps, session: StaffSession, ticket: Json, outcome: dict[str, object]) -> Response:
    return render(deps.templates, request, "_return_row.html", session, t=ticket, outcome=outcome)


@router.post("/pda/returns/scan", dependencies=[CsrfChecked])
async def scan(
    request: Request, deps: Deps, session: StockKeeper, waybill_no: Annotated[str, Form(max_length=40)]
) -> Response:
    try:
        found = await deps.aftersales.scan_return(session.token, waybill_no.strip())
    except ServiceError as exc:
        if exc.status in (0, 401, 403) or exc.status >= 500:
            raise
        message = MISSING if api_missing(exc) else exc.message
        return render(deps.templates, request, "_pda_result.html", session, result={"ok": False, "message": message})
    return render(deps.templates, request, "_pda_return.html", session, t=found["ticket"], order=found.get("order"))


@router.post("/pda/returns/{ticket_id}/receipt", dependencies=[CsrfChecked])
async def receipt(request: Request, ticket_id: str, deps: Deps, session: StockKeeper) -> Response:
    """What arrived, per requested SKU: quantity and condition (good or damaged)."""
    form = await request.form()
    lines: list[Json] = []
    for sku in form.getlist("sku"):
        if not isinstance(sku, str):
            continue
        quantity = str(form.get(f"qty-{sku}", "0"))
        count = int(quantity) if quantity.isdigit() else 0
        if count > 0:
            lines.append({"sku": sku, "quantity": count, "condition": str(form.get(f"cond-{sku}", "good"))})
    ticket = await deps.aftersales.record_receipt(session.token, ticket_id, lines)
    return render(deps.templates, request, "_pda_return.html", session, t=ticket, order=None)


@router.post("/pda/returns/{ticket_id}/photo", dependencies=[CsrfChecked])
async def photo(
    request: Request, ticket_id: str, deps: Deps, session: StockKeeper, picture: Annotated[UploadFile, File()]
) -> Response:
    data = await picture.read(PHOTO_MAX_BYTES + 1)
    if len(data) > PHOTO_MAX_BYTES:
        result = {"ok": False, "message": "照片太大（上限 5 MB），请重拍。"}
        return render(deps.templates, request, "_pda_result.html", session, result=result)
    await deps.aftersales.add_photo(session.token, ticket_id, data, picture.content_type or "")
    ticket = await deps.aftersales.complete_receipt(session.token, ticket_id, "PDA 拍照确认收货差异")
    return render(deps.templates, request, "_pda_return.html", session, t=ticket, order=None, photo_added=True)
