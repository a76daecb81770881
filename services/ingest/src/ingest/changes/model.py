"""Commands, outcomes and refusals of the order-change use cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from orderhub_contracts.address import Receiver
from orderhub_contracts.state_machine import OrderStatus
from orderhub_runtime.errors import Conflict

# After these the parcel is with the carrier or the customer: no cancellation (that is a return).
LEFT_THE_WAREHOUSE = frozenset(
    {OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.AFTER_SALES}
)
DELIVERED = frozenset({OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.AFTER_SALES})


@dataclass(frozen=True, slots=True)
class CancelOrder:
    order_id: str
    reason: str
    by: str  # the staff member, "customer", "customer_service" (anomaly queue) or "system"
    replaced_by: str = ""  # void-and-reorder: the order placed again in its place


@dataclass(frozen=True, slots=True)
class Cancelled:
    order_id: str
    already: bool  # it was cancelled before this request: nothing was done


@dataclass(frozen=True, slots=True)
class ChangeAddress:
    order_id: str
    receiver: Receiver  # phone already normalised
    reason: str
    by: str
    now: datetime


class AddressOutcome(StrEnum):
    CHANGED = "changed"  # replaced; a waybill already issued is re-issued by fulfillment
    INTERCEPTED = "intercepted"  # label printed (or a platform order after the window): R15, held
    REORDERED = "reordered"  # after the window: voided, placed again, one ¥5 coupon
    CARRIER_INTERCEPT = "carrier_intercept"  # shipped: the carrier is asked to re-address (MODIFY_ADDR)


@dataclass(frozen=True, slots=True)
class AddressChanged:
    order_id: str
    outcome: AddressOutcome
    new_order_id: str = ""  # the order placed again, for `reordered`
    message: str = ""  # what happened, in Chinese, for the person who asked


class NotCancellable(Conflict):
    code = "not_cancellable"


class AddressNotChangeable(Conflict):
    code = "address_not_changeable"
