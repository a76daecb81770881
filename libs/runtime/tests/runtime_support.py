"""What the runtime tests share: a throwaway schema with the messaging tables, and settings
with a private topic prefix."""

from __future__ import annotations

from dataclasses import dataclass

from orderhub_runtime.schema import MessagingTables
from orderhub_runtime.settings import RuntimeSettings
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass
class RuntimeEnv:
    engine: AsyncEngine
    url: str
    schema: str
    tables: MessagingTables
    effects: Table
    settings: RuntimeSettings
