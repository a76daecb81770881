"""Routing use cases: replace the table (manager), set an agent's duty, pick the agent of a ticket."""

from __future__ import annotations

from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger
from sqlalchemy.ext.asyncio import AsyncConnection

from aftersales.routing import repository
from aftersales.routing.model import AgentLoad, ReplaceRouting, Route, SetDuty

log = get_logger(__name__)


async def replace_routing(tx: Tx, command: ReplaceRouting, actor: str) -> list[Route]:
    await repository.replace_routes(tx.conn, command.routes)
    log.info("return_routing.replaced", categories=len(command.routes), by=actor)
    return await repository.routes(tx.conn)


async def set_duty(tx: Tx, command: SetDuty) -> None:
    await repository.set_duty(tx.conn, command.agent, command.on_duty)
    log.info("agent.duty_set", agent=command.agent, on_duty=command.on_duty)


async def route_ticket(tx: Tx, category: str) -> str:
    """The least-loaded on-duty agent of the category; empty (the shared queue) when none is."""
    return await repository.least_loaded_agent(tx.conn, category) or ""


async def routing_table(conn: AsyncConnection) -> list[Route]:
    return await repository.routes(conn)


async def agent_loads(conn: AsyncConnection) -> list[AgentLoad]:
    return await repository.agent_loads(conn)
