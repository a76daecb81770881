"""Pick lists on the real database: a wave of the 50 most urgent orders whose sheets (Excel read
back with openpyxl, PDF read back with pdftotext) carry every remark verbatim, lines by bin."""

from __future__ import annotations

import asyncio
import io
import random
import re
import shutil
import subprocess
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fulfillment.outbound.model import OutboundOrder, OutboundStatus, Zone
from fulfillment.outbound.repository import insert_outbound
from fulfillment.picklists.model import CreatePicklist, bin_key
from fulfillment.picklists.service import create_picklist
from fulfillment.printing.printers import SpoolPrinter
from fulfillment.settings import DEFAULT_CJK_FONT
from fulfillment.tables import outbound_orders, products
from openpyxl import load_workbook
from orderhub_contracts.address import Receiver
from orderhub_contracts.events import OrderCancelled
from orderhub_contracts.order import LineItem
from sqlalchemy import insert, select, update

pytestmark = pytest.mark.asyncio(loop_scope="session")
WAREHOUSE = {"Authorization": "Bearer local-warehouse"}
PHONE = "13987654321"
PRESALE_DAY = date(2026, 12, 20)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: `make install` installs poppler-utils")
    return path


async def _pdf_text(pdf: bytes) -> str:
    done = await asyncio.to_thread(
        subprocess.run, [_tool("pdftotext"), "-", "-"], input=pdf, capture_output=True, check=True
    )
    return done.stdout.decode()


async def _pdf_fonts(pdf: bytes) -> str:
    done = await asyncio.to_thread(
        subprocess.run, [_tool("pdffonts"), "-"], input=pdf, capture_output=True, check=False
    )
    return done.stdout.decode()


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


async def _seed(env: Any, carrier: str, count: int) -> list[OutboundOrder]:
    """`count` outbound orders of one carrier (so other tests' orders stay out of the wave), each
    with long remarks, a gift note and 3 lines over a catalogue of shelved SKUs."""
    rng = random.Random(carrier)
    tag = uuid.uuid4().hex[:6].upper()
    skus = [f"SKU-{tag}-{i:02d}" for i in range(12)]
    bins = {sku: f"{'ABCD'[i % 4]}-{i % 7 + 1}-{i % 3 + 1:02d}" for i, sku in enumerate(skus)}
    now = datetime.now(UTC)
    orders = []
    for i in range(count):
        presale = i % 10 == 3
        order_skus = [skus[0]] if presale else rng.sample(skus[1:], 3)
        orders.append(
            OutboundOrder(
                outbound_id=f"OB{tag}{i:04d}",
                order_id=f"DABE{tag}{i:06d}",
                status=OutboundStatus.CREATED,
                ship_deadline=now + timedelta(minutes=rng.randrange(10, 2000)),
                receiver=Receiver(
                    name=f"收件人{i}",
                    phone=PHONE,
                    province="浙江省",
                    city="杭州市",
                    district="西湖区",
                    street="文三路",
                    detail=f"{i}号",
                ),
                items=tuple(
                    LineItem(sku=s, title=f"电饭煲 {s[-2:]} 型", quantity=1 + i % 3, unit_price_fen=9900)
                    for s in order_skus
                ),
                buyer_remark=f"订单{i}：请开增值税专用发票，抬头「杭州某某电器有限公司」，税号 91330100MA2{i:06d}；"
                + "周末不在家，请工作日送达，放门口快递柜即可，A&B <礼盒> 不要拆。" * (1 + i % 4),
                seller_memo=f"已与客户电话 1370000{i:04d} 确认，第{i}单优先发货" if i % 2 else "",
                gift_note=f"祝你生日快乐，第{i}份礼物！" if i % 3 == 0 else "",
                carrier=carrier,
                waybill_no=f"WB{tag}{i:06d}",
                zone=Zone.PRESALE if presale else Zone.IN_STOCK,
                channel="taobao",
                channel_order_no=f"TB{tag}{i:06d}",
                remark_flags=("R12 备注需关注",) if i % 2 else (),
            )
        )
    async with env.db.transaction() as tx:
        await tx.conn.execute(
            insert(products),
            [
                {
                    "sku": s,
                    "title": f"电饭煲 {s[-2:]} 型",
                    "list_price_fen": 9900,
                    "bin_location": bins[s],
                    "presale_ship_date": PRESALE_DAY if s == skus[0] else None,
                }
                for s in skus
            ],
        )
        for order in orders:
            await insert_outbound(tx.conn, order)
    return orders


def _remarks(order: OutboundOrder) -> list[str]:
    """As the paper shows them: in full, a mobile number in one masked."""
    found = [f"买家留言：{order.buyer_remark}"]
    if order.seller_memo:
        found.append(f"卖家备注：{order.seller_memo.replace('1370000', '137****')}")
    if order.gift_note:
        found.append(f"礼品留言：{order.gift_note}")
    return found


async def test_a_wave_of_the_50_most_urgent_orders_on_excel_and_pdf(fulfillment: Any) -> None:
    carrier = f"T{uuid.uuid4().hex[:8]}"
    orders = await _seed(fulfillment, carrier, 55)
    urgent = sorted(orders, key=lambda o: (o.ship_deadline, o.outbound_id))[:50]

    created = await fulfillment.client.post("/v1/picklists", json={"carrier": carrier}, headers=WAREHOUSE)
    assert created.status_code == 201, created.text
    wave = created.json()
    assert [o["outbound_id"] for o in wave["orders"]] == [o.outbound_id for o in urgent]
    picklist_id = wave["picklist_id"]
    for shown in wave["orders"]:
        bins = [line["bin"] for line in shown["lines"]]
        assert bins == sorted(bins, key=lambda b: bin_key(b, "")), bins
        assert shown["receiver_phone"] == "139****4321"
    presale = [o for o in wave["orders"] if o["zone"] == "presale"]
    assert presale and all(o["headline"].startswith("预计12月20日开始发货") for o in presale)
    assert (await fulfillment.client.get(f"/v1/picklists/{picklist_id}", headers=WAREHOUSE)).json()["orders"] == wave[
        "orders"
    ]

    # Its orders are being picked now; no other wave takes them.
    async with fulfillment.engine.connect() as conn:
        rows = await conn.execute(
            select(outbound_orders.c.outbound_id, outbound_orders.c.status).where(outbound_orders.c.carrier == carrier)
        )
        status = dict(rows.all())
    assert {status[o.outbound_id] for o in urgent} == {"picking"}
    rest = await fulfillment.client.post("/v1/picklists", json={"carrier": carrier}, headers=WAREHOUSE)
    assert len(rest.json()["orders"]) == 5
    none_left = await fulfillment.client.post("/v1/picklists", json={"carrier": carrier}, headers=WAREHOUSE)
    assert none_left.status_code == 409

    # Excel: every remark in full, lines in walking order, the summary totals each SKU.
    xlsx = await fulfillment.client.get(f"/v1/picklists/{picklist_id}.xlsx", headers=WAREHOUSE)
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    sheet = book["拣货单"]
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert picklist_id in cells
    for order in urgent:
        for remark in _remarks(order):
            assert remark in cells, remark
    line_rows = [r for r in sheet.iter_rows(values_only=True) if r[4] == "□"]
    assert len(line_rows) == sum(len(o.items) for o in urgent)
    summary = {r[1]: r[3] for r in book["汇总"].iter_rows(min_row=3, values_only=True) if r[0] != "合计"}
    expected: dict[str, int] = {}
    for order in urgent:
        for item in order.items:
            expected[item.sku] = expected.get(item.sku, 0) + item.quantity
    assert summary == expected

    # PDF: Chinese text there (the font is embedded), every remark verbatim, phones masked.
    pdf = await fulfillment.client.get(f"/v1/picklists/{picklist_id}.pdf", headers=WAREHOUSE)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # A remark that runs over a page break continues after that page's footer.
    text = _squash(re.sub(r"波次 \S+ · 第 \d+ 页", "", await _pdf_text(pdf.content)))
    assert "拣货单" in text and "拣货汇总" in text and "发货截止" in text and "预计12月20日开始发货" in text
    for order in urgent:
        for remark in _remarks(order):
            assert _squash(remark) in text, remark
        assert order.waybill_no in text
    assert PHONE not in text and "139****4321" in text
    assert not re.search(r"1370000\d{4}", text)  # numbers typed into remarks are masked too
    fonts = (await _pdf_fonts(pdf.content)).splitlines()[2:]
    assert fonts and all(" yes " in f for f in fonts), fonts

    # To the printer queue.
    printed = await fulfillment.client.post(f"/v1/picklists/{picklist_id}/print", headers=WAREHOUSE)
    assert printed.status_code == 202
    job = await fulfillment.client.get(f"/v1/print-jobs/{printed.json()['print_job_id']}", headers=WAREHOUSE)
    assert job.json()["document"] == f"拣货单-{picklist_id}.pdf" and job.json()["source"] == f"picklist:{picklist_id}"


async def test_a_wave_of_one_zone_and_the_unknown_wave(fulfillment: Any) -> None:
    carrier = f"T{uuid.uuid4().hex[:8]}"
    await _seed(fulfillment, carrier, 20)
    created = await fulfillment.client.post(
        "/v1/picklists", json={"carrier": carrier, "zone": "presale", "max_orders": 10}, headers=WAREHOUSE
    )
    assert created.status_code == 201
    assert {o["zone"] for o in created.json()["orders"]} == {"presale"} and len(created.json()["orders"]) == 2
    missing = await fulfillment.client.get("/v1/picklists/PL20990101-0001", headers=WAREHOUSE)
    assert missing.status_code == 404
    cs = await fulfillment.client.post("/v1/picklists", json={}, headers={"Authorization": "Bearer local-cs"})
    assert cs.status_code == 403


async def test_a_wave_goes_to_the_printer_queue_as_it_is_made_when_configured(fulfillment: Any, tmp_path: Any) -> None:
    carrier = f"T{uuid.uuid4().hex[:8]}"
    await _seed(fulfillment, carrier, 3)
    command = CreatePicklist(max_orders=50, created_by="测试", carrier=carrier)
    result = await fulfillment.db.run_in_transaction(
        lambda tx: create_picklist(
            tx, command, now=datetime.now(UTC), printer=SpoolPrinter(tmp_path), font=DEFAULT_CJK_FONT
        )
    )
    assert result.print_job_id is not None and len(result.sheet.orders) == 3
    job = (await fulfillment.client.get(f"/v1/print-jobs/{result.print_job_id}", headers=WAREHOUSE)).json()
    assert job["document"] == f"拣货单-{result.sheet.picklist_id}.pdf" and job["status"] == "queued"


async def test_closing_a_wave_returns_its_unshipped_orders_to_the_board(fulfillment: Any) -> None:
    carrier = f"T{uuid.uuid4().hex[:8]}"
    orders = await _seed(fulfillment, carrier, 4)
    wave = (await fulfillment.client.post("/v1/picklists", json={"carrier": carrier}, headers=WAREHOUSE)).json()
    picklist_id = wave["picklist_id"]
    shipped = orders[0].outbound_id
    async with fulfillment.db.transaction() as tx:  # one parcel left the warehouse meanwhile
        await tx.conn.execute(
            update(outbound_orders).where(outbound_orders.c.outbound_id == shipped).values(status="shipped")
        )
    listed = await fulfillment.client.get("/v1/picklists", params={"status": "open"}, headers=WAREHOUSE)
    assert picklist_id in [p["picklist_id"] for p in listed.json()["items"]]

    closed = await fulfillment.client.post(f"/v1/picklists/{picklist_id}/close", headers=WAREHOUSE)
    assert closed.status_code == 200
    assert closed.json()["returned_to_board"] == sorted(o.outbound_id for o in orders[1:])
    # Every change reaches the order: picking when the wave took it, created when it came back.
    for order in orders:
        announced = await fulfillment.events(order.order_id, "outbound.status_changed", count=1 + (order != orders[0]))
        statuses = [(e.data["status"], e.data["picklist_id"], e.data["outbound_id"]) for e in announced]
        expected = [("picking", picklist_id, order.outbound_id)]
        if order != orders[0]:  # not shipped when the wave closed: back on the board
            expected.append(("created", picklist_id, order.outbound_id))
        assert statuses == expected
    again = await fulfillment.client.post(f"/v1/picklists/{picklist_id}/close", headers=WAREHOUSE)
    assert again.status_code == 409
    shown = (await fulfillment.client.get(f"/v1/picklists/{picklist_id}", headers=WAREHOUSE)).json()
    assert shown["status"] == "closed"
    # Back on the board: the next wave takes them.
    next_wave = (await fulfillment.client.post("/v1/picklists", json={"carrier": carrier}, headers=WAREHOUSE)).json()
    assert sorted(o["outbound_id"] for o in next_wave["orders"]) == sorted(o.outbound_id for o in orders[1:])


async def test_a_wave_closes_by_itself_once_every_order_has_shipped_or_been_cancelled(fulfillment: Any) -> None:
    carrier = f"T{uuid.uuid4().hex[:8]}"
    orders = await _seed(fulfillment, carrier, 3)
    wave = (await fulfillment.client.post("/v1/picklists", json={"carrier": carrier}, headers=WAREHOUSE)).json()
    picklist_id = wave["picklist_id"]

    async def status() -> str:
        shown = (await fulfillment.client.get(f"/v1/picklists/{picklist_id}", headers=WAREHOUSE)).json()
        return str(shown["status"])

    assert (await fulfillment.scan_ship(orders[0].waybill_no)).status_code == 200
    await fulfillment.handled(await fulfillment.publish(OrderCancelled(order_id=orders[1].order_id, reason="客户取消")))
    assert await status() == "open", "one order is still to ship"
    assert (await fulfillment.scan_ship(orders[2].waybill_no)).status_code == 200
    assert await status() == "closed"
    listed = await fulfillment.client.get("/v1/picklists", params={"status": "closed"}, headers=WAREHOUSE)
    assert picklist_id in [p["picklist_id"] for p in listed.json()["items"]]
