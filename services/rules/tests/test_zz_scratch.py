from __future__ import annotations
from datetime import datetime
from typing import TYPE_CHECKING
import pytest
from orderhub_contracts.events import OrderPlaced
from orderhub_contracts.timezone import SHANGHAI
from orderhub_contracts.order import LineItem, Channel
if TYPE_CHECKING:
    from conftest import RulesHarness
pytestmark = pytest.mark.asyncio(loop_scope="session")

async def test_scratch(rules: RulesHarness) -> None:
    ids = []
    for _ in range(3):
        now = datetime.now(SHANGHAI).replace(microsecond=0)
        o = rules.order(phone="13812345678", channel=Channel.PHONE, created_at=now, paid_at=now, items=(LineItem(sku="HUM-XYZ", title="x", quantity=1, unit_price_fen=12900),))
        await rules.deliver(OrderPlaced(order=o))
        ids.append(o.order_id)
    for i in ids:
        print(i, [a["rule_id"] for a in await rules.anomalies(i)])
    async with rules.db.connect() as conn:
        from sqlalchemy import text
        print((await conn.execute(text("select * from rules.order_fingerprints where phone='13812345678'"))).all())
    assert False
