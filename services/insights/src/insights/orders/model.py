"""An order as the heat analysis sees it: who (a keyed hash of the phone), when, and with which
coupons or promotions."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from orderhub_contracts.order import CanonicalOrder
from orderhub_contracts.phone import normalize_phone


@dataclass(frozen=True, slots=True)
class Placement:
    order_id: str
    customer_key: str
    channel: str
    created_at: datetime
    coupons: tuple[str, ...]


def customer_key(phone: str, secret: str) -> str:
    """One customer across channels is one phone number; the read model keeps only its HMAC."""
    normalised = normalize_phone(phone) or phone.strip()
    return hmac.new(secret.encode(), normalised.encode(), hashlib.sha256).hexdigest()[:32]


def placement_of(order: CanonicalOrder, secret: str) -> Placement | None:
    """None for an order without a receiver phone: it cannot be tied to a customer."""
    if not order.receiver.phone.strip():
        return None
    labels = tuple(dict.fromkeys(d.label for d in order.discounts if d.label))
    return Placement(
        order_id=order.order_id,
        customer_key=customer_key(order.receiver.phone, secret),
        channel=order.channel.value,
        created_at=order.created_at,
        coupons=labels,
    )
