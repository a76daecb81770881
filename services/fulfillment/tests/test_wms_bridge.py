"""The WMS bridge on the real database with an injected clock: the 08:55 read, the 09:00 print,
a restart in between (no double print), unknown and channel-numbered rows, broken files, a
2,000-row export, a service that was down at 08:55, and the HTTP API."""

from __future__ import annotations

import asyncio
import io
import re
import shutil
import subprocess
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from fulfillment.outbound.model import OutboundOrder, OutboundStatus
from fulfillment.outbound.repository import insert_outbound
from fulfillment.printing.printers import SpoolPrinter
from fulfillment.settings import DEFAULT_CJK_FONT
from fulfillment.tables import awaiting_stock, outbound_orders, print_jobs
from fulfillment.wms_bridge.model import Folders, RunStatus
from fulfillment.wms_bridge.service import BridgeConfig, tick
from openpyxl import Workbook, load_workbook
from orderhub_contracts.address import Receiver
from orderhub_contracts.order import LineItem
from orderhub_contracts.timezone import SHANGHAI
from sqlalchemy import func, insert, select

pytestmark = pytest.mark.asyncio(loop_scope="session")
WAREHOUSE = {"Authorization": "Bearer local-warehouse"}
HEADER = ["序号", "平台订单号", "收件人", "商品", "数量", "仓库", "收件人电话"]


def _day() -> date:
    """A business day of this test alone (runs and their output folders are per day)."""
    return date(2031, 1, 1) + timedelta(days=uuid.uuid4().int % 3000)


def _at(day: date, hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm, ss), tzinfo=SHANGHAI)


def _config(root: Path) -> BridgeConfig:
    folders = Folders.under(root / "wms" / "inbox", root / "wms" / "output")
    return BridgeConfig(folders=folders, read_at=time(8, 55), print_at=time(9, 0), font=DEFAULT_CJK_FONT)


def _export(rows: Sequence[Sequence[object]], *, title: bool = True, header: Sequence[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    if title:
        sheet.append(["WMS 待发货清单导出"])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _drop(config: BridgeConfig, name: str, data: bytes) -> None:
    config.folders.inbox.mkdir(parents=True, exist_ok=True)
    (config.folders.inbox / name).write_bytes(data)


async def _seed(env: Any, count: int, *, remarks: bool = True) -> list[OutboundOrder]:
    tag = uuid.uuid4().hex[:6].upper()
    orders = [
        OutboundOrder(
            outbound_id=f"OB{tag}{i:05d}",
            order_id=f"DABE{tag}{i:06d}",
            status=OutboundStatus.CREATED,
            ship_deadline=datetime.now(UTC) + timedelta(hours=4),
            receiver=Receiver(
                name="李四",
                phone="13700001111",
                province="江苏省",
                city="南京市",
                district="玄武区",
                street="中山路",
                detail="1号",
            ),
            items=(LineItem(sku=f"SKU-{tag}", title="空气炸锅", quantity=1, unit_price_fen=29900),),
            buyer_remark=f"请周六上午送货，先打电话1391111{i:04d}联系（第{i}单）" if remarks else "",
            seller_memo=f"赠品：硅胶垫 ×{i % 3 + 1}" if remarks and i % 2 == 0 else "",
            carrier="local",
            waybill_no=f"WB{tag}{i:06d}",
            channel="pinduoduo",
            channel_order_no=f"PDD{tag}{i:06d}",
            remark_flags=("R12 备注需关注",) if remarks else (),
        )
        for i in range(count)
    ]
    async with env.db.transaction() as tx:
        for order in orders:
            await insert_outbound(tx.conn, order)
    return orders


async def _jobs_of_run(env: Any, run_id: int) -> int:
    async with env.engine.connect() as conn:
        query = select(func.count()).select_from(print_jobs).where(print_jobs.c.source == f"wms_bridge:run {run_id}")
        return int((await conn.execute(query)).scalar_one())


def _read_back(path: Path) -> list[list[Any]]:
    book = load_workbook(path, read_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    return rows


async def _pdf_text(path: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext is missing: `make install` installs poppler-utils")
    done = await asyncio.to_thread(subprocess.run, [tool, str(path), "-"], capture_output=True, check=True)
    return re.sub(r"\s+", "", done.stdout.decode())


async def test_0855_read_restart_0900_print_once(fulfillment: Any, tmp_path: Path) -> None:
    day, config = _day(), _config(tmp_path)
    known, plain = await _seed(fulfillment, 1), await _seed(fulfillment, 1, remarks=False)
    waiting = fulfillment.order(
        {"SKU-W": 1}, seller_memo="缺货先等，到货即发", channel_order_no=f"DY{uuid.uuid4().hex[:10]}"
    )
    async with fulfillment.db.transaction() as tx:  # known to fulfillment, no outbound order yet
        await tx.conn.execute(
            insert(awaiting_stock).values(
                order_id=waiting.order_id,
                skus=["SKU-W"],
                order_snapshot=waiting.model_dump(mode="json"),
                cleared_at=datetime.now(UTC),
            )
        )
    a, b = known[0], plain[0]
    rows = [
        [1, a.order_id, "李四", "空气炸锅", 1, "杭州仓", "13700001111"],  # by global ID
        [2, b.channel_order_no, "王五", "电饭煲", 2, "杭州仓", "13700001111"],  # by channel number, no remarks
        [3, "TB-NO-SUCH-ORDER", "赵六", "电风扇", 1, "杭州仓", "13700001111"],  # unknown: kept and marked
        [4, waiting.channel_order_no, "钱七", "吸尘器", 1, "杭州仓", "13700001111"],  # waiting for stock
        [5, a.channel_order_no, "李四", "炸锅配件", 1, "杭州仓", "13700001111"],  # the same order by channel no.
    ]
    _drop(config, "待发货清单.xlsx", _export(rows))
    spool = SpoolPrinter(tmp_path / "spool")

    assert await tick(fulfillment.db, config, spool, _at(day, 8, 50)) == []  # too early
    assert (config.folders.inbox / "待发货清单.xlsx").exists()

    [run] = await tick(fulfillment.db, config, spool, _at(day, 8, 55, 30))
    assert (run.status, run.rows_read, run.matched, run.unknown) == (RunStatus.ANNOTATED, 5, 4, 1)
    assert run.output_files == (f"{day:%Y-%m-%d}/带备注发货单.xlsx",)
    assert not (config.folders.inbox / "待发货清单.xlsx").exists()
    assert await _jobs_of_run(fulfillment, run.run_id) == 0
    out = _read_back(config.folders.output / run.output_files[0])
    assert out[0] == [*HEADER, "客户备注"]
    assert [r[:7] for r in out[1:]] == rows  # every row, in its order, as the WMS wrote it
    remarks = [r[7] for r in out[1:]]
    masked = a.buyer_remark.replace("13911110000", "139****0000")  # paper never shows a full number
    assert remarks[0] == f"买家留言：{masked}\n卖家备注：{a.seller_memo}\n规则提示：R12 备注需关注"
    assert remarks[1] == "（无备注）" and remarks[2] == "未找到订单"
    assert remarks[3] == f"买家留言：{waiting.buyer_remark}\n卖家备注：缺货先等，到货即发"
    assert remarks[4] == remarks[0]

    # The service restarts at 08:58 (all it knows is in the database) and again after 09:00.
    config = _config(tmp_path)
    assert await tick(fulfillment.db, config, spool, _at(day, 8, 58)) == []
    [printed] = await tick(fulfillment.db, config, spool, _at(day, 9, 0, 5))
    assert printed.run_id == run.run_id and printed.status is RunStatus.PRINTED and printed.print_job_id
    assert await tick(fulfillment.db, _config(tmp_path), spool, _at(day, 9, 1)) == []
    assert await tick(fulfillment.db, _config(tmp_path), spool, _at(day, 9, 30)) == []
    assert await _jobs_of_run(fulfillment, run.run_id) == 1
    # The sheet is on paper: its known outbound orders are being picked, announced once each.
    async with fulfillment.engine.connect() as conn:
        ids = [a.outbound_id, b.outbound_id]
        query = select(outbound_orders.c.status).where(outbound_orders.c.outbound_id.in_(ids))
        assert set((await conn.execute(query)).scalars()) == {"picking"}
    assert [await fulfillment.outbox_count(o.order_id, "outbound.status_changed") for o in (a, b)] == [1, 1]
    pdf = config.folders.output / f"{day:%Y-%m-%d}/带备注发货单.pdf"
    assert printed.output_files[-1] == f"{day:%Y-%m-%d}/带备注发货单.pdf"
    text = await _pdf_text(pdf)
    assert "带备注发货单" in text and "未找到订单" in text and "客户备注" in text
    assert re.sub(r"\s+", "", masked) in text and a.channel_order_no in text
    assert "13911110000" not in text and "13700001111" not in text and "137****1111" in text
    assert not [p.name for p in (config.folders.output / f"{day:%Y-%m-%d}").iterdir() if p.name.startswith(".")]


async def test_broken_files_are_moved_aside_reported_and_leave_no_output(fulfillment: Any, tmp_path: Path) -> None:
    day, config = _day(), _config(tmp_path)
    _drop(config, "待发货清单.csv", "订单号,数量\nDABE1,1\n".encode())
    _drop(config, "损坏.xlsx", b"PK\x03\x04 not really a zip")
    _drop(config, "无订单列.xlsx", _export([["张三", "电饭煲", 1]], header=["收件人", "商品", "数量"]))
    _drop(config, "空表.xlsx", _export([], title=False, header=[]))
    _drop(config, "只有表头.xlsx", _export([]))
    runs = await tick(fulfillment.db, config, SpoolPrinter(tmp_path / "spool"), _at(day, 8, 56))
    assert len(runs) == 5 and {r.status for r in runs} == {RunStatus.FAILED}
    reasons = {r.file_name: r.error for r in runs}
    assert "不是 xlsx" in reasons["待发货清单.csv"] and "无法读取" in reasons["损坏.xlsx"]
    assert "找不到订单号列" in reasons["无订单列.xlsx"] and "空" in reasons["空表.xlsx"]
    assert "没有数据行" in reasons["只有表头.xlsx"]
    assert not list(config.folders.inbox.iterdir())
    assert not config.folders.output.exists() or not list(config.folders.output.rglob("*"))
    moved = sorted(p.name for p in config.folders.rejected.iterdir())
    assert len([m for m in moved if m.endswith(".reason.txt")]) == 5 and len(moved) == 10
    assert await fulfillment.outbox_count(f"wms-bridge-{day:%Y%m%d}", "wms_bridge.failed") == 5
    shown = (await fulfillment.client.get("/v1/wms-bridge", headers=WAREHOUSE)).json()
    assert {r["file_name"] for r in shown["runs"] if r["status"] == "failed"} >= set(reasons)


async def test_a_2000_row_export_after_being_down_at_0855(fulfillment: Any, tmp_path: Path) -> None:
    day, config = _day(), _config(tmp_path)
    orders = await _seed(fulfillment, 150)
    rows = []
    for n in range(2000):
        key = (
            f"UNKNOWN-{n:05d}"
            if n % 50 == 49
            else (orders[n % 150].order_id if n % 2 else orders[n % 150].channel_order_no)
        )
        rows.append([n + 1, key, f"收件人{n}", "空气炸锅", 1 + n % 3, "南京仓", f"1380000{n:04d}"])
    _drop(config, "待发货清单.xlsx", _export(rows))
    # Down at 08:55 and 09:00; started at 10:12: reads and prints at once.
    [run] = await tick(fulfillment.db, config, SpoolPrinter(tmp_path / "spool"), _at(day, 10, 12))
    assert (run.status, run.rows_read, run.matched, run.unknown) == (RunStatus.PRINTED, 2000, 1960, 40)
    out = _read_back(config.folders.output / run.output_files[0])
    assert [r[0] for r in out[1:]] == list(range(1, 2001))
    assert sum(1 for r in out[1:] if r[7] == "未找到订单") == 40
    assert await _jobs_of_run(fulfillment, run.run_id) == 1


async def test_the_api_names_folders_and_runs_now(fulfillment: Any) -> None:
    shown = await fulfillment.client.get("/v1/wms-bridge", headers=WAREHOUSE)
    assert shown.status_code == 200
    body = shown.json()
    assert body["schedule"] == {
        "timezone": "Asia/Shanghai",
        "read_at": "08:55",
        "print_at": "09:00",
        "input_name": "待发货清单.xlsx",
    }
    inbox = Path(body["folders"]["inbox"])
    assert inbox.name == "inbox" and body["printer"].startswith("file://")
    assert await asyncio.to_thread(inbox.is_dir)  # made at start, for the WMS to find
    orders = await _seed(fulfillment, 2)
    _drop(
        _config(inbox.parent.parent),  # inbox = <state>/fulfillment/wms/inbox
        "待发货清单.xlsx",
        _export([[1, orders[0].order_id, "李四", "炸锅", 1, "仓", ""]]),
    )
    ran = await fulfillment.client.post("/v1/wms-bridge/run", headers=WAREHOUSE)
    assert ran.status_code == 200
    mine = [r for r in ran.json()["items"] if r["file_name"] == "待发货清单.xlsx"]
    assert mine and mine[-1]["status"] == "printed" and mine[-1]["matched"] == 1 and mine[-1]["print_job_id"]
    again = await fulfillment.client.post("/v1/wms-bridge/run", headers=WAREHOUSE)
    assert not [r for r in again.json()["items"] if r["run_id"] == mine[-1]["run_id"]]
    assert (
        await fulfillment.client.post("/v1/wms-bridge/run", headers={"Authorization": "Bearer local-cs"})
    ).status_code == 403
