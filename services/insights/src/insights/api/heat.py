"""The order heat analysis (manager): repurchase within N days of a customer's first order by the
weekday and hour of that first order, as JSON and as a picture (PNG or SVG)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from orderhub_contracts.timezone import now_shanghai
from orderhub_runtime.app import DatabaseDep

from insights.api.params import Days
from insights.api.schemas import CouponShareOut, HeatOut
from insights.deps import Deps, Manager
from insights.heat import picture, service
from insights.heat.model import HeatMap

router = APIRouter(prefix="/v1/heat", tags=["heat"])
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


async def _heat_map(
    days: Days,
    db: DatabaseDep,
    deps: Deps,
    _: Manager,
    coupon: Annotated[str | None, Query(max_length=100, description="only customers whose first order used it")] = None,
    window_days: Annotated[int | None, Query(ge=1, le=365, description="repurchase window (default 7)")] = None,
) -> HeatMap:
    async with db.read() as conn:
        return await service.heat_map(
            conn,
            since=days.start,
            until=days.end,
            now=now_shanghai(),
            window_days=window_days or deps.settings.repurchase_window_days,
            min_customers=deps.settings.min_customers_per_cell,
            coupon=coupon,
        )


HeatMapDep = Annotated[HeatMap, Depends(_heat_map)]


@router.get("")
async def heat(heat_map: HeatMapDep) -> HeatOut:
    return HeatOut.of(heat_map)


@router.get("/coupons")
async def coupons(
    days: Days,
    db: DatabaseDep,
    deps: Deps,
    _: Manager,
    window_days: Annotated[int | None, Query(ge=1, le=365)] = None,
) -> list[CouponShareOut]:
    async with db.read() as conn:
        shares = await service.coupon_shares(
            conn,
            since=days.start,
            until=days.end,
            now=now_shanghai(),
            window_days=window_days or deps.settings.repurchase_window_days,
        )
    return [CouponShareOut.of(s) for s in shares]


@router.get(
    "/picture.{fmt}", response_class=Response, responses={200: {"content": {v: {} for v in MEDIA_TYPES.values()}}}
)
async def heat_picture(fmt: picture.Format, heat_map: HeatMapDep) -> Response:
    body = picture.render(heat_map, fmt)
    filename = f"heat-{heat_map.since.date()}-{heat_map.window_days}d.{fmt}"
    return Response(
        body, media_type=MEDIA_TYPES[fmt], headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )
