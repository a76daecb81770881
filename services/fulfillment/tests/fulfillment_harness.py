"""The typed harness of the fulfillment tests: the service running in-process (see conftest.py),
with helpers to build orders, publish events, wait for their handling and read what came out.
Test modules import it by name (`from fulfillment_harness import FulfillmentEnv`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from fulfillment.tables import messaging
from orderhub_contracts.address import Receiver
from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import DomainEvent, OrderValidated, to_envelope
from orderhub_contracts.order import CanonicalOrder, Channel, LineItem
from orderhub_devstack.testing import eventually, publish_envelope, read_topic
from orderhub_runtime.db import Database
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

WAREHOUSE = {"Authorization": "Bearer local-warehouse"}
PHONE = "13812345678"


@dataclass
class FulfillmentEnv:
    client: httpx.AsyncClient
    engine: AsyncEngine  # the tests' own pool, for direct use-case calls and checks
    db: Database
    bootstrap: str
    prefix: str

    @staticmethod
    def sku() -> str:
        return f"SKU-{uuid.uuid4().hex[:10]}"

    @staticmethod
    def order(lines: dict[str, int], *, paid_at: datetime | None = None, **overrides: Any) -> CanonicalOrder:
        order_id = f"DABE{uuid.uuid4().hex[:16].upper()}"
        items = tuple(
            LineItem(sku=sku, title=f"商品 {sku}", quantity=qty, unit_price_fen=19_900) for sku, qty in lines.items()
        )
        values: dict[str, Any] = {
            "order_id": order_id,
            "channel": Channel.MINIPROGRAM,
            "channel_order_no": order_id[-12:],
            "created_at": datetime.now(UTC),
            "paid_at": paid_at or datetime.now(UTC),
            "receiver": Receiver(
                name="张三",
                phone=PHONE,
                province="浙江省",
                city="杭州市",
                district="西湖区",
                street="文三路",
                detail="100号 3单元 501",
            ),
            "items": items,
            "buyer_remark": "请开发票",
        }
        return CanonicalOrder(**(values | overrides))

    async def publish(self, event: DomainEvent, *, at: datetime | None = None) -> Envelope:
        """Publish as the owning service would; `at` backdates the event time (ce_time)."""
        envelope = to_envelope(event, source="orderhub/test")
        if at is not None:
            envelope = envelope.model_copy(update={"time": at})
        await publish_envelope(self.bootstrap, envelope, topic=event.topic.value, prefix=self.prefix)
        return envelope

    async def validate(self, order: CanonicalOrder, *, at: datetime | None = None) -> Envelope:
        return await self.publish(OrderValidated(order=order, rule_set_version=1), at=at)

    async def handled(self, *envelopes: Envelope) -> None:
        """Wait until the service has consumed these events (they are in its inbox)."""
        ids = {e.id for e in envelopes}
        inbox = messaging.inbox

        async def done() -> bool:
            async with self.engine.connect() as conn:
                rows = await conn.execute(select(inbox.c.event_id).where(inbox.c.event_id.in_(ids)))
                return len(rows.all()) == len(ids)

        await eventually(done)

    async def events(
        self, order_id: str, event_type: str, *, count: int = 1, timeout_s: float = 15.0
    ) -> list[Envelope]:
        """This order's events of one type on fulfillment.v1, once `count` have arrived."""

        def mine(seen: list[Envelope]) -> list[Envelope]:
            return [e for e in seen if e.subject == order_id and e.type == event_type]

        seen = await read_topic(
            self.bootstrap,
            "fulfillment.v1",
            prefix=self.prefix,
            until=lambda s: len(mine(s)) >= count,
            timeout_s=timeout_s,
        )
        return mine(seen)

    async def outbox_count(self, order_id: str, event_type: str) -> int:
        """Events of this order the service has committed (sent or not): exact, no broker timing."""
        outbox = messaging.outbox
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(outbox.c.id).where(outbox.c.key == order_id, outbox.c.event_type == event_type)
            )
            return len(rows.all())

    async def put_stock(self, sku: str, on_hand: Any, headers: dict[str, str] | None = None) -> httpx.Response:
        return await self.client.put(
            f"/v1/stock/{sku}", json={"on_hand": on_hand}, headers=WAREHOUSE if headers is None else headers
        )

    async def stock(self, sku: str) -> dict[str, Any]:
        response = await self.client.get(f"/v1/stock/{sku}", headers=WAREHOUSE)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def fulfillment_of(self, order_id: str) -> dict[str, Any]:
        response = await self.client.get("/v1/outbound", params={"order_id": order_id}, headers=WAREHOUSE)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def put_product(
        self, sku: str, *, bin_location: str = "", presale_ship_date: str | None = None, **fields: Any
    ) -> httpx.Response:
        body: dict[str, Any] = {
            "title": f"商品 {sku}",
            "category": "厨房电器",
            "list_price_fen": 19_900,
            "bin_location": bin_location,
            "presale_ship_date": presale_ship_date,
        } | fields
        return await self.client.put(f"/v1/products/{sku}", json=body, headers=WAREHOUSE)

    async def board(self, **params: Any) -> dict[str, Any]:
        response = await self.client.get("/v1/board", params={"limit": 2000} | params, headers=WAREHOUSE)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def scan_ship(self, waybill_no: str) -> httpx.Response:
        return await self.client.post("/v1/scans/ship", json={"waybill_no": waybill_no}, headers=WAREHOUSE)

    async def outbounds(self, order_id: str, count: int = 1) -> list[dict[str, Any]]:
        """The order's outbound orders once `count` exist (in-stock first)."""

        async def found() -> list[dict[str, Any]] | None:
            items: list[dict[str, Any]] = (await self.fulfillment_of(order_id))["items"]
            return items if len(items) >= count else None

        return await eventually(found, timeout_s=15)
