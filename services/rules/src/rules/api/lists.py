"""Staff APIs for the lists the rules read: the blacklist (R13), limited SKUs (R05) and regions
not served (R08). A change applies to orders arriving after it; who made it is recorded.

Blacklisted phones are shown masked: the screen needs to recognise an entry, not dial it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from orderhub_contracts.phone import mask_phone
from orderhub_runtime.app import DatabaseDep
from pydantic import BaseModel, ConfigDict, Field

from rules.deps import Editor, Manager, Reader
from rules.lists import repository as lists
from rules.lists import service
from rules.lists.model import Blacklist, Region

router = APIRouter(prefix="/v1", tags=["lists"])


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
    async with db.read() as conn:
        entries = await lists.list_blacklist(conn, kind)
    return [_view(e, phone=kind == "phone") for e in entries]


@router.post("/blacklist", status_code=status.HTTP_201_CREATED)
async def add_to_blacklist(db: DatabaseDep, staff: Editor, body: BlacklistIn) -> EntryView:
    """Blacklist a phone or an address: later orders to it are held at level 3 (R13)."""
    command = Blacklist(body.kind, body.value, body.reason, staff.name)
    entry = await db.run_in_transaction(lambda tx: service.add_to_blacklist(tx, command))
    return _view(entry, phone=body.kind == "phone")


@router.post("/blacklist/remove", status_code=status.HTTP_204_NO_CONTENT)
async def remove_from_blacklist(db: DatabaseDep, staff: Editor, body: BlacklistRemoval) -> None:
    await db.run_in_transaction(lambda tx: service.remove_from_blacklist(tx, body.kind, body.value, by=staff.name))


@router.get("/limited-skus")
async def get_limited_skus(db: DatabaseDep, _: Reader) -> list[EntryView]:
    async with db.read() as conn:
        return [_view(e) for e in await lists.list_limited_skus(conn)]


@router.put("/limited-skus/{sku}")
async def put_limited_sku(sku: str, db: DatabaseDep, staff: Manager, body: NoteBody | None = None) -> list[EntryView]:
    """Put a SKU under the purchase limit (R05 counts its orders per phone and day)."""
    note = body.note if body else ""
    entries = await db.run_in_transaction(lambda tx: service.put_limited_sku(tx, sku, note=note, by=staff.name))
    return [_view(e) for e in entries]


@router.delete("/limited-skus/{sku}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_limited_sku(sku: str, db: DatabaseDep, _: Manager) -> None:
    await db.run_in_transaction(lambda tx: service.remove_limited_sku(tx, sku))


@router.get("/unserved-regions")
async def get_unserved_regions(db: DatabaseDep, _: Reader) -> list[EntryView]:
    async with db.read() as conn:
        return [_view(e) for e in await lists.list_unserved_regions(conn)]


@router.put("/unserved-regions")
async def put_unserved_region(db: DatabaseDep, staff: Manager, body: RegionIn) -> list[EntryView]:
    """Mark a province, city or district as not served (R08)."""
    region = Region(body.province, body.city, body.district)
    entries = await db.run_in_transaction(
        lambda tx: service.put_unserved_region(tx, region, note=body.note, by=staff.name)
    )
    return [_view(e) for e in entries]


@router.delete("/unserved-regions", status_code=status.HTTP_204_NO_CONTENT)
async def remove_unserved_region(
    db: DatabaseDep,
    _: Manager,
    province: Annotated[str, Query(min_length=2)],
    city: str = "",
    district: str = "",
) -> None:
    region = Region(province, city, district)
    await db.run_in_transaction(lambda tx: service.remove_unserved_region(tx, region))
