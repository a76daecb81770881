"""`POST /webhooks/carriers/{provider}`: the carrier aggregator's track pushes (快递100: form
fields `param` and `sign` = MD5(param + salt), upper case). A push that fails verification is
refused and archived; a good one is merged and answered with the body 快递100 expects."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from orderhub_runtime.app import DatabaseDep

from fulfillment.carriers import BadPush
from fulfillment.deps import Deps
from fulfillment.tracking import service

router = APIRouter(prefix="/webhooks/carriers", tags=["carrier webhooks"])
ACCEPTED = {"result": True, "returnCode": "200", "message": "成功"}


def refused(code: str, message: str) -> JSONResponse:
    return JSONResponse({"result": False, "returnCode": code, "message": message}, status_code=int(code))


@router.post("/{provider}")
async def carrier_push(
    provider: Annotated[str, Path(min_length=1, max_length=32)], request: Request, db: DatabaseDep, deps: Deps
) -> JSONResponse:
    raw = (await request.body()).decode("utf-8", "replace")
    if provider != deps.carrier.name:
        await db.run_in_transaction(lambda tx: service.refuse_push(tx, provider, "unknown_provider", raw))
        return refused("404", f"未配置的物流服务商：{provider}")
    try:
        report = deps.carrier.read_push(dict(parse_qsl(raw, keep_blank_values=True)))
    except BadPush as exc:
        reason = exc.reason
        await db.run_in_transaction(lambda tx: service.refuse_push(tx, provider, reason, raw))
        return refused("400", f"签名校验失败：{reason}" if "sign" in reason else f"推送内容无法解析：{reason}")
    await deps.pushes.submit(report, raw)  # committed with the pushes that came meanwhile
    return JSONResponse(ACCEPTED)
