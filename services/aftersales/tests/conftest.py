"""The aftersales service migrated and running in-process against the real stack, on a private
topic prefix, with fixed customers and a counting refund provider (aftersales_harness.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from aftersales_harness import AftersalesEnv, CountingRefunds, running_aftersales
from orderhub_devstack.stack import StackInfo


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def aftersales(orderhub_stack: StackInfo) -> AsyncIterator[AftersalesEnv]:
    async with running_aftersales(orderhub_stack, CountingRefunds()) as env:
        yield env
