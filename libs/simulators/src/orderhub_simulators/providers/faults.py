"""Shared by the provider simulators: injected faults (`POST /_sim/faults`) and the record of
what they received (`GET /_sim/received`, `DELETE /_sim/received`)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

FaultMode = Literal["rate_limited", "illegal_number", "bad_key", "server_error", "slow"]


class FaultRequest(BaseModel):
    mode: FaultMode
    count: int = Field(default=1, ge=1)
    delay_s: float = Field(default=3.0, ge=0)  # for "slow": answer after this long (the send still happens)


@dataclass
class SimState:
    received: list[dict[str, Any]] = field(default_factory=list)
    faults: list[FaultRequest] = field(default_factory=list)

    def next_fault(self) -> FaultRequest | None:
        if not self.faults:
            return None
        fault = self.faults[0]
        if fault.count <= 1:
            self.faults.pop(0)
        else:
            self.faults[0] = fault.model_copy(update={"count": fault.count - 1})
        return fault

    def record(self, kind: str, **data: Any) -> dict[str, Any]:
        entry = {"kind": kind, "at": time.time(), **data}
        self.received.append(entry)
        return entry


async def maybe_slow(fault: FaultRequest | None) -> None:
    if fault is not None and fault.mode == "slow":
        await asyncio.sleep(fault.delay_s)


def control_router() -> APIRouter:
    router = APIRouter(prefix="/_sim", tags=["simulator control"])

    @router.post("/faults")
    async def add_fault(fault: FaultRequest, request: Request) -> dict[str, int]:
        state: SimState = request.app.state.sim
        state.faults.append(fault)
        return {"pending": sum(f.count for f in state.faults)}

    @router.get("/received")
    async def received(request: Request) -> dict[str, list[dict[str, Any]]]:
        return {"items": request.app.state.sim.received}

    @router.delete("/received")
    async def reset(request: Request) -> dict[str, bool]:
        state: SimState = request.app.state.sim
        state.received.clear()
        state.faults.clear()
        return {"reset": True}

    return router
