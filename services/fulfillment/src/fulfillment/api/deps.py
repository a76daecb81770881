"""Dependencies shared by the routes: who may call, and the configured carrier."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from orderhub_runtime.auth import require_staff
from orderhub_runtime.settings import StaffMember

from fulfillment.carriers import CarrierProvider


async def get_carrier(request: Request) -> CarrierProvider:
    carrier: CarrierProvider = request.app.state.carrier
    return carrier


CarrierDep = Annotated[CarrierProvider, Depends(get_carrier)]
AnyStaff = Annotated[StaffMember, Depends(require_staff())]
StockKeeper = Annotated[StaffMember, Depends(require_staff("warehouse", "manager"))]
