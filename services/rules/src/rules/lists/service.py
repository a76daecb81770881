"""Changing the lists the rules read: the blacklist (R13), limited SKUs (R05) and regions not
served (R08). A change applies to orders arriving after it; who made it is recorded."""

from __future__ import annotations

from orderhub_runtime.db import Tx
from orderhub_runtime.errors import NotFound
from orderhub_runtime.logging import get_logger

from rules.engine.address import resolve
from rules.lists import repository as repo
from rules.lists.model import Blacklist, Region, UnknownRegion
from rules.lists.repository import BlacklistKind, Entry

log = get_logger(__name__)


async def add_to_blacklist(tx: Tx, command: Blacklist) -> Entry:
    """Later orders to that phone or address are held at level 3 (R13); answers the entry."""
    await repo.add_to_blacklist(tx.conn, command.kind, command.value, reason=command.reason, by=command.by)
    stored = repo.blacklist_value(command.kind, command.value)
    entry = next(e for e in await repo.list_blacklist(tx.conn, command.kind) if e.key == stored)
    log.info("blacklist.added", kind=command.kind, by=command.by)
    return entry


async def remove_from_blacklist(tx: Tx, kind: BlacklistKind, value: str, *, by: str) -> None:
    if not await repo.remove_from_blacklist(tx.conn, kind, value):
        raise NotFound(f"that {kind} is not on the blacklist")
    log.info("blacklist.removed", kind=kind, by=by)


async def put_limited_sku(tx: Tx, sku: str, *, note: str, by: str) -> list[Entry]:
    """R05 counts the SKU's orders per phone and day from now on; answers the whole list."""
    await repo.put_limited_sku(tx.conn, sku, note=note, by=by)
    return await repo.list_limited_skus(tx.conn)


async def remove_limited_sku(tx: Tx, sku: str) -> None:
    if not await repo.remove_limited_sku(tx.conn, sku):
        raise NotFound(f"SKU {sku} is not limited")


async def put_unserved_region(tx: Tx, region: Region, *, note: str, by: str) -> list[Entry]:
    """Mark the region (by its official names) as not served (R08); answers the whole list."""
    province, city, district = official(region)
    await repo.put_unserved_region(tx.conn, province, city, district, note=note, by=by)
    return await repo.list_unserved_regions(tx.conn)


async def remove_unserved_region(tx: Tx, region: Region) -> None:
    if not await repo.remove_unserved_region(tx.conn, *official(region)):
        raise NotFound("that region is not marked as not served")


def official(region: Region) -> tuple[str, str, str]:
    """The official names of the region staff typed (浙江 → 浙江省), or 422 naming what is unknown."""
    place = resolve(region.province, region.city, region.district, "")
    for given, found, what in (
        (region.province, place.province, "province"),
        (region.city, place.city, "city"),
        (region.district, place.district, "district"),
    ):
        if given.strip() and not found:
            raise UnknownRegion(f"unknown {what} {given!r}", details={"field": what})
    return place.province, place.city if region.city.strip() else "", place.district if region.district.strip() else ""
