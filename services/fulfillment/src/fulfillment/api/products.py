"""The product catalogue: read by any staff, set by the warehouse (or a manager)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from orderhub_runtime.app import DatabaseDep
from orderhub_runtime.errors import NotFound
from pydantic import BaseModel, ConfigDict, Field

from fulfillment.catalogue import repository, service
from fulfillment.catalogue.model import Product, SetProduct
from fulfillment.deps import AnyStaff, Warehouse

router = APIRouter(prefix="/v1", tags=["products"])

Sku = Annotated[str, Path(min_length=1, max_length=64, description="the SKU code, as on order lines")]
BIN_PATTERN = r"^[A-Z]{1,2}-\d{2}-\d{2}$"


class ProductIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200, description="品名, as printed on pick lists")
    category: str = Field(default="", max_length=50, description="品类, e.g. 厨房电器")
    list_price_fen: int = Field(strict=True, ge=0, le=100_000_000, description="标价 in fen (分)")
    currency: Literal["CNY", "MYR"] = "CNY"
    bin_location: str = Field(
        default="", pattern=rf"({BIN_PATTERN})|^$", description="库位 zone-aisle-shelf, e.g. A-03-12"
    )
    presale_ship_date: date | None = Field(
        default=None, description="预售发货日 (Asia/Shanghai) for a presale SKU; null for an in-stock one"
    )


class ProductOut(BaseModel):
    sku: str
    title: str
    category: str
    list_price_fen: int
    currency: str
    bin_location: str
    presale: bool
    presale_ship_date: date | None
    updated_by: str
    updated_at: datetime

    @classmethod
    def of(cls, p: Product) -> ProductOut:
        return cls.model_validate(p, from_attributes=True)


class ProductSetOut(ProductOut):
    changed: bool = Field(description="false when the PUT repeated the entry (nothing published)")


class ProductPage(BaseModel):
    items: list[ProductOut]
    next_after: str | None = Field(description="pass as `after` for the next page; null on the last")


@router.put("/products/{sku}")
async def put_product(sku: Sku, body: ProductIn, db: DatabaseDep, staff: Warehouse) -> ProductSetOut:
    """Create or overwrite the SKU's catalogue entry; a change publishes product.updated."""
    command = SetProduct(
        sku=sku,
        title=body.title,
        category=body.category,
        list_price_fen=body.list_price_fen,
        currency=body.currency,
        bin_location=body.bin_location,
        presale_ship_date=body.presale_ship_date,
        updated_by=staff.name,
    )
    result = await db.run_in_transaction(lambda tx: service.set_product(tx, command))
    return ProductSetOut(**ProductOut.of(result.product).model_dump(), changed=result.changed)


@router.get("/products")
async def list_products(
    db: DatabaseDep,
    _: AnyStaff,
    category: Annotated[str | None, Query(max_length=50)] = None,
    after: Annotated[str | None, Query(max_length=64, description="the last SKU of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ProductPage:
    """The catalogue in SKU order, a page at a time."""
    async with db.read() as conn:
        found = await repository.list_products(conn, category=category, after=after, limit=limit)
    next_after = found[-1].sku if len(found) == limit else None
    return ProductPage(items=[ProductOut.of(p) for p in found], next_after=next_after)


@router.get("/products/{sku}")
async def get_product(sku: Sku, db: DatabaseDep, _: AnyStaff) -> ProductOut:
    async with db.read() as conn:
        product = await repository.get_product(conn, sku)
    if product is None:
        raise NotFound(f"商品 {sku} 不在商品资料中")
    return ProductOut.of(product)
