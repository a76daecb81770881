"""A WMS export that fulfillment could not read (wms_bridge.failed) reaches the warehouse group on
WeCom, once. Real broker, database, WeCom simulator behind the provider."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING

import pytest
from orderhub_contracts.events import WmsBridgeFailed

if TYPE_CHECKING:
    from conftest import NotifyEnv

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_an_unreadable_export_alerts_the_warehouse_group(notify: NotifyEnv) -> None:
    day = date(2030, 1, 1 + uuid.uuid4().int % 28)
    failed = WmsBridgeFailed(
        file_name="待发货清单.xlsx",
        reason="找不到订单号列（表头应含 订单号/平台订单号/原始单号/内部订单号/订单编号 之一）",
        moved_to="20300101-085500-待发货清单.xlsx",
        business_date=day,
    )
    envelope = await notify.publish(failed)
    await notify.publish_envelope(envelope, WmsBridgeFailed.topic)  # redelivered: still one message

    [message] = await notify.settled(failed.subject(), 1)
    assert (message["template"], message["channel"], message["status"]) == ("wms_bridge_failed", "wecom", "sent")
    assert message["recipient"] == "robot:warehouse_group"
    assert message["text"].startswith(f"【WMS 发货单】{day:%Y-%m-%d} 的 待发货清单.xlsx 无法读取：找不到订单号列")
    assert "rejected/20300101-085500-待发货清单.xlsx" in message["text"]
