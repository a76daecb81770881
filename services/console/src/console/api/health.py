"""`/healthz` (the process answers) and `/readyz` (the services the console calls answer)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from console.deps import Deps

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok", "service": "console"}


@router.get("/readyz")
async def readyz(deps: Deps) -> JSONResponse:
    services = deps.services()
    answers = await asyncio.gather(*(client.ready() for client in services.values()))
    checks = {name: "ok" if ok else "unreachable" for name, ok in zip(services, answers, strict=True)}
    ready = all(ok for ok in answers)
    return JSONResponse({"status": "ready" if ready else "not_ready", "checks": checks}, 200 if ready else 503)
