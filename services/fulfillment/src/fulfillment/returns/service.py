"""Returns use cases: issue the return waybill through the carrier provider (return.approved →
return_waybill.issued), and put a received return's good items back on stock, writing the damaged
ones off (return.received → return.restocked, the record of both)."""

from __future__ import annotations

from orderhub_contracts.return_events import ReturnRestocked, ReturnWaybillIssued
from orderhub_contracts.returns import Condition, ReceivedLine
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

from fulfillment.carriers import CarrierProvider, WaybillRequest
from fulfillment.outbound.service.parcels import ShipPolicy
from fulfillment.returns.model import IssueReturnWaybill, RestockReturn
from fulfillment.stock.repository import lock_skus
from fulfillment.stock.service import set_stock

log = get_logger(__name__)


async def issue_return_waybill(tx: Tx, command: IssueReturnWaybill, carrier: CarrierProvider) -> str:
    request = WaybillRequest(
        outbound_id=f"RET-{command.ticket_id}", order_id=command.order_id, receiver=command.sender, return_parcel=True
    )
    number = await carrier.issue_waybill(tx.conn, request)
    await tx.publish(
        ReturnWaybillIssued(
            ticket_id=command.ticket_id, order_id=command.order_id, carrier=carrier.code, waybill_no=number
        )
    )
    log.info("return_waybill.issued", order_id=command.order_id, ticket_id=command.ticket_id, waybill_no=number)
    return number


def _by_sku(lines: tuple[ReceivedLine, ...], condition: Condition) -> dict[str, int]:
    totals: dict[str, int] = {}
    for line in lines:
        if line.condition is condition:
            totals[line.sku] = totals.get(line.sku, 0) + line.quantity
    return totals


async def restock_return(tx: Tx, command: RestockReturn, carrier: CarrierProvider, policy: ShipPolicy) -> None:
    good = _by_sku(command.received, Condition.GOOD)
    damaged = _by_sku(command.received, Condition.DAMAGED)
    levels = await lock_skus(tx.conn, good)
    for sku in sorted(good):
        current = levels.get(sku)
        # set_stock also allocates the orders that were waiting for this SKU
        await set_stock(tx, sku, (current.on_hand if current else 0) + good[sku], carrier, policy)
    for sku, quantity in damaged.items():
        log.info(
            "return.written_off", order_id=command.order_id, ticket_id=command.ticket_id, sku=sku, quantity=quantity
        )
    await tx.publish(
        ReturnRestocked(
            ticket_id=command.ticket_id,
            order_id=command.order_id,
            restocked=tuple(ReceivedLine(sku=s, quantity=q) for s, q in good.items()),
            written_off=tuple(ReceivedLine(sku=s, quantity=q, condition=Condition.DAMAGED) for s, q in damaged.items()),
        )
    )
