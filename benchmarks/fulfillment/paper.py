"""`python -m benchmarks.fulfillment.paper` (`make bench-paper`): the warehouse's paper on a
private embedded Postgres (needs the development environment: orderhub-devstack).

1. The WMS bridge: a 2,000-row 待发货清单.xlsx (rows by global ID, by channel order number and a
   few unknown) read at 08:55 (remarks looked up, 带备注发货单.xlsx written) and printed at 09:00
   (带备注发货单.pdf rendered, queued for the printer).
2. A pick list of 200 orders: the wave built from the board (orders locked, marked picking, the
   sheet stored), then its Excel and PDF sheets rendered.

Each step is timed on the wall clock in this one process (the database runs in its own)."""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from fulfillment.outbound.model import OutboundOrder, OutboundStatus, Zone
from fulfillment.outbound.repository import insert_outbound
from fulfillment.picklists.model import CreatePicklist
from fulfillment.picklists.pdf import render_pdf
from fulfillment.picklists.service import create_picklist
from fulfillment.picklists.xlsx import render_xlsx
from fulfillment.printing.printers import SpoolPrinter
from fulfillment.settings import DEFAULT_CJK_FONT
from fulfillment.tables import messaging, products
from fulfillment.wms_bridge.model import Folders
from fulfillment.wms_bridge.service import BridgeConfig, print_annotated, read_inbox
from openpyxl import Workbook
from orderhub_contracts.address import Receiver
from orderhub_contracts.order import LineItem
from orderhub_contracts.timezone import SHANGHAI
from orderhub_devstack.bench_stack import private_stack
from orderhub_runtime.bus.outbox import OutboxWriter
from orderhub_runtime.db import Database, make_engine
from orderhub_runtime.migrations import upgrade_head
from sqlalchemy import insert

T = TypeVar("T")
REMARKS = ("请开发票，抬头：杭州某某电器有限公司", "周末不在家，工作日送达", "生日礼物，请勿放价格单", "")


def _orders(count: int, carrier: str, seed: int) -> tuple[list[OutboundOrder], list[dict[str, Any]]]:
    rng = random.Random(seed)
    skus = [f"SKU-{i:04d}" for i in range(300)]
    catalogue = [
        {
            "sku": s,
            "title": f"家电 {s}",
            "list_price_fen": 19900,
            "bin_location": f"{'ABCDEF'[i % 6]}-{i % 20 + 1}-{i % 4 + 1:02d}",
        }
        for i, s in enumerate(skus)
    ]
    now = datetime.now(UTC)
    orders = [
        OutboundOrder(
            outbound_id=f"OB{i:08d}",
            order_id=f"DABE{i:012d}",
            status=OutboundStatus.CREATED,
            ship_deadline=now + timedelta(minutes=rng.randrange(30, 1440)),
            receiver=Receiver(
                name="张三",
                phone="13812345678",
                province="浙江省",
                city="杭州市",
                district="西湖区",
                street="文三路",
                detail=f"{i}号",
            ),
            items=tuple(
                LineItem(sku=s, title=f"家电 {s}", quantity=rng.randint(1, 3), unit_price_fen=19900)
                for s in rng.sample(skus, rng.randint(1, 4))
            ),
            buyer_remark=rng.choice(REMARKS) * rng.randint(1, 6),
            seller_memo=rng.choice(REMARKS),
            gift_note=rng.choice(REMARKS[2:]),
            carrier=carrier,
            waybill_no=f"WB{i:010d}",
            zone=Zone.IN_STOCK,
            channel="taobao",
            channel_order_no=f"TB{i:012d}",
            remark_flags=("R12 备注需关注",) if i % 3 == 0 else (),
        )
        for i in range(count)
    ]
    return orders, catalogue


def _export(orders: list[OutboundOrder], rows: int) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["序号", "平台订单号", "收件人", "商品", "数量", "仓库", "快递"])
    for n in range(rows):
        order = orders[n % len(orders)]
        key = f"UNKNOWN{n}" if n % 100 == 99 else (order.channel_order_no if n % 2 else order.order_id)
        sheet.append([n + 1, key, "张三", order.items[0].title, order.items[0].quantity, "杭州仓", "中通"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def _timed(work: Callable[[], Awaitable[T]]) -> tuple[T, float]:
    start = time.perf_counter()
    result = await work()
    return result, time.perf_counter() - start


async def run(rows: int, wave: int, repeat: int) -> None:
    async with private_stack(db_name="orderhub_bench_paper", services=("fulfillment",)) as stack:
        url = stack.info.service_database_urls["fulfillment"]
        await asyncio.to_thread(upgrade_head, "fulfillment", url)
        engine = make_engine(url)
        db = Database(engine, OutboxWriter(messaging.outbox, source="orderhub/bench"), lambda: None)
        try:
            orders, catalogue = _orders(max(wave, 1000), "bench", seed=7)
            async with db.transaction() as tx:
                await tx.conn.execute(insert(products), catalogue)
                for order in orders:
                    await insert_outbound(tx.conn, order)
            await _bridge(db, orders, rows)
            await _picklist(db, wave, repeat)
        finally:
            await engine.dispose()


async def _bridge(db: Database, orders: list[OutboundOrder], rows: int) -> None:
    with tempfile.TemporaryDirectory() as root:
        folders = Folders.under(Path(root) / "inbox", Path(root) / "output")
        config = BridgeConfig(
            folders=folders, read_at=datetime.min.time(), print_at=datetime.min.time(), font=DEFAULT_CJK_FONT
        )
        folders.inbox.mkdir(parents=True)
        (folders.inbox / "待发货清单.xlsx").write_bytes(_export(orders, rows))
        now = datetime.combine(date.today(), datetime.min.time().replace(hour=10), tzinfo=SHANGHAI)
        [read], read_s = await _timed(lambda: read_inbox(db, config, now))
        [printed], print_s = await _timed(lambda: print_annotated(db, config, SpoolPrinter(Path(root) / "spool"), now))
        pdf = folders.output / printed.output_files[-1]
        print(f"WMS bridge, {read.rows_read} rows ({read.matched} matched, {read.unknown} unknown):")
        print(f"  08:55 read + remarks + 带备注发货单.xlsx   {read_s:6.2f} s")
        print(f"  09:00 带备注发货单.pdf + print queue      {print_s:6.2f} s   ({pdf.stat().st_size / 1024:.0f} KiB)")
        print(f"  total                                   {read_s + print_s:6.2f} s")


async def _picklist(db: Database, wave: int, repeat: int) -> None:
    command = CreatePicklist(max_orders=wave, created_by="bench", carrier="bench")
    now = datetime.now(UTC)
    result, build_s = await _timed(lambda: db.run_in_transaction(lambda tx: create_picklist(tx, command, now=now)))
    sheet = result.sheet
    xlsx_s, pdf_s = [], []
    for _ in range(repeat):
        xlsx, seconds = await _timed(lambda: asyncio.to_thread(render_xlsx, sheet))
        xlsx_s.append(seconds)
        pdf, seconds = await _timed(lambda: asyncio.to_thread(render_pdf, sheet, DEFAULT_CJK_FONT))
        pdf_s.append(seconds)
    lines = sum(len(o.lines) for o in sheet.orders)
    print(f"Pick list of {len(sheet.orders)} orders ({lines} lines, {len(sheet.totals)} SKUs), median of {repeat}:")
    print(f"  wave from the board (lock, mark picking, store) {build_s:6.2f} s")
    print(
        f"  Excel sheet                             {statistics.median(xlsx_s):6.2f} s   ({len(xlsx) / 1024:.0f} KiB)"
    )
    print(f"  PDF sheet                               {statistics.median(pdf_s):6.2f} s   ({len(pdf) / 1024:.0f} KiB)")
    total = build_s + statistics.median(xlsx_s) + statistics.median(pdf_s)
    print(f"  total                                   {total:6.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2000, help="rows of the WMS export")
    parser.add_argument("--wave", type=int, default=200, help="orders on the pick list")
    parser.add_argument("--repeat", type=int, default=3, help="renderings of each sheet")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}")
    asyncio.run(run(args.rows, args.wave, args.repeat))


if __name__ == "__main__":
    main()
