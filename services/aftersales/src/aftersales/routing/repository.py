"""Every SQL statement of the routing table and the agents' duty."""

from __future__ import annotations

from collections.abc import Sequence

from orderhub_contracts.returns import OPEN_RETURN_STATUSES
from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from aftersales.routing.model import AgentLoad, Route
from aftersales.tables import agents, return_routes

_OPEN = [s.value for s in OPEN_RETURN_STATUSES]

# The on-duty agent of the category with the fewest open tickets (ties: by name, so it is stable).
# The chosen agent's row is locked until the filing commits; a filing at the same moment skips
# that agent and takes the next least loaded (so a burst spreads over the agents instead of
# queueing behind one lock), and only when every agent is being given a ticket right now does it
# wait for the least loaded.
_LEAST_LOADED = """
SELECT a.agent
FROM aftersales.return_routes r
JOIN aftersales.agents a ON a.agent = r.agent AND a.on_duty
WHERE r.category = :category
ORDER BY (SELECT count(*) FROM aftersales.tickets t
          WHERE t.assignee = a.agent AND t.status = ANY(CAST(:open AS text[]))), a.agent
LIMIT 1
FOR UPDATE OF a
"""
_LEAST_LOADED_FREE = text(_LEAST_LOADED + " SKIP LOCKED")
_LEAST_LOADED_WAIT = text(_LEAST_LOADED)


async def replace_routes(conn: AsyncConnection, routes: Sequence[Route]) -> None:
    await conn.execute(delete(return_routes))
    rows = [{"category": r.category, "agent": agent} for r in routes for agent in dict.fromkeys(r.agents)]
    if rows:
        await conn.execute(insert(return_routes), rows)
    names = sorted({row["agent"] for row in rows})
    if names:
        await conn.execute(insert(agents).on_conflict_do_nothing(), [{"agent": name} for name in names])


async def set_duty(conn: AsyncConnection, agent: str, on_duty: bool) -> None:
    statement = insert(agents).values(agent=agent, on_duty=on_duty)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[agents.c.agent], set_={"on_duty": on_duty, "updated_at": func.now()}
        )
    )


async def least_loaded_agent(conn: AsyncConnection, category: str) -> str | None:
    params = {"category": category, "open": _OPEN}
    row = (await conn.execute(_LEAST_LOADED_FREE, params)).first()
    if row is None:
        row = (await conn.execute(_LEAST_LOADED_WAIT, params)).first()
    return None if row is None else str(row[0])


async def routes(conn: AsyncConnection) -> list[Route]:
    query = select(return_routes.c.category, return_routes.c.agent).order_by(
        return_routes.c.category, return_routes.c.agent
    )
    table: dict[str, list[str]] = {}
    for category, agent in await conn.execute(query):
        table.setdefault(category, []).append(agent)
    return [Route(category, tuple(names)) for category, names in table.items()]


_LOADS = text(
    """
SELECT a.agent, a.on_duty,
       (SELECT count(*) FROM aftersales.tickets t
        WHERE t.assignee = a.agent AND t.status = ANY(CAST(:open AS text[]))) AS open_tickets,
       COALESCE((SELECT array_agg(r.category ORDER BY r.category) FROM aftersales.return_routes r
                 WHERE r.agent = a.agent), ARRAY[]::text[]) AS categories
FROM aftersales.agents a ORDER BY a.agent
"""
)


async def agent_loads(conn: AsyncConnection) -> list[AgentLoad]:
    rows = await conn.execute(_LOADS, {"open": _OPEN})
    return [AgentLoad(r.agent, r.on_duty, int(r.open_tickets), tuple(r.categories)) for r in rows]
