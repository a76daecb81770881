"""`python -m orderhub_simulators.local_carrier serve`: the 快递100 simulator alone, as `make run`
starts it in local mode so that fulfillment gets its waybills and tracks from it (as it would
from 快递100) without `make simulate`. If something already serves its port (`make simulate`
started first), it leaves that one be and waits to be stopped."""

from __future__ import annotations

import asyncio
import contextlib

from orderhub_simulators.__main__ import _serve, port_of, port_taken
from orderhub_simulators.registry import discover

NAME = "kuaidi100"


async def _run() -> None:
    registry = discover()
    if port_taken(port_of(registry[NAME])):
        print(f"simulator {NAME} already served on port {port_of(registry[NAME])}", flush=True)
        await asyncio.Event().wait()  # until the launcher stops us
    await _serve(registry, [NAME])


def main() -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run())


if __name__ == "__main__":
    main()
