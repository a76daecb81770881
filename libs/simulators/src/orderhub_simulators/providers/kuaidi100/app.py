"""The 快递100 simulator's HTTP side.

- `POST /label/order` (form `method`, `key`, `t`, `sign`, `param`; sign = MD5(param + t + key +
  secret) upper case): `method=order` issues an e-waybill, `method=cancel` cancels one not yet
  picked up.
- `POST /poll` (form `schema=json`, `param`): subscribes a waybill; its journey starts.
- `POST /poll/query.do` (form `customer`, `sign`, `param`; sign = MD5(param + key + customer)):
  the real-time query, which knows every checkpoint, pushed or not.
- Callbacks: form `param` and `sign` = MD5(param + salt) upper case, POSTed to the subscription's
  callback URL at each step (or as the parcel's scenario says).

Control (`/_sim/...`): `config` (auto-advance, step time, scenario shares), `scenarios` (force the
next parcels' scenarios), `parcels/{number}` (look), `parcels/{number}/advance` (one step now,
pushes sent before it answers), `faults` and `received`."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import random
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import parse_qsl

import httpx
from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from orderhub_simulators.providers.kuaidi100.journey import (
    SHANGHAI,
    Parcel,
    Scenario,
    choose_scenario,
    next_step_delay,
    waybill_number,
)
from orderhub_simulators.registry import SimulatorSpec

DEFAULT_KEY, DEFAULT_SECRET, DEFAULT_CUSTOMER = "sim-kuaidi100-key", "sim-kuaidi100-secret", "SIMCUSTOMER"
FaultMode = Literal["server_error", "slow", "quota_exhausted", "push_refused"]


def md5_upper(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest().upper()


class SimConfig(BaseModel):
    auto: bool = True  # advance parcels on a timer; tests turn it off and step by hand
    step_s: float = Field(default=12.0, ge=0)  # 揽收 → 在途 → 派件 → 签收 in about a minute
    delay_s: float = Field(default=180.0, ge=0)  # how long a delayed parcel waits at 在途
    shares: dict[str, float] = Field(
        default_factory=lambda: {
            "delayed": 0.05,
            "lost": 0.05,
            "duplicated": 0.05,
            "out_of_order": 0.05,
            "returned": 0.03,
        }
    )
    seed: int = 20261202


class FaultRequest(BaseModel):
    mode: FaultMode
    count: int = Field(default=1, ge=1)
    delay_s: float = Field(default=3.0, ge=0)


class ScenarioQueue(BaseModel):
    scenarios: list[Scenario]


@dataclass
class State:
    config: SimConfig = field(default_factory=SimConfig)
    rng: random.Random = field(default_factory=lambda: random.Random(20261202))
    parcels: dict[str, Parcel] = field(default_factory=dict)
    forced: list[Scenario] = field(default_factory=list)
    faults: list[FaultRequest] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    pushes: list[dict[str, Any]] = field(default_factory=list)
    # Waybill numbers never repeat across simulator runs (tests share one database): a clock start.
    serial: int = field(default_factory=lambda: int(time.time() * 1000) % 10**11)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def next_fault(self) -> FaultRequest | None:
        if not self.faults:
            return None
        fault = self.faults[0]
        if fault.count <= 1:
            self.faults.pop(0)
        else:
            self.faults[0] = fault.model_copy(update={"count": fault.count - 1})
        return fault


def _label_answer(code: int, message: str, data: Any = None) -> JSONResponse:
    return JSONResponse({"success": code == 200, "code": code, "message": message, "data": data})


def _poll_answer(code: str, message: str) -> JSONResponse:
    return JSONResponse({"result": code == "200", "returnCode": code, "message": message})


def create_app(key: str = DEFAULT_KEY, secret: str = DEFAULT_SECRET, customer: str = DEFAULT_CUSTOMER) -> FastAPI:
    state = State()
    client = httpx.AsyncClient(timeout=20.0)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        for task in list(state.tasks):
            task.cancel()
        await client.aclose()

    app = FastAPI(title="快递100 simulator", lifespan=lifespan)
    app.state.sim = state

    async def form(request: Request) -> dict[str, str]:
        # application/x-www-form-urlencoded, parsed here (no multipart support needed).
        return dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))

    async def push(parcel: Parcel, body: dict[str, Any]) -> None:
        param = json.dumps(body, ensure_ascii=False)
        fault = state.faults[0] if state.faults and state.faults[0].mode == "push_refused" else None
        entry: dict[str, Any] = {
            "number": parcel.number,
            "state": body["lastResult"]["state"],
            "url": parcel.callback_url,
        }
        if fault is not None:
            state.next_fault()
            entry["outcome"] = "dropped"
        else:
            try:
                answer = await client.post(
                    parcel.callback_url, data={"param": param, "sign": md5_upper(param + parcel.salt)}
                )
                entry["status"], entry["answer"] = answer.status_code, answer.text[:200]
            except httpx.HTTPError as exc:
                entry["error"] = repr(exc)
        state.pushes.append(entry)

    async def step(parcel: Parcel) -> list[dict[str, Any]]:
        if parcel.advance(datetime.now(SHANGHAI)) is None:
            return []
        bodies = parcel.pushes_for_step() if parcel.callback_url else []
        for body in bodies:
            await push(parcel, body)
        return bodies

    async def journey(parcel: Parcel) -> None:
        while not parcel.done and state.config.auto:
            await asyncio.sleep(next_step_delay(parcel, state.config.step_s, state.config.delay_s))
            if not state.config.auto:
                return
            await step(parcel)

    def start(parcel: Parcel) -> None:
        if state.config.auto:
            task = asyncio.create_task(journey(parcel))
            state.tasks.add(task)
            task.add_done_callback(state.tasks.discard)

    @app.post("/label/order")
    async def label_order(request: Request) -> JSONResponse:
        fields = await form(request)
        state.received.append({"kind": "label", **fields})
        if not all(fields.get(k) for k in ("method", "key", "t", "sign", "param")):
            return _label_answer(400, "参数不完整")
        if fields["key"] != key:
            return _label_answer(30003, "授权key不存在")
        if fields["sign"] != md5_upper(fields["param"] + fields["t"] + key + secret):
            return _label_answer(30002, "签名验证失败")
        fault = state.next_fault()
        if fault is not None and fault.mode == "server_error":
            return _label_answer(500, "服务器错误")
        if fault is not None and fault.mode == "quota_exhausted":
            return _label_answer(30006, "电子面单余额不足")
        if fault is not None and fault.mode == "slow":
            await asyncio.sleep(fault.delay_s)
        try:
            param = json.loads(fields["param"])
        except json.JSONDecodeError:
            return _label_answer(400, "param 不是合法的 JSON")
        if fields["method"] == "order":
            return _issue(state, param)
        if fields["method"] == "cancel":
            return _cancel(state, param)
        return _label_answer(400, f"不支持的 method：{fields['method']}")

    @app.post("/poll")
    async def subscribe(request: Request) -> JSONResponse:
        fields = await form(request)
        state.received.append({"kind": "poll", **fields})
        try:
            param = json.loads(fields.get("param", ""))
        except json.JSONDecodeError:
            return _poll_answer("700", "订阅参数错误")
        if param.get("key") != key:
            return _poll_answer("600", "您不是合法的订阅者（即授权Key出错）")
        fault = state.next_fault()
        if fault is not None and fault.mode == "server_error":
            return _poll_answer("500", "服务器错误")
        extra = param.get("parameters") or {}
        number, company = str(param.get("number", "")), str(param.get("company", ""))
        if not number or not company or not str(extra.get("callbackurl", "")).startswith("http"):
            return _poll_answer("700", "订阅请求参数错误：单号、公司编码或回调地址")
        parcel = state.parcels.get(number)
        if parcel is None:  # a waybill issued elsewhere: the simulator knows it from now on
            parcel = Parcel(company, number, "normal")
            state.parcels[number] = parcel
        if parcel.subscribed:
            return _poll_answer("501", "重复订阅")
        parcel.scenario = _scenario(state)  # drawn when the journey starts
        parcel.subscribed, parcel.callback_url, parcel.salt = (
            True,
            str(extra["callbackurl"]),
            str(extra.get("salt", "")),
        )
        start(parcel)
        return _poll_answer("200", "提交成功")

    @app.post("/poll/query.do")
    async def query(request: Request) -> JSONResponse:
        fields = await form(request)
        state.received.append({"kind": "query", **fields})
        if fields.get("customer") != customer:
            return _poll_answer("601", "customer 不存在或已过期")
        if fields.get("sign") != md5_upper(fields.get("param", "") + key + customer):
            return _poll_answer("503", "验证签名失败")
        fault = state.next_fault()
        if fault is not None and fault.mode == "server_error":
            return _poll_answer("501", "服务器错误")
        param = json.loads(fields.get("param") or "{}")
        parcel = state.parcels.get(str(param.get("num", "")))
        if parcel is None or not parcel.checkpoints:
            return _poll_answer("500", "查询无结果，请隔段时间再查")
        return JSONResponse(parcel.last_result())

    app.include_router(_control(state, step, start))
    return app


def _scenario(state: State) -> Scenario:
    if state.forced:
        return state.forced.pop(0)
    return choose_scenario(state.rng, state.config.shares)


def _issue(state: State, param: Mapping[str, Any]) -> JSONResponse:
    company = str(param.get("kuaidicom", ""))
    receiver, sender = param.get("recMan") or {}, param.get("sendMan") or {}
    if not company or not receiver.get("mobile") or not receiver.get("printAddr") or not sender.get("printAddr"):
        return _label_answer(400, "参数不完整：kuaidicom、recMan、sendMan 必填")
    if not param.get("partnerId"):
        return _label_answer(30004, "电子面单账号（partnerId）无效")
    state.serial += 1
    number = waybill_number(company, state.serial)
    parcel = Parcel(company, number, "normal")
    parcel.dest = str(receiver.get("printAddr", ""))[:6] or parcel.dest
    state.parcels[number] = parcel
    data = {
        "taskId": f"T{state.serial:010d}",
        "kuaidicom": company,
        "kuaidinum": number,
        "orderId": param.get("orderId"),
    }
    return _label_answer(200, "success", data)


def _cancel(state: State, param: Mapping[str, Any]) -> JSONResponse:
    parcel = state.parcels.get(str(param.get("kuaidinum", "")))
    if parcel is None or parcel.company != param.get("kuaidicom"):
        return _label_answer(400, "面单不存在")
    if parcel.checkpoints:
        return _label_answer(30005, "快件已揽收，不能取消")
    parcel.cancelled = True
    return _label_answer(200, "success")


def _control(state: State, step: Any, start: Any) -> APIRouter:
    router = APIRouter(prefix="/_sim", tags=["simulator control"])

    @router.post("/config")
    async def configure(config: SimConfig) -> SimConfig:
        state.config = config
        state.rng = random.Random(config.seed)
        return config

    @router.post("/scenarios")
    async def force(queue: ScenarioQueue) -> dict[str, int]:
        state.forced.extend(queue.scenarios)
        return {"pending": len(state.forced)}

    @router.get("/parcels/{number}")
    async def parcel(number: str) -> dict[str, Any]:
        found = state.parcels.get(number)
        if found is None:
            raise HTTPException(404, "unknown waybill")
        return {
            "scenario": found.scenario,
            "subscribed": found.subscribed,
            "cancelled": found.cancelled,
            "track": found.last_result(),
        }

    @router.post("/parcels/{number}/advance")
    async def advance(number: str) -> dict[str, Any]:
        found = state.parcels.get(number)
        if found is None:
            raise HTTPException(404, "unknown waybill")
        bodies = await step(found)
        return {"state": found.state, "pushed": len(bodies), "done": found.done}

    @router.post("/faults")
    async def add_fault(fault: FaultRequest) -> dict[str, int]:
        state.faults.append(fault)
        return {"pending": sum(f.count for f in state.faults)}

    @router.get("/received")
    async def received() -> dict[str, Any]:
        return {"items": state.received, "pushes": state.pushes}

    @router.delete("/received")
    async def reset() -> dict[str, bool]:
        state.received.clear()
        state.pushes.clear()
        state.faults.clear()
        state.forced.clear()
        return {"reset": True}

    return router


SIMULATOR = SimulatorSpec(
    "kuaidi100", 9311, create_app, "快递100 e-waybills, poll subscriptions, real-time query and signed track pushes"
)
