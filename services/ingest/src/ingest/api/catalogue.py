"""The catalogue as ingest keeps it (from product.updated): the price a mini-program order line is
charged. Read only; the catalogue itself is fulfillment's (PUT /v1/products/{sku} there)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from orderhub_runtime.app import DatabaseDep
from orderhub_runtime.auth import require_staff
from orderhub_runtime.errors import NotFound
from orderhub_runtime.settings import StaffMember
from pydantic import BaseModel

from ingest.catalogue.service import entry

router = APIRouter(prefix="/v1/catalogue", tags=["catalogue"])
AnyStaff = Annotated[StaffMember, Depends(require_staff())]


class CatalogueEntryOut(BaseModel):
    sku: str
    title: str
    list_price_fen: int
    currency: str


@router.get("/{sku}", response_model=CatalogueEntryOut)
async def get_entry(sku: str, db: DatabaseDep, _: AnyStaff) -> CatalogueEntryOut:
    """The SKU as the mini-program prices it (404: not on sale there)."""
    async with db.read() as conn:
        found = await entry(conn, sku)
    if found is None:
        raise NotFound(f"商品 {sku} 不在商品目录中", details={"sku": sku})
    return CatalogueEntryOut(
        sku=found.sku, title=found.title, list_price_fen=found.list_price_fen, currency=found.currency
    )
