"""The service's own dependencies (built once by main.create_app) and the Annotated aliases the
routes use: the deps, and who may call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends
from orderhub_runtime.app import provided
from orderhub_runtime.auth import require_staff
from orderhub_runtime.settings import StaffMember

from fulfillment.carriers import CarrierProvider
from fulfillment.kpi.customer_view import CustomerViews, NoCustomerViews
from fulfillment.outbound.service.parcels import ShipPolicy
from fulfillment.printing.model import Printer
from fulfillment.printing.printers import SpoolPrinter
from fulfillment.settings import DEFAULT_STATE_DIR, FulfillmentSettings
from fulfillment.tracking.batcher import PushBatcher

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def local_spool() -> Printer:
    return SpoolPrinter(DEFAULT_STATE_DIR / "fulfillment" / "spool")


@dataclass(frozen=True)
class FulfillmentDeps:
    settings: FulfillmentSettings
    carrier: CarrierProvider
    # Where the printer queue sends documents (an IPP printer or a spool folder): main.build_deps
    # builds it from the settings; the default (the local spool folder) serves deps built by hand.
    printer: Printer = field(default_factory=local_spool)
    clock: Clock = field(default=system_clock)  # business time for the scheduled jobs; tests inject one
    # The customer's view of orders (ingest's API), for the status-accuracy KPI.
    views: CustomerViews = field(default_factory=NoCustomerViews)
    # Verified carrier pushes, applied in runs (see tracking/batcher.py).
    pushes: PushBatcher = field(default_factory=lambda: PushBatcher("local", timedelta(days=7)))

    @property
    def policy(self) -> ShipPolicy:
        return ShipPolicy(in_stock_window=self.settings.in_stock_window)


Deps = Annotated[FulfillmentDeps, Depends(provided(FulfillmentDeps))]
AnyStaff = Annotated[StaffMember, Depends(require_staff())]
StockKeeper = Annotated[StaffMember, Depends(require_staff("warehouse", "manager"))]
Manager = Annotated[StaffMember, Depends(require_staff("manager"))]
Warehouse = StockKeeper  # the warehouse (or a manager): catalogue, board, ship scans
