"""The warehouse group hears on WeCom when the WMS export could not be read (wms_bridge.failed
from fulfillment): which file, why, and where it was moved, so that someone exports it again
before 09:00. The message is keyed by the bridge and its day (the file belongs to no order)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import DomainEvent, WmsBridgeFailed
from orderhub_runtime.bus.consumer import BatchHandler, Handler
from orderhub_runtime.db import Tx

from notify.contexts import wms_failed_variables
from notify.delivery import Delivery, record
from notify.routing import Addressee, RecipientResolver
from notify.templates import TemplateBook

WMS_FAILED_TEMPLATE = "wms_bridge_failed"
WAREHOUSE_GROUP = "warehouse_group"


class WmsBridgeAlerter:
    def __init__(self, templates: TemplateBook, resolver: RecipientResolver, provider_names: Mapping[str, str]) -> None:
        self._template = templates.require(WMS_FAILED_TEMPLATE, channel="wecom", event_type=WmsBridgeFailed.event_type)
        self._resolver = resolver
        self._providers = dict(provider_names)

    def handlers(self) -> dict[str, Handler]:
        return {WmsBridgeFailed.event_type: self.on_failed}

    def batch_handlers(self) -> dict[str, BatchHandler]:
        return {WmsBridgeFailed.event_type: self.on_failures}

    async def on_failed(self, tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        await self.on_failures(tx, [(envelope, event)])

    async def on_failures(self, tx: Tx, events: Sequence[tuple[Envelope, DomainEvent]]) -> None:
        route = self._resolver.resolve("wecom", WAREHOUSE_GROUP, Addressee(customer_phone="", province=""))
        deliveries = [
            (envelope, Delivery(envelope.id, event.subject(), self._template, wms_failed_variables(event), route))
            for envelope, event in events
            if isinstance(event, WmsBridgeFailed)
        ]
        await record(tx, self._providers, deliveries)
