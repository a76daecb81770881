"""Managers: return routing (product category → the agents who take its tickets) and who is on
duty, from the aftersales service."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from console.clients import Json, ServiceError, api_missing
from console.deps import CsrfChecked, Deps, Manager
from console.sessions import StaffSession
from console.views import render

router = APIRouter(tags=["routing"])
MISSING = "退货分派接口尚未上线（aftersales 服务需更新），此页暂不可用。"
_SEPARATORS = re.compile(r"[,，、\s]+")


def parse_routes(text: str) -> tuple[list[Json], list[str]]:
    """One line per category, `空调：张三，李四`; the problems, each naming its line."""
    routes: list[Json] = []
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        category, colon, agents = line.replace("：", ":").partition(":")
        names = [a for a in _SEPARATORS.split(agents.strip()) if a]
        if not colon or not category.strip():
            problems.append(f"第 {number} 行应写成「品类：客服1，客服2」")
            continue
        routes.append({"category": category.strip(), "agents": names})
    return routes, problems


def as_text(routes: list[Json]) -> str:
    return "\n".join(f"{r['category']}：{'，'.join(r.get('agents', []))}" for r in routes)


async def _page(request: Request, deps: Deps, session: StaffSession, **extra: Any) -> Response:
    try:
        table = await deps.aftersales.routing(session.token)
        agents = await deps.aftersales.agents(session.token)
    except ServiceError as exc:
        if not api_missing(exc):
            raise
        return render(deps.templates, request, "routing.html", session, missing=MISSING, agents=[], text="")
    context: dict[str, Any] = {"missing": "", "agents": agents, "text": as_text(table.get("routes", [])), **extra}
    return render(deps.templates, request, "routing.html", session, **context)


@router.get("/return-routing")
async def routing_page(request: Request, deps: Deps, session: Manager) -> Response:
    return await _page(request, deps, session)


@router.post("/return-routing", dependencies=[CsrfChecked])
async def save_routing(
    request: Request, deps: Deps, session: Manager, routes: Annotated[str, Form(max_length=20000)]
) -> Response:
    parsed, problems = parse_routes(routes)
    if problems:
        return await _page(request, deps, session, text=routes, problems=problems)
    try:
        await deps.aftersales.replace_routing(session.token, parsed)
    except ServiceError as exc:
        if exc.status != 422:
            raise
        return await _page(request, deps, session, text=routes, problems=[exc.message])
    return await _page(request, deps, session, flash="分派规则已保存")


@router.post("/return-routing/duty", dependencies=[CsrfChecked])
async def duty(
    request: Request,
    deps: Deps,
    session: Manager,
    agent: Annotated[str, Form(max_length=100)],
    on_duty: Annotated[bool, Form()],
) -> Response:
    await deps.aftersales.set_duty(session.token, agent, on_duty)
    return await _page(request, deps, session, flash=f"{agent} 已{'在岗' if on_duty else '离岗'}")
