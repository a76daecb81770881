"""OrderHub's local stack: embedded PostgreSQL and Kafka-compatible broker, provisioning, the
`make run` launcher and the pytest fixtures.

Exports resolve lazily: pytest imports this package (for the plugin) in every test run of the
workspace, and most runs never need asyncpg or aiokafka.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orderhub_devstack.broker import BrokerPortInUse, EmbeddedBroker
    from orderhub_devstack.ports import free_port
    from orderhub_devstack.postgres import EmbeddedPostgres, PostgresPortInUse
    from orderhub_devstack.stack import LocalStack, StackConfig, StackInfo

_EXPORTS = {
    "BrokerPortInUse": "broker",
    "EmbeddedBroker": "broker",
    "EmbeddedPostgres": "postgres",
    "PostgresPortInUse": "postgres",
    "LocalStack": "stack",
    "StackConfig": "stack",
    "StackInfo": "stack",
    "free_port": "ports",
}
__all__ = [
    "BrokerPortInUse",
    "EmbeddedBroker",
    "EmbeddedPostgres",
    "LocalStack",
    "PostgresPortInUse",
    "StackConfig",
    "StackInfo",
    "free_port",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
