"""The correlation ID of the work in hand, set once by the entrypoint (the HTTP middleware for a
request, the consumer for a message) and read by whatever opens a transaction below it, so that
no call site passes it by hand."""

from __future__ import annotations

from contextvars import ContextVar

_correlation_id: ContextVar[str] = ContextVar("orderhub_correlation_id", default="")


def current_correlation_id() -> str:
    return _correlation_id.get()


def set_correlation_id(value: str) -> None:
    """Bind `value` for the rest of the current task (a request or a message)."""
    _correlation_id.set(value)
