"""The routing table: product category → agents, and who is on duty."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    category: str
    agents: tuple[str, ...]


@dataclass(frozen=True)
class ReplaceRouting:
    """The whole table at once (PUT): categories not named lose their agents."""

    routes: tuple[Route, ...]


@dataclass(frozen=True)
class SetDuty:
    agent: str
    on_duty: bool


@dataclass(frozen=True)
class AgentLoad:
    agent: str
    on_duty: bool
    open_tickets: int
    categories: tuple[str, ...]
