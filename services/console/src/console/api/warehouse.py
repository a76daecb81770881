"""Warehouse: the urgency board (deadlines counting down, red under 4 h), building a pick list
from it, the pick list itself with its PDF / Excel and the printer, print jobs and WMS bridge runs."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from console.clients import Json, ServiceError, api_missing
from console.deps import CsrfChecked, Deps, StockKeeper
from console.errors import is_htmx
from console.views import render

router = APIRouter(tags=["warehouse"])
Zone = Literal["in_stock", "presale"]
PicklistId = Annotated[str, Path(pattern=r"^PL\d{8}-\d{4,}$")]
# Under this much time left the board shows an order in red (the R16 warning window).
URGENT_MINUTES = 4 * 60


def _missing(exc: ServiceError, what: str) -> str:
    if not api_missing(exc):
        raise exc
    return f"{what}接口尚未上线（{exc.service} 服务需更新），此页暂不可用。"


@router.get("/board")
async def board(
    request: Request, deps: Deps, session: StockKeeper, zone: Annotated[Zone | None, Query()] = None
) -> Response:
    data: Json | None = None
    missing = ""
    try:
        data = await deps.fulfillment.board(session.token, zone)
    except ServiceError as exc:
        missing = _missing(exc, "发货看板")
    template = "_board.html" if is_htmx(request) else "board.html"
    return render(
        deps.templates, request, template, session, board=data, zone=zone, missing=missing, urgent=URGENT_MINUTES
    )


@router.post("/picklists", dependencies=[CsrfChecked])
async def create_picklist(
    request: Request,
    deps: Deps,
    session: StockKeeper,
    max_orders: Annotated[int, Form(ge=1, le=500)] = 50,
    zone: Annotated[str, Form()] = "",
) -> Response:
    created = await deps.fulfillment.create_picklist(session.token, max_orders, zone or None)
    target = f"/picklists/{created['picklist_id']}"
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


@router.get("/picklists/{picklist_id}")
async def picklist(request: Request, picklist_id: PicklistId, deps: Deps, session: StockKeeper) -> Response:
    sheet = await deps.fulfillment.picklist(session.token, picklist_id)
    return render(deps.templates, request, "picklist.html", session, sheet=sheet, printed=None)


@router.get("/picklists/{picklist_id}/sheet.{kind}")
async def picklist_file(
    picklist_id: PicklistId, kind: Literal["pdf", "xlsx"], deps: Deps, session: StockKeeper
) -> Response:
    upstream = await deps.fulfillment.picklist_file(session.token, picklist_id, kind)
    headers = {"Content-Disposition": upstream.headers.get("content-disposition", f"attachment; filename={kind}")}
    return Response(upstream.content, media_type=upstream.headers.get("content-type"), headers=headers)


@router.post("/picklists/{picklist_id}/print", dependencies=[CsrfChecked])
async def print_picklist(request: Request, picklist_id: PicklistId, deps: Deps, session: StockKeeper) -> Response:
    queued = await deps.fulfillment.print_picklist(session.token, picklist_id)
    message = f"拣货单 {picklist_id} 已送打印队列（打印任务 #{queued.get('print_job_id')}）"
    return render(deps.templates, request, "_flash.html", session, message=message, kind="ok")


@router.get("/printing")
async def printing(request: Request, deps: Deps, session: StockKeeper) -> Response:
    jobs: Json | None = None
    bridge: Json | None = None
    missing = ""
    try:
        jobs = await deps.fulfillment.print_jobs(session.token)
        bridge = await deps.fulfillment.wms_bridge(session.token)
    except ServiceError as exc:
        missing = _missing(exc, "打印队列与 WMS 桥")
    return render(deps.templates, request, "printing.html", session, jobs=jobs, bridge=bridge, missing=missing)


@router.post("/printing/wms-run", dependencies=[CsrfChecked])
async def run_wms_bridge(request: Request, deps: Deps, session: StockKeeper) -> Response:
    runs = (await deps.fulfillment.run_wms_bridge(session.token)).get("items", [])
    if runs:
        message = "；".join(
            f"{r['file_name']}：{r['status']}，{r['rows_read']} 行（{r['unknown']} 行未找到订单）" for r in runs
        )
    else:
        message = "收件夹中没有待处理的 WMS 导出文件。"
    return render(deps.templates, request, "_flash.html", session, message=message, kind="ok")
