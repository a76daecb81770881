"""The routing table (product category → agents) and the agents' duty."""

from __future__ import annotations

from fastapi import APIRouter
from orderhub_runtime.app import DatabaseDep
from pydantic import BaseModel, Field

from aftersales.deps import Agent, Manager, Staff
from aftersales.routing import service
from aftersales.routing.model import ReplaceRouting, Route, SetDuty

router = APIRouter(prefix="/v1", tags=["routing"])


class RouteIO(BaseModel):
    category: str = Field(min_length=1, max_length=64)
    agents: list[str] = Field(max_length=50)


class RoutingIO(BaseModel):
    routes: list[RouteIO] = Field(max_length=500)


class DutyIn(BaseModel):
    on_duty: bool


class AgentOut(BaseModel):
    agent: str
    on_duty: bool
    open_tickets: int
    categories: list[str]


@router.put("/return-routing")
async def replace_routing(body: RoutingIO, db: DatabaseDep, staff: Manager) -> RoutingIO:
    """The whole table: a new ticket goes to the least-loaded on-duty agent of its category."""
    command = ReplaceRouting(tuple(Route(r.category, tuple(r.agents)) for r in body.routes))
    table = await db.run_in_transaction(lambda tx: service.replace_routing(tx, command, staff.name))
    return RoutingIO(routes=[RouteIO(category=r.category, agents=list(r.agents)) for r in table])


@router.get("/return-routing")
async def get_routing(db: DatabaseDep, _: Staff) -> RoutingIO:
    async with db.read() as conn:
        table = await service.routing_table(conn)
    return RoutingIO(routes=[RouteIO(category=r.category, agents=list(r.agents)) for r in table])


@router.put("/agents/{agent}/duty")
async def set_duty(agent: str, body: DutyIn, db: DatabaseDep, _: Agent) -> AgentOut:
    """On or off duty (在岗 / 离岗): off-duty agents get no new tickets."""
    await db.run_in_transaction(lambda tx: service.set_duty(tx, SetDuty(agent, body.on_duty)))
    async with db.read() as conn:
        loads = await service.agent_loads(conn)
    found = next(a for a in loads if a.agent == agent)
    return AgentOut(
        agent=found.agent, on_duty=found.on_duty, open_tickets=found.open_tickets, categories=list(found.categories)
    )


@router.get("/agents")
async def list_agents(db: DatabaseDep, _: Staff) -> list[AgentOut]:
    async with db.read() as conn:
        loads = await service.agent_loads(conn)
    return [
        AgentOut(agent=a.agent, on_duty=a.on_duty, open_tickets=a.open_tickets, categories=list(a.categories))
        for a in loads
    ]
