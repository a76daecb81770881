"""Marks every test with the layer it needs, from the fixtures it requests, so that nobody has to
remember to: `pure` (no server), `db` (the real PostgreSQL), `broker` (PostgreSQL and the
Kafka-protocol broker), `e2e` (every service as a process). A module may say `db` or `broker`
itself (`pytestmark = pytest.mark.db`); `make test-fast` runs `-m pure`."""

from __future__ import annotations

from pathlib import Path

import pytest

LAYERS = ("pure", "db", "broker", "e2e")
# Session fixtures that start (or connect to) the servers: the whole stack, or a lone broker.
SERVER_FIXTURES = frozenset({"orderhub_stack", "tansu_bootstrap"})
E2E_DIR = Path(__file__).parent / "tests" / "e2e"


def _layer(item: pytest.Item) -> str:
    declared = [m.name for m in item.iter_markers() if m.name in LAYERS]
    if declared:
        return declared[0]
    if E2E_DIR in Path(str(item.path)).parents:
        return "e2e"
    if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
        return "broker"  # the stack brings both servers; modules that only need the database say `db`
    return "pure"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        layer = _layer(item)
        if not any(m.name == layer for m in item.iter_markers()):
            item.add_marker(getattr(pytest.mark, layer))
