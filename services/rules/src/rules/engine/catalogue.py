"""What a rule can react to (triggers) and the facts that come from outside the order itself:
the rules service's own history and settings (per-phone counts, duplicates, blacklist, regions,
limited SKUs), the durable timers, and events of other services.

Each context fact has a neutral default (nothing known, nothing wrong); the service fills in
the real values for the trigger at hand, and rule examples override what they need."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

# order.placed: a new order; the others come from timers and from other services' events.
Trigger = Literal[
    "order.placed",  # every order, once, when it arrives
    "payment.overdue",  # timer: still unpaid N minutes after creation (R04)
    "stock.shortage",  # fulfillment could not reserve stock (R09)
    "address.changed",  # the receiver changed after placement (R15; receiver rules again)
    "remarks.changed",  # the buyer remark or seller memo changed on the platform (R12)
    "notification.failed",  # notify could not deliver a message (R03)
    "ship_deadline.near",  # timer: the ship deadline is close and nothing shipped (R16)
    "logistics.check",  # timer: no tracking update for a while, or the carrier returns it (R17)
]
TRIGGERS: tuple[str, ...] = get_args(Trigger)


@dataclass(frozen=True, slots=True)
class FactSpec:
    type: type  # str, int, bool or list (of str)
    description: str
    phone: bool = False  # masked wherever it is shown (evidence, API)
    shown_with: tuple[str, ...] = ()  # facts the evidence shows beside it (what the system understood)

    @property
    def type_name(self) -> str:
        return "list[str]" if self.type is list else self.type.__name__


CONTEXT_FACTS: dict[str, FactSpec] = {
    "trigger": FactSpec(str, f"what is being checked: one of {', '.join(TRIGGERS)}"),
    "limited_skus_in_order": FactSpec(list, "SKUs of this order that are on the limited-purchase list"),
    "max_limited_sku_orders_today": FactSpec(
        int, "for the limited SKUs of this order, most orders of one of them by this phone today "
        "(Asia/Shanghai day, any channel, this order included); 0 when none is limited"
    ),
    "same_order_gap_minutes": FactSpec(
        int, "minutes between this order and the nearest other order with the same phone and the same "
        "SKUs (any channel, within a day); -1 when there is none"
    ),
    "phone_blacklisted": FactSpec(bool, "the receiver phone is on the blacklist"),
    "address_blacklisted": FactSpec(bool, "the receiver address is on the blacklist"),
    "region_not_served": FactSpec(bool, "the resolved province/city/district is marked as not served"),
    "unpaid_minutes": FactSpec(int, "minutes since creation the order has stayed unpaid (payment.overdue)"),
    "short_skus": FactSpec(list, "SKUs fulfillment could not reserve (stock.shortage)"),
    "waybill_exists": FactSpec(bool, "a waybill number has been issued for the order"),
    "is_shipped": FactSpec(bool, "the parcel has left the warehouse"),
    "minutes_to_ship_deadline": FactSpec(int, "minutes left before the ship deadline (ship_deadline.near)"),
    "hours_since_tracking_update": FactSpec(int, "hours since the last carrier update or dispatch (logistics.check)"),
    "carrier_returned": FactSpec(bool, "the carrier reports the parcel is being returned"),
    "notification_channel": FactSpec(str, "sms or wecom (notification.failed)"),
    "notification_error": FactSpec(str, "the error code of the failed message, e.g. invalid_phone"),
}  # fmt: skip

CONTEXT_DEFAULTS: dict[str, Any] = {
    "trigger": "order.placed",
    "limited_skus_in_order": [],
    "max_limited_sku_orders_today": 0,
    "same_order_gap_minutes": -1,
    "phone_blacklisted": False,
    "address_blacklisted": False,
    "region_not_served": False,
    "unpaid_minutes": 0,
    "short_skus": [],
    "waybill_exists": False,
    "is_shipped": False,
    "minutes_to_ship_deadline": 1440,
    "hours_since_tracking_update": 0,
    "carrier_returned": False,
    "notification_channel": "",
    "notification_error": "",
}
assert CONTEXT_DEFAULTS.keys() == CONTEXT_FACTS.keys()
