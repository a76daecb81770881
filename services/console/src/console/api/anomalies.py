"""The anomaly queue (most severe first, then oldest), acknowledge / release / cancel with a
note, and the live feed of new anomalies relayed from the rules service to the browser."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Annotated, Literal

import httpx
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response, StreamingResponse
from orderhub_runtime.logging import get_logger
from starlette.background import BackgroundTask

from console.clients import ServiceError
from console.deps import AnomalyReader, CsDesk, CsrfChecked, Deps
from console.errors import is_htmx
from console.views import render

log = get_logger(__name__)
router = APIRouter(tags=["anomalies"])
Action = Literal["ack", "release", "cancel"]
ACTION_DONE = {"ack": "已受理", "release": "已放行", "cancel": "已取消订单"}
# The browser gets a popup with a sound for these levels (复核 and 拦截).
POPUP_MIN_LEVEL = 2
RETRY_MS = 5000


@router.get("/anomalies")
async def queue(
    request: Request,
    deps: Deps,
    session: AnomalyReader,
    level: Annotated[int | None, Query(ge=2, le=3)] = None,
) -> Response:
    """The queue of what needs a person: levels 2 and 3 (level-1 reminders close by themselves)."""
    found = await deps.rules.anomalies(session.token, {"level": level, "limit": 200})
    template = "_anomaly_rows.html" if is_htmx(request) else "anomalies.html"
    return render(
        deps.templates, request, template, session, anomalies=found.get("items", []), level=level, outcome=None
    )


@router.post("/anomalies/{anomaly_id}/{action}", dependencies=[CsrfChecked])
async def act(
    request: Request,
    anomaly_id: str,
    action: Action,
    deps: Deps,
    session: CsDesk,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        result = await deps.rules.act(session.token, anomaly_id, action, note.strip())
    except ServiceError as exc:
        if exc.status != 409:
            raise
        current = await deps.rules.anomaly(session.token, anomaly_id)
        outcome = {"ok": False, "text": f"未执行：{exc.message}"}
        return render(deps.templates, request, "_anomaly_row.html", session, a=current, outcome=outcome)
    anomaly = result["anomaly"]
    text = ACTION_DONE[action]
    if result.get("order_validated"):
        text += "，订单已放行进入履约"
    others = len(result.get("resolved_anomaly_ids", [])) - 1
    if others > 0:
        text += f"，同单另有 {others} 条异常一并解决"
    log.info("anomaly.handled_in_console", anomaly_id=anomaly_id, action=action, order_id=anomaly.get("order_id"))
    outcome = {"ok": True, "text": text}
    return render(deps.templates, request, "_anomaly_row.html", session, a=anomaly, outcome=outcome)


@router.get("/events/anomalies")
async def live(request: Request, deps: Deps, session: CsDesk) -> Response:
    """Server-sent events for the logged-in agent: the rules service's stream, relayed with
    the agent's own token (so its role check applies), from level 2 up. The browser's stream
    opens only once rules listens (its first frame), so no anomaly falls between the two."""
    upstream = AsyncExitStack()
    try:
        response = await upstream.enter_async_context(
            deps.rules.client.stream("/v1/anomalies/stream", session.token, {"min_level": POPUP_MIN_LEVEL})
        )
        chunks = response.aiter_raw()
        first = await anext(chunks, b"")
    except (ServiceError, httpx.HTTPError) as exc:
        await upstream.aclose()
        log.warning("console.stream_failed", error=repr(exc))
        # A 200 that ends at once: the browser tries again after `retry` (a 503 would stop it for good).
        return Response(f"retry: {RETRY_MS}\n: unavailable\n\n", media_type="text/event-stream")

    async def relay() -> AsyncIterator[bytes]:
        try:
            yield first
            async for chunk in chunks:
                yield chunk
        except httpx.HTTPError as exc:  # rules went away: the browser reconnects by itself
            log.info("console.stream_ended", error=repr(exc))
        finally:
            await upstream.aclose()

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(
        relay(), media_type="text/event-stream", headers=headers, background=BackgroundTask(upstream.aclose)
    )
