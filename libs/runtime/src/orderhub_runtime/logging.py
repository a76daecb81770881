"""structlog for everything: the service's own events, and uvicorn, SQLAlchemy and aiokafka
routed through the same processors. JSON outside local mode; phone numbers are masked in every
line as a safety net on top of explicit masking."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog
from orderhub_contracts.phone import mask_phones_in_text

# Noisy while a broker is unreachable (dozens of lines a second); warnings are enough.
_QUIET_LOGGERS = {
    "aiokafka": logging.WARNING,
    "kafka": logging.WARNING,
    "sqlalchemy": logging.WARNING,
    "uvicorn.access": logging.WARNING,
    "alembic": logging.WARNING,
    # httpx logs every request URL at INFO; platform URLs carry app keys, signatures and tokens.
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
}


# Client libraries repeat the same line for every reconnect attempt while a server is away
# (about 50 a second per Kafka client); the service logs the outage itself, once.
_REPEATING_LOGGERS = ("aiokafka", "kafka")
REPEAT_INTERVAL_S = 60.0


class RepeatFilter(logging.Filter):
    """Lets a client library's message (by logger and format string) through once per interval."""

    def __init__(self, interval_s: float = REPEAT_INTERVAL_S) -> None:
        super().__init__()
        self._interval = interval_s
        self._last: dict[tuple[str, str], float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(_REPEATING_LOGGERS):
            return True
        key = (record.name, str(record.msg))
        last = self._last.get(key)
        if last is not None and record.created - last < self._interval:
            return False
        if len(self._last) > 1000:  # bounded: format strings are few, but never grow without end
            self._last.clear()
        self._last[key] = record.created
        return True


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return mask_phones_in_text(value)
    if isinstance(value, dict):
        return {k: _mask(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_mask(v) for v in value)
    return value


def _mask_phones(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in event_dict.items():
        event_dict[key] = _mask(value)
    return event_dict


def configure_logging(service: str, *, level: str = "INFO", json_logs: bool = False) -> None:
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        _mask_phones,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json_logs
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info if json_logs else _identity,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    handler.addFilter(RepeatFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name, lvl in _QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(max(lvl, root.level))
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=service)


def _identity(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    return event_dict


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger
