"""WeChat Pay's refund result notification (REFUND.SUCCESS ...): verified with the platform key,
decrypted with the APIv3 key, then the refund is settled (once; a repeat changes nothing). Anything
that does not verify is answered FAIL and changes nothing; the refund loop's resend is the recovery."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from orderhub_runtime.app import DatabaseDep
from orderhub_runtime.logging import get_logger

from aftersales.deps import Deps
from aftersales.refunds import service
from aftersales.refunds.wechatpay import NotificationRefused, read_notification

router = APIRouter(tags=["webhooks"])
log = get_logger(__name__)


@router.post("/webhooks/wechatpay/refund", status_code=204, response_model=None)
async def refund_notified(request: Request, db: DatabaseDep, deps: Deps) -> Response:
    body = await request.body()
    try:
        notice = read_notification(deps.settings.wechatpay, request.headers, body, now=time.time())
    except NotificationRefused as exc:
        log.warning("refund.notification_refused", reason=exc.reason)
        return JSONResponse({"code": "FAIL", "message": exc.reason}, status_code=401)
    if notice.status == "SUCCESS":
        await db.run_in_transaction(lambda tx: service.settle_notified(tx, notice.out_refund_no, notice.refund_id))
    else:
        log.warning("refund.not_successful", refund_no=notice.out_refund_no, status=notice.status)
    return Response(status_code=204)
