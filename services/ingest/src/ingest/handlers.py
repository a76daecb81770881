"""Message handlers of ingest: every projected event type goes to the status projection's batch
handler (a single event is a run of one)."""

from __future__ import annotations

from orderhub_runtime.bus.consumer import BatchHandler

from ingest.deps import IngestDeps
from ingest.projection.service import PROJECTED, project_run


def build_batch_handlers(deps: IngestDeps) -> dict[str, BatchHandler]:
    """The projection needs nothing from `deps`; the signature is the one every service has."""
    del deps
    return {cls.event_type: project_run for cls in PROJECTED}
