"""The typed harness of the aftersales tests: the service running in-process (conftest.py) with
fixed mini-program customers and a refund provider that counts what it is asked, plus helpers to
publish the order facts it learns from events and to walk a ticket along.
Test modules import it by name (`from aftersales_harness import AftersalesEnv`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from aftersales.customers import StaticSessions
from aftersales.main import create_app
from aftersales.refunds.model import RefundAnswer, RefundRequest
from aftersales.refunds.providers import RefundProvider
from aftersales.settings import AftersalesSettings
from aftersales.tables import messaging, order_refs, tickets
from orderhub_contracts.address import Receiver
from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import DomainEvent, OrderPlaced, OrderShipped, ProductUpdated, to_envelope
from orderhub_contracts.order import CanonicalOrder, Channel, LineItem
from orderhub_contracts.return_events import ReturnWaybillIssued
from orderhub_devstack.bootstrap import delete_topics, topic_names
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.testing import eventually, publish_envelope, running_app
from orderhub_runtime.bus.outbox import OutboxWriter
from orderhub_runtime.db import Database, make_engine
from orderhub_runtime.migrations import upgrade_head
from orderhub_runtime.settings import RuntimeSettings
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

CS = {"Authorization": "Bearer local-cs"}
WAREHOUSE = {"Authorization": "Bearer local-warehouse"}
MANAGER = {"Authorization": "Bearer local-manager"}
CUSTOMERS = {"tok-alice": "openid-alice", "tok-bob": "openid-bob"}
ALICE = {"Authorization": "Bearer tok-alice"}
BOB = {"Authorization": "Bearer tok-bob"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@dataclass
class CountingRefunds:
    """Answers like WeChat Pay: the same refund number is the same refund, counted once."""

    calls: list[RefundRequest] = field(default_factory=list)
    refunds: dict[str, RefundRequest] = field(default_factory=dict)

    async def refund(self, request: RefundRequest) -> RefundAnswer:
        self.calls.append(request)
        self.refunds.setdefault(request.refund_no, request)
        return RefundAnswer(provider_refund_id=f"WX{request.refund_no}", status="SUCCESS")

    async def aclose(self) -> None:
        return None

    async def calls_for(self, out_trade_no: str) -> list[RefundRequest]:
        return [r for r in self.calls if r.out_trade_no == out_trade_no]

    def refunded_fen(self, out_trade_no: str) -> int:
        return sum(r.amount_fen for r in self.refunds.values() if r.out_trade_no == out_trade_no)


@dataclass
class AftersalesEnv:
    client: httpx.AsyncClient
    engine: AsyncEngine
    db: Database
    bootstrap: str
    prefix: str
    refunds: RefundProvider

    @property
    def counting(self) -> CountingRefunds:
        assert isinstance(self.refunds, CountingRefunds)
        return self.refunds

    async def publish(self, event: DomainEvent) -> Envelope:
        envelope = to_envelope(event, source="orderhub/test")
        await publish_envelope(self.bootstrap, envelope, topic=event.topic.value, prefix=self.prefix)
        return envelope

    @staticmethod
    def sku() -> str:
        return f"SKU-{uuid.uuid4().hex[:8].upper()}"

    async def categorise(self, sku: str, category: str) -> None:
        await self.publish(
            ProductUpdated(
                sku=sku, title=f"商品 {sku}", category=category, list_price_fen=100, updated_at=datetime.now(UTC)
            )
        )

    async def place(
        self,
        lines: dict[str, tuple[int, int]],
        *,
        buyer_id: str = "openid-alice",
        channel: Channel = Channel.MINIPROGRAM,
        discount_fen: int = 0,
        shipped: bool = True,
    ) -> CanonicalOrder:
        """A paid order of `lines` (sku → (quantity, unit price in fen)), shipped unless told not."""
        order_id = f"DABE{uuid.uuid4().hex[:16].upper()}"
        now = datetime.now(UTC)
        order = CanonicalOrder(
            order_id=order_id,
            channel=channel,
            channel_order_no=f"MP{order_id[-12:]}",
            created_at=now,
            paid_at=now,
            receiver=Receiver(name="张三", phone="13812345678", province="浙江省", city="杭州市", detail="文三路100号"),
            items=tuple(
                LineItem(sku=sku, title=f"商品 {sku}", quantity=q, unit_price_fen=p) for sku, (q, p) in lines.items()
            ),
            discount_fen=discount_fen,
            buyer_id=buyer_id,
        )
        await self.publish(OrderPlaced(order=order))
        if shipped:
            await self.publish(OrderShipped(order_id=order_id, waybill_nos=("LC000000000001",), shipped_at=now))

        async def known() -> bool:
            async with self.engine.connect() as conn:
                query = select(order_refs.c.shipped_at).where(order_refs.c.order_id == order_id)
                row = (await conn.execute(query)).first()
            return row is not None and (row[0] is not None or not shipped)

        await eventually(known)
        return order

    async def file(
        self, order_id: str, lines: dict[str, int], *, kind: str = "return_refund", who: dict[str, str] = ALICE
    ) -> httpx.Response:
        body = {
            "order_id": order_id,
            "type": kind,
            "lines": [{"sku": sku, "quantity": q} for sku, q in lines.items()],
            "reason": "不想要了",
        }
        return await self.client.post("/v1/miniprogram/returns", json=body, headers=who)

    async def filed(self, order_id: str, lines: dict[str, int], *, kind: str = "return_refund") -> str:
        response = await self.file(order_id, lines, kind=kind)
        assert response.status_code == 201, response.text
        ticket_id: str = response.json()["ticket_id"]
        return ticket_id

    async def ticket(self, ticket_id: str) -> dict[str, Any]:
        response = await self.client.get(f"/v1/returns/{ticket_id}", headers=CS)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def status(self, ticket_id: str) -> str:
        async with self.engine.connect() as conn:
            query = select(tickets.c.status).where(tickets.c.ticket_id == ticket_id)
            return str((await conn.execute(query)).scalar_one())

    async def until_status(self, ticket_id: str, status: str) -> None:
        async def reached() -> bool:
            return await self.status(ticket_id) == status

        await eventually(reached, timeout_s=20)

    async def approve(self, ticket_id: str) -> httpx.Response:
        return await self.client.post(f"/v1/returns/{ticket_id}/approve", json={"note": "同意"}, headers=CS)

    async def with_waybill(self, ticket_id: str) -> str:
        """Approved, and the return waybill issued (as fulfillment would publish it)."""
        assert (await self.approve(ticket_id)).status_code == 200
        waybill = f"RW{uuid.uuid4().hex[:12].upper()}"
        ticket = await self.ticket(ticket_id)
        await self.publish(
            ReturnWaybillIssued(ticket_id=ticket_id, order_id=ticket["order_id"], carrier="LOCAL", waybill_no=waybill)
        )
        await self.until_status(ticket_id, "waybill_issued")
        return waybill

    async def receipt(self, ticket_id: str, lines: list[tuple[str, int, str]]) -> httpx.Response:
        body = {"lines": [{"sku": s, "quantity": q, "condition": c} for s, q, c in lines]}
        return await self.client.post(f"/v1/returns/{ticket_id}/receipt", json=body, headers=WAREHOUSE)

    async def events(self, order_id: str) -> list[tuple[str, dict[str, Any]]]:
        """This order's events in the outbox (committed, sent or not), in order."""
        outbox = messaging.outbox
        query = select(outbox.c.event_type, outbox.c.value).where(outbox.c.key == order_id).order_by(outbox.c.id)
        async with self.engine.connect() as conn:
            return [(t, json.loads(bytes(v))) for t, v in await conn.execute(query)]

    async def ticket_events(self, ticket_id: str, order_id: str) -> list[str]:
        events = await self.events(order_id)
        return [t for t, data in events if t.startswith("return.") and data.get("ticket_id") == ticket_id]


@contextlib.asynccontextmanager
async def running_aftersales(
    orderhub_stack: StackInfo, refunds: RefundProvider, **settings: Any
) -> AsyncIterator[AftersalesEnv]:
    """The service on its own topic prefix, with fixed customers and the given refund provider."""
    url = orderhub_stack.service_database_urls["aftersales"]
    await asyncio.to_thread(upgrade_head, "aftersales", url)
    prefix = f"{orderhub_stack.topic_prefix}as{uuid.uuid4().hex[:6]}."
    runtime = RuntimeSettings(
        env="test", kafka_bootstrap_servers=orderhub_stack.kafka_bootstrap_servers, topic_prefix=prefix
    )
    values: dict[str, Any] = {"refund_interval_s": 0.2, "photo_max_bytes": 64 * 1024} | settings
    config = AftersalesSettings(database_url=SecretStr(url), **values)
    app = create_app(config, runtime, sessions=StaticSessions(CUSTOMERS), refunds=refunds)
    engine = make_engine(url, pool_size=10)
    db = Database(engine, OutboxWriter(messaging.outbox, source="orderhub/aftersales"), lambda: None)
    try:
        async with running_app(app) as client:
            yield AftersalesEnv(
                client=client,
                engine=engine,
                db=db,
                bootstrap=orderhub_stack.kafka_bootstrap_servers,
                prefix=prefix,
                refunds=refunds,
            )
    finally:
        await engine.dispose()
        await delete_topics(orderhub_stack.kafka_bootstrap_servers, topic_names(prefix))
