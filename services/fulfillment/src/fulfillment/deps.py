"""The service's own dependencies (built once by main.create_app) and the Annotated aliases the
routes use: the deps, and who may call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends
from orderhub_runtime.app import provided
from orderhub_runtime.auth import require_staff
from orderhub_runtime.settings import StaffMember

from fulfillment.carriers import CarrierProvider
from fulfillment.printing.model import Printer
from fulfillment.settings import FulfillmentSettings

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class FulfillmentDeps:
    settings: FulfillmentSettings
    carrier: CarrierProvider
    printer: Printer  # where the printer queue sends documents (an IPP printer or a spool folder)
    clock: Clock = field(default=system_clock)  # business time for the scheduled jobs; tests inject one


Deps = Annotated[FulfillmentDeps, Depends(provided(FulfillmentDeps))]
AnyStaff = Annotated[StaffMember, Depends(require_staff())]
StockKeeper = Annotated[StaffMember, Depends(require_staff("warehouse", "manager"))]
Warehouse = StockKeeper  # the warehouse (or a manager): catalogue, board, ship scans
