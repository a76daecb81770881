"""Warehouse: look a SKU's stock up and set what is on hand."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from console.clients import Json, ServiceError
from console.deps import CsrfChecked, Deps, StockKeeper
from console.views import render

router = APIRouter(tags=["stock"])


@router.get("/stock")
async def stock_page(
    request: Request, deps: Deps, session: StockKeeper, sku: Annotated[str, Query(max_length=64)] = ""
) -> Response:
    stock: Json | None = None
    error = ""
    if sku.strip():
        try:
            stock = await deps.fulfillment.stock(session.token, sku.strip())
        except ServiceError as exc:
            if exc.status != 404:
                raise
            error = f"没有 SKU {sku.strip()} 的库存记录（从未入库或下单）。"
    return render(deps.templates, request, "stock.html", session, sku=sku.strip(), stock=stock, error=error)


@router.post("/stock/{sku}", dependencies=[CsrfChecked])
async def set_stock(
    request: Request, sku: str, deps: Deps, session: StockKeeper, on_hand: Annotated[int, Form(ge=0)]
) -> Response:
    error = ""
    stock: Json | None = None
    try:
        stock = await deps.fulfillment.set_stock(session.token, sku, on_hand)
    except ServiceError as exc:
        if exc.status not in (409, 422):
            raise
        error = f"未保存：{exc.message}"
        stock = await deps.fulfillment.stock(session.token, sku)
    flash = "" if error else f"{sku} 在库数量已设为 {on_hand}"
    return render(deps.templates, request, "_stock_card.html", session, sku=sku, stock=stock, error=error, flash=flash)
