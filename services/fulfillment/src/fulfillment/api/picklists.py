"""Pick lists (拣货单): build a wave, read it as JSON, Excel or PDF, send it to the printer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from orderhub_runtime.app import DatabaseDep
from pydantic import BaseModel, Field

from fulfillment.deps import AnyStaff, Deps, Warehouse
from fulfillment.outbound.model import Zone
from fulfillment.picklists import service
from fulfillment.picklists.model import CreatePicklist, PickSheet, SheetOrder

router = APIRouter(prefix="/v1", tags=["picklists"])
PicklistId = Annotated[str, Path(pattern=r"^PL\d{8}-\d{4,}$")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PicklistIn(BaseModel):
    max_orders: int | None = Field(default=None, ge=1, le=500)  # default FULFILLMENT_PICKLIST_MAX_ORDERS (50)
    zone: Zone | None = None
    carrier: str | None = Field(default=None, min_length=1, max_length=50)


class LineOut(BaseModel):
    sku: str
    title: str
    quantity: int
    bin: str


class RemarkOut(BaseModel):
    label: str
    text: str


class PickOrderOut(BaseModel):
    outbound_id: str
    order_id: str
    channel_order_no: str
    zone: Zone
    headline: str  # what the sheet prints in red at the order's top
    ship_deadline: datetime | None
    presale_ship_date: date | None
    carrier: str
    waybill_no: str
    receiver_name: str
    receiver_phone: str  # masked
    remarks: list[RemarkOut]
    lines: list[LineOut]  # in walking order (by bin)

    @classmethod
    def of(cls, o: SheetOrder) -> PickOrderOut:
        return cls(
            outbound_id=o.outbound_id,
            order_id=o.order_id,
            channel_order_no=o.channel_order_no,
            zone=o.zone,
            headline=o.headline,
            ship_deadline=o.ship_deadline,
            presale_ship_date=o.presale_ship_date,
            carrier=o.carrier,
            waybill_no=o.waybill_no,
            receiver_name=o.receiver_name,
            receiver_phone=o.receiver_phone,
            remarks=[RemarkOut(label=label, text=text) for label, text in o.remarks],
            lines=[LineOut(sku=x.sku, title=x.title, quantity=x.quantity, bin=x.bin) for x in o.lines_by_bin],
        )


class SkuTotalOut(BaseModel):
    sku: str
    title: str
    bin: str
    quantity: int
    orders: int


class PicklistOut(BaseModel):
    picklist_id: str
    status: str
    created_at: datetime
    created_by: str
    zone: Zone | None
    carrier: str | None
    orders: list[PickOrderOut]  # most urgent first
    totals: list[SkuTotalOut]  # the summary page: each SKU to pick, in walking order
    print_job_id: int | None = None
    links: dict[str, str]

    @classmethod
    def of(cls, sheet: PickSheet, status: str, print_job_id: int | None = None) -> PicklistOut:
        base = f"/v1/picklists/{sheet.picklist_id}"
        return cls(
            picklist_id=sheet.picklist_id,
            status=status,
            created_at=sheet.created_at,
            created_by=sheet.created_by,
            zone=sheet.zone,
            carrier=sheet.carrier,
            orders=[PickOrderOut.of(o) for o in sheet.orders],
            totals=[
                SkuTotalOut(sku=t.sku, title=t.title, bin=t.bin, quantity=t.quantity, orders=t.orders)
                for t in sheet.totals
            ],
            print_job_id=print_job_id,
            links={"xlsx": f"{base}.xlsx", "pdf": f"{base}.pdf", "print": f"{base}/print"},
        )


class PrintQueuedOut(BaseModel):
    picklist_id: str
    print_job_id: int


class PicklistSummaryOut(BaseModel):
    picklist_id: str
    status: Literal["open", "closed"]
    zone: str | None
    carrier: str | None
    created_by: str
    created_at: datetime
    closed_at: datetime | None
    orders: int


class PicklistsOut(BaseModel):
    items: list[PicklistSummaryOut]  # newest first


class ClosedOut(BaseModel):
    picklist_id: str
    status: Literal["closed"]
    returned_to_board: list[str]  # outbound IDs still `picking`, now unpicked again


@router.get("/picklists")
async def list_picklists(
    db: DatabaseDep,
    _: AnyStaff,
    status: Literal["open", "closed"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> PicklistsOut:
    found = await service.list_picklists(db, status=status, limit=limit)
    return PicklistsOut(items=[PicklistSummaryOut.model_validate(s, from_attributes=True) for s in found])


@router.post("/picklists", status_code=201)
async def create_picklist(body: PicklistIn, db: DatabaseDep, deps: Deps, staff: Warehouse) -> PicklistOut:
    """A wave of up to `max_orders` of the most urgent unpicked outbound orders; they become `picking`."""
    max_orders = body.max_orders or deps.settings.picklist_max_orders
    command = CreatePicklist(max_orders=max_orders, created_by=staff.name, zone=body.zone, carrier=body.carrier)
    auto = deps.settings.picklist_auto_print
    result = await db.run_in_transaction(
        lambda tx: service.create_picklist(
            tx,
            command,
            now=deps.clock(),
            printer=deps.printer if auto else None,
            font=deps.settings.cjk_font if auto else None,
        )
    )
    return PicklistOut.of(result.sheet, result.status, result.print_job_id)


@router.get("/picklists/{picklist_id}.xlsx", response_class=Response)
async def picklist_xlsx(picklist_id: PicklistId, db: DatabaseDep, _: AnyStaff) -> Response:
    found = await service.get_picklist(db, picklist_id)
    body = await service.sheet_xlsx(found.sheet)
    return Response(body, media_type=XLSX, headers=_attachment(f"{picklist_id}.xlsx"))


@router.get("/picklists/{picklist_id}.pdf", response_class=Response)
async def picklist_pdf(picklist_id: PicklistId, db: DatabaseDep, deps: Deps, _: AnyStaff) -> Response:
    found = await service.get_picklist(db, picklist_id)
    body = await service.sheet_pdf(found.sheet, deps.settings.cjk_font)
    return Response(body, media_type="application/pdf", headers=_attachment(f"{picklist_id}.pdf"))


@router.get("/picklists/{picklist_id}")
async def get_picklist(picklist_id: PicklistId, db: DatabaseDep, _: AnyStaff) -> PicklistOut:
    found = await service.get_picklist(db, picklist_id)
    return PicklistOut.of(found.sheet, found.status)


@router.post("/picklists/{picklist_id}/print", status_code=202)
async def print_picklist(picklist_id: PicklistId, db: DatabaseDep, deps: Deps, _: Warehouse) -> PrintQueuedOut:
    """Put the wave's PDF in the printer queue (GET /v1/print-jobs shows how it goes)."""
    job_id = await db.run_in_transaction(
        lambda tx: service.print_picklist(tx, picklist_id, deps.printer, deps.settings.cjk_font)
    )
    return PrintQueuedOut(picklist_id=picklist_id, print_job_id=job_id)


@router.post("/picklists/{picklist_id}/close")
async def close_picklist(picklist_id: PicklistId, db: DatabaseDep, deps: Deps, _: Warehouse) -> ClosedOut:
    """The wave's picking is over: it closes, and its orders not yet shipped return to the board."""
    returned = await db.run_in_transaction(lambda tx: service.close_picklist(tx, picklist_id, deps.clock()))
    return ClosedOut(picklist_id=picklist_id, status="closed", returned_to_board=returned)


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}
