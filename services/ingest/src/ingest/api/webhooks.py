"""Platform push endpoints. Each verifies the signature over the raw body, archives the push with
its verdict and queues the order fetches in one transaction, and answers in the form the platform
expects. Nothing unsigned is accepted; a rejected push is kept for ops to inspect and replay."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from orderhub_runtime.app import DatabaseDep

from ingest.channels.miniprogram.service import receive_notification
from ingest.channels.service import PushOutcome, receive_push
from ingest.deps import Deps

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


async def _receive(db: DatabaseDep, deps: Deps, request: Request, channel: str) -> PushOutcome:
    adapter = deps.hub.adapter(channel)
    body, headers = await request.body(), dict(request.headers)
    return await db.run_in_transaction(lambda tx: receive_push(tx, adapter, headers, body))


@router.post(
    "/douyin",
    responses={
        200: {"description": '{"code": 0, "msg": "success"}'},
        401: {"description": 'Bad or missing signature: {"code": 40041, "msg": reason}'},
    },
)
async def douyin_push(request: Request, db: DatabaseDep, deps: Deps) -> JSONResponse:
    """抖店 message push: headers `app-id` and `event-sign` (md5 of app_key + raw body + app_secret)."""
    outcome = await _receive(db, deps, request, "douyin")
    if outcome.accepted:
        return JSONResponse({"code": 0, "msg": "success"})
    code = 40041 if outcome.status == 401 else 40001
    return JSONResponse({"code": code, "msg": outcome.reason, "push_id": outcome.push_id}, outcome.status)


@router.post(
    "/shopee",
    status_code=204,
    responses={
        204: {"description": "Accepted: 2xx with an empty body."},
        401: {"description": "Bad signature (plain-text reason)."},
    },
)
async def shopee_push(request: Request, db: DatabaseDep, deps: Deps) -> Response:
    """Shopee push: `Authorization` = hex HMAC-SHA256(partner_key, callback_url + "|" + raw body)."""
    outcome = await _receive(db, deps, request, "shopee")
    if outcome.accepted:
        return Response(status_code=204)
    return Response(f"rejected (push {outcome.push_id}): {outcome.reason}", outcome.status, media_type="text/plain")


@router.post(
    "/wechatpay",
    status_code=204,
    responses={
        204: {"description": "Received (WeChat Pay wants 200/204 and no body)."},
        400: {"description": '{"code": "FAIL", "message": reason} (WeChat Pay retries)'},
        401: {"description": '{"code": "FAIL", "message": reason}: signature not verified'},
    },
)
async def wechatpay_notify(request: Request, db: DatabaseDep, deps: Deps) -> Response:
    """WeChat Pay APIv3 notification: RSA-SHA256 over timestamp, nonce and body, then the AES-256-GCM
    resource decrypted with the APIv3 key; only then does the mini-program order count as paid."""
    body, headers = await request.body(), dict(request.headers)
    outcome = await db.run_in_transaction(lambda tx: receive_notification(tx, deps.pay, headers, body))
    if outcome.accepted:
        return Response(status_code=204)
    return JSONResponse({"code": "FAIL", "message": f"{outcome.reason} (push {outcome.push_id})"}, outcome.status)
