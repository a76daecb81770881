"""Keeping the catalogue (product.updated) and pricing a customer's lines from it: a mini-program
order is charged the catalogue's list price, whatever the client sends."""

from __future__ import annotations

from collections.abc import Sequence

from orderhub_contracts.events import ProductUpdated
from orderhub_contracts.order import LineItem
from orderhub_runtime.db import Tx
from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.catalogue import repository
from ingest.catalogue.model import CatalogueEntry, PriceMismatch, UnknownSku, WantedLine


async def record_products(tx: Tx, events: Sequence[ProductUpdated]) -> None:
    for event in sorted(events, key=lambda e: (e.sku, e.updated_at)):
        await repository.upsert_product(
            tx.conn,
            sku=event.sku,
            title=event.title,
            list_price_fen=event.list_price_fen,
            currency=event.currency,
            updated_at=event.updated_at,
        )


async def price_lines(conn: AsyncConnection, wanted: Sequence[WantedLine]) -> tuple[LineItem, ...]:
    """The lines at catalogue prices. An SKU the catalogue does not know, or knows without a price,
    is refused; so is a price sent by the client that is not the catalogue's."""
    known = await repository.entries(conn, (w.sku for w in wanted))
    unknown = sorted({w.sku for w in wanted if w.sku not in known or known[w.sku].list_price_fen <= 0})
    if unknown:
        raise UnknownSku(
            f"商品 {', '.join(unknown)} 不在售或未定价，无法下单", details={"field": "items", "skus": unknown}
        )
    forged = sorted(
        {w.sku for w in wanted if w.sent_price_fen is not None and w.sent_price_fen != known[w.sku].list_price_fen}
    )
    if forged:
        raise PriceMismatch(
            f"商品 {', '.join(forged)} 的价格与商品目录不符，请刷新后重新下单",
            details={"field": "items", "skus": forged, "prices_fen": {s: known[s].list_price_fen for s in forged}},
        )
    return tuple(
        LineItem(
            sku=w.sku,
            title=known[w.sku].title,
            quantity=w.quantity,
            unit_price_fen=known[w.sku].list_price_fen,
        )
        for w in wanted
    )


async def entry(conn: AsyncConnection, sku: str) -> CatalogueEntry | None:
    return (await repository.entries(conn, [sku])).get(sku)
