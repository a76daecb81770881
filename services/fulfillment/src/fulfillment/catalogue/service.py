"""Catalogue use cases. A change is published as product.updated (fulfillment.v1) so that the other
services keep their own copy; a PUT that repeats the entry changes nothing and publishes nothing."""

from __future__ import annotations

from orderhub_contracts.events import ProductUpdated
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

from fulfillment.catalogue import repository
from fulfillment.catalogue.model import ProductSet, SetProduct

log = get_logger(__name__)


async def set_product(tx: Tx, command: SetProduct) -> ProductSet:
    current = await repository.get_product(tx.conn, command.sku, for_update=True)
    if current is not None and current.same_entry(command):
        return ProductSet(current, changed=False)
    product = await repository.upsert_product(tx.conn, command)
    await tx.publish(
        ProductUpdated(
            sku=product.sku,
            title=product.title,
            category=product.category,
            list_price_fen=product.list_price_fen,
            currency=product.currency,
            bin_location=product.bin_location,
            presale_ship_date=product.presale_ship_date,
            updated_at=product.updated_at,
        )
    )
    log.info(
        "product.updated",
        sku=product.sku,
        created=current is None,
        bin_location=product.bin_location,
        presale_ship_date=product.presale_ship_date.isoformat() if product.presale_ship_date else None,
        by=command.updated_by,
    )
    return ProductSet(product, changed=True)
