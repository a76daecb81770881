"""GET /v1/orders/search: find orders across all channels from one query box."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from orderhub_contracts.order import Channel
from orderhub_contracts.state_machine import OrderStatus
from orderhub_contracts.timezone import as_shanghai
from orderhub_runtime.app import DatabaseDep
from orderhub_runtime.auth import require_staff
from orderhub_runtime.settings import StaffMember

from ingest.deps import Deps
from ingest.search.criteria import DEFAULT_LIMIT, MAX_LIMIT, build_criteria
from ingest.search.service import find_orders
from ingest.search.views import SearchResult

# Registered before the order routes, whose /v1/orders/{order_id} would otherwise take "search".
router = APIRouter(prefix="/v1/orders", tags=["search"])
AnyStaff = Annotated[StaffMember, Depends(require_staff())]
_ERROR = {"description": 'Error: {"error": {"code", "message", "details"}}'}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _ERROR,
    422: {
        "description": "No search term, a term that cannot be searched (a 1-character product word, "
        "phone_last4 that is not 4 digits) or a bad parameter; `details` lists each problem."
    },
}
_TIME = "ISO 8601; without a UTC offset read as Asia/Shanghai wall time."


@router.get("/search", response_model=SearchResult, responses=_RESPONSES)
async def search_orders(
    db: DatabaseDep,
    deps: Deps,
    _: AnyStaff,
    q: Annotated[
        str | None,
        Query(
            description="Free text, e.g. `加湿器 5678`. Each term narrows the result: "
            "`DABE…` global ID (or its start), 4 digits = phone last 4, 5+ characters with "
            "a digit = channel order number (or its start), anything else = a word "
            "(2+ characters) in the item titles or the receiver's name (`张三`, or a part of it)."
        ),
    ] = None,
    order_id: Annotated[str | None, Query(description="Global order ID or its start.")] = None,
    channel_order_no: Annotated[str | None, Query(max_length=64, description="Exact or its start.")] = None,
    phone_last4: Annotated[str | None, Query(description="Last 4 digits of the receiver's phone.")] = None,
    product: Annotated[str | None, Query(max_length=200, description="Words in the item titles.")] = None,
    channel: Annotated[Channel | None, Query()] = None,
    status: Annotated[OrderStatus | None, Query()] = None,
    created_from: Annotated[datetime | None, Query(description=_TIME)] = None,
    created_to: Annotated[datetime | None, Query(description=_TIME)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> SearchResult:
    """Find orders of every channel by global ID, channel order number, phone last 4 digits, product
    words, the receiver's name, or any combination (`加湿器 5678`, `张三 5678`), newest first.
    Any staff role. Phone numbers masked."""
    criteria = build_criteria(
        q=q,
        order_id=order_id,
        channel_order_no=channel_order_no,
        phone_last4=phone_last4,
        product=product,
        channel=None if channel is None else channel.value,
        status=None if status is None else status.value,
        created_from=None if created_from is None else as_shanghai(created_from),
        created_to=None if created_to is None else as_shanghai(created_to),
        limit=limit,
    )
    async with db.read() as conn:
        return await find_orders(conn, criteria, deps.search_stats)
