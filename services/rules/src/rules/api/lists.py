"""Staff APIs for the lists the rules read: the blacklist (R13), limited SKUs (R05) and regions
not served (R08). A change applies to orders arriving after it; who made it is recorded.

Blacklisted phones are shown masked: the screen needs to recognise an entry, not dial it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from orderhub_contracts.phone import mask_phone
from orderhub_runtime.app import DatabaseDep
from orderhub_runtime.auth import require_staff
from orderhub_runtime.errors import DomainError, NotFound
from orderhub_runtime.logging import get_logger
from orderhub_runtime.settings import StaffMember
from pydantic import BaseModel, ConfigDict, Field

from rules import lists
from rules.engine.address import resolve

log = get_logger(__name__)
router = APIRouter(prefix="/v1", tags=["lists"])
Reader = Annotated[StaffMember, Depends(require_staff("cs", "manager", "ops"))]
Editor = Annotated[StaffMember, Depends(require_staff("cs", "manager"))]
Manager = Annotated[StaffMember, Depends(require_staff("manager"))]


class UnknownRegion(DomainError):
    status_code = 422
    code = "unknown_region"


class EntryView(BaseModel):
    key: str = Field(description="phone (masked), address, SKU, or province/city/district")
    note: str
    created_by: str
    created_at: datetime


class BlacklistIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: lists.BlacklistKind
    value: str = Field(min_length=3, max_length=300, description="a phone number or a full address")
    reason: str = Field(default="", max_length=500)


class BlacklistRemoval(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: lists.BlacklistKind
    value: str = Field(min_length=3, max_length=300)


class NoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=500)


class RegionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    province: str = Field(min_length=2, max_length=32)
    city: str = Field(default="", max_length=32, description="empty: the whole province")
    district: str = Field(default="", max_length=32, description="empty: the whole city")
    note: str = Field(default="", max_length=500)


def _view(entry: lists.Entry, *, phone: bool = False) -> EntryView:
    return EntryView(
        key=mask_phone(entry.key) if phone else entry.key,
        note=entry.note,
        created_by=entry.created_by,
        created_at=entry.created_at,
    )


@router.get("/blacklist")
async def get_blacklist(db: DatabaseDep, _: Reader, kind: lists.BlacklistKind = "phone") -> list[EntryView]:
    async with db.engine.connect() as conn:
        entries = await lists.list_blacklist(conn, kind)
    return [_view(e, phone=kind == "phone") for e in entries]


@router.post("/blacklist", status_code=status.HTTP_201_CREATED)
async def add_to_blacklist(request: Request, db: DatabaseDep, staff: Editor, body: BlacklistIn) -> EntryView:
    """Blacklist a phone or an address: later orders to it are held at level 3 (R13)."""
    async with db.transaction(correlation_id=request.state.correlation_id) as tx:
        await lists.add_to_blacklist(tx.conn, body.kind, body.value, reason=body.reason, by=staff.name)
        entry = next(
            e
            for e in await lists.list_blacklist(tx.conn, body.kind)
            if e.key == lists.blacklist_value(body.kind, body.value)
        )
    log.info("blacklist.added", kind=body.kind, by=staff.name)
    return _view(entry, phone=body.kind == "phone")


@router.post("/blacklist/remove", status_code=status.HTTP_204_NO_CONTENT)
async def remove_from_blacklist(request: Request, db: DatabaseDep, staff: Editor, body: BlacklistRemoval) -> None:
    async with db.transaction(correlation_id=request.state.correlation_id) as tx:
        if not await lists.remove_from_blacklist(tx.conn, body.kind, body.value):
            raise NotFound(f"that {body.kind} is not on the blacklist")
    log.info("blacklist.removed", kind=body.kind, by=staff.name)


@router.get("/limited-skus")
async def get_limited_skus(db: DatabaseDep, _: Reader) -> list[EntryView]:
    async with db.engine.connect() as conn:
        return [_view(e) for e in await lists.list_limited_skus(conn)]


@router.put("/limited-skus/{sku}")
async def put_limited_sku(
    sku: str, request: Request, db: DatabaseDep, staff: Manager, body: NoteBody | None = None
) -> list[EntryView]:
    """Put a SKU under the purchase limit (R05 counts its orders per phone and day)."""
    async with db.transaction(correlation_id=request.state.correlation_id) as tx:
        await lists.put_limited_sku(tx.conn, sku, note=body.note if body else "", by=staff.name)
        return [_view(e) for e in await lists.list_limited_skus(tx.conn)]


@router.delete("/limited-skus/{sku}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_limited_sku(sku: str, request: Request, db: DatabaseDep, _: Manager) -> None:
    async with db.transaction(correlation_id=request.state.correlation_id) as tx:
        if not await lists.remove_limited_sku(tx.conn, sku):
            raise NotFound(f"SKU {sku} is not limited")


@router.get("/unserved-regions")
async def get_unserved_regions(db: DatabaseDep, _: Reader) -> list[EntryView]:
    async with db.engine.connect() as conn:
        return [_view(e) for e in await lists.list_unserved_regions(conn)]


def _official(body: RegionIn) -> tuple[str, str, str]:
    """The official names of the region staff typed (浙江 → 浙江省), or 422 naming what is unknown."""
    place = resolve(body.province, body.city, body.district, "")
    for given, found, what in (
        (body.province, place.province, "province"),
        (body.city, place.city, "city"),
        (body.district, place.district, "district"),
    ):
        if given.strip() and not found:
            raise UnknownRegion(f"unknown {what} {given!r}", details={"field": what})
    return place.province, place.city if body.city.strip() else "", place.district if body.district.strip() else ""


@router.put("/unserved-regions")
async def put_unserved_region(request: Request, db: DatabaseDep, staff: Manager, body: RegionIn) -> list[EntryView]:
    """Mark a province, city or district as not served (R08)."""
    province, city, district = _official(body)
    async with db.transaction(correlation_id=request.state.correlation_id) as tx:
        await lists.put_unserved_region(tx.conn, province, city, district, note=body.note, by=staff.name)
        return [_view(e) for e in await lists.list_unserved_regions(tx.conn)]


@router.delete("/unserved-regions", status_code=status.HTTP_204_NO_CONTENT)
async def remove_unserved_region(
    request: Request,
    db: DatabaseDep,
    _: Manager,
    province: Annotated[str, Query(min_length=2)],
    city: str = "",
    district: str = "",
) -> None:
    official = _official(RegionIn(province=province, city=city, district=district))
    async with db.transaction(correlation_id=request.state.correlation_id) as tx:
        if not await lists.remove_unserved_region(tx.conn, *official):
            raise NotFound("that region is not marked as not served")
