"""Commands of the returns area (from aftersales.v1)."""

from __future__ import annotations

from dataclasses import dataclass

from orderhub_contracts.address import Receiver
from orderhub_contracts.returns import ReceivedLine


@dataclass(frozen=True)
class IssueReturnWaybill:
    """An approved return: the customer (`sender`) needs a waybill to send the parcel back with."""

    ticket_id: str
    order_id: str
    sender: Receiver


@dataclass(frozen=True)
class RestockReturn:
    """A received return: good items back to stock, damaged ones written off."""

    ticket_id: str
    order_id: str
    received: tuple[ReceivedLine, ...]
