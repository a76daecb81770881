"""How the consumer sorts failures: infrastructure trouble is waited out (never dead-lettered),
anything else is retried a bounded number of times and then dead-lettered."""

from __future__ import annotations

import asyncpg
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError


class RetryLater(Exception):
    """A handler cannot act yet (e.g. data it depends on has not arrived); retried, bounded."""


_TRANSIENT_PG = (
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
)


def is_infrastructure_error(exc: BaseException) -> bool:
    if isinstance(exc, (OSError, ConnectionError, TimeoutError, InterfaceError, OperationalError)):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        orig = getattr(exc.orig, "__cause__", None) or exc.orig
        return isinstance(orig, _TRANSIENT_PG)
    return isinstance(exc, _TRANSIENT_PG)
