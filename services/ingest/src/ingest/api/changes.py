"""Staff routes that change an order: cancel it, change its address. Thin: the request becomes a
command, the use case runs in one transaction, the outcome is answered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends
from orderhub_contracts.address import Receiver
from orderhub_contracts.phone import normalize_phone
from orderhub_runtime.app import DatabaseDep
from orderhub_runtime.auth import require_staff
from orderhub_runtime.settings import StaffMember
from pydantic import BaseModel, ConfigDict, Field

from ingest.api.schemas import ReceiverIn
from ingest.changes import service
from ingest.changes.model import AddressChanged, CancelOrder, ChangeAddress
from ingest.deps import Deps

router = APIRouter(prefix="/v1/orders", tags=["order changes"])
CustomerService = Annotated[StaffMember, Depends(require_staff("cs", "manager"))]
_ERROR = {"description": 'Error: {"error": {"code", "message", "details"}}'}


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)


class CancelOut(BaseModel):
    order_id: str
    status: str = "cancelled"
    already_cancelled: bool


class AddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    receiver: ReceiverIn
    reason: str = Field(min_length=1, max_length=500)


class AddressOut(BaseModel):
    order_id: str
    outcome: str = Field(description="changed | intercepted | reordered")
    new_order_id: str = Field(default="", description="the order placed again (reordered)")
    message: str

    @classmethod
    def of(cls, result: AddressChanged) -> AddressOut:
        return cls(
            order_id=result.order_id,
            outcome=result.outcome.value,
            new_order_id=result.new_order_id,
            message=result.message,
        )


def receiver_of(body: ReceiverIn) -> Receiver:
    return Receiver(
        name=body.name,
        phone=normalize_phone(body.phone),
        province=body.province,
        city=body.city,
        district=body.district,
        street=body.street,
        detail=body.detail,
    )


@router.post("/{order_id}/cancel", response_model=CancelOut, responses={404: _ERROR, 409: _ERROR})
async def cancel(order_id: str, body: CancelIn, db: DatabaseDep, staff: CustomerService) -> CancelOut:
    """Cancel an order that has not shipped (409 `not_cancellable` once shipped: that is a return).
    Its reservation is released, its outbound order and waybill cancelled, the customer told."""
    command = CancelOrder(order_id, body.reason, staff.name)
    result = await db.run_in_transaction(lambda tx: service.cancel_order(tx, command))
    return CancelOut(order_id=order_id, already_cancelled=result.already)


@router.post("/{order_id}/address", response_model=AddressOut, responses={404: _ERROR, 409: _ERROR})
async def change_address(
    order_id: str, body: AddressIn, db: DatabaseDep, deps: Deps, staff: CustomerService
) -> AddressOut:
    """Change the receiver. The answer says what happened: `changed` (within the freeze window,
    label not printed), `intercepted` (label printed, or a platform order after the window) or
    `reordered` (after the window: voided, placed again, one compensation coupon). Shipped or
    delivered orders are refused with 409 `address_not_changeable` and the reason."""
    window = timedelta(seconds=deps.settings.address_freeze_window_s)
    command = ChangeAddress(order_id, receiver_of(body.receiver), body.reason, staff.name, datetime.now(UTC))
    result = await db.run_in_transaction(
        lambda tx: service.change_address(
            tx, command, freeze_window=window, intercept_carriers=deps.settings.address_intercept_carriers
        )
    )
    return AddressOut.of(result)
