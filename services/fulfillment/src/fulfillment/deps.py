"""The service's own dependencies, built once by `create_app` and handed to routes and loops."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends
from orderhub_runtime.app import provided

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
    printer: Printer
    clock: Clock = field(default=system_clock)


Deps = Annotated[FulfillmentDeps, Depends(provided(FulfillmentDeps))]
