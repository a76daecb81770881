"""`python -m orderhub_simulators [NAME ...]`: run simulators (all by default), each on its port,
and with `--feed` put a realistic stream of orders into the channel simulators among them.

    python -m orderhub_simulators                      # every simulator on its default port
    python -m orderhub_simulators --feed --rate 2      # ... and two orders or changes a second
    python -m orderhub_simulators --feed-only taobao --orders 50   # into simulators already running
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket

import httpx
import uvicorn

from orderhub_simulators.feed import Feed, stream_orders
from orderhub_simulators.platform_feeds import FEEDS
from orderhub_simulators.registry import SimulatorSpec, discover


def feeds_of(registry: dict[str, SimulatorSpec], names: list[str], *, miniprogram: bool = False) -> dict[str, Feed]:
    """Each named simulator's feed: its own, else the built-in one for its platform. The
    mini-program's customers order through OrderHub's API, so its feed only runs when asked for
    (`--miniprogram`, with ingest up)."""
    found: dict[str, Feed] = {}
    for name in names:
        feed = registry[name].feed or FEEDS.get(name)
        if feed is None and miniprogram and name == "miniprogram":
            from orderhub_simulators.channels.miniprogram.feed import feed_miniprogram

            feed = feed_miniprogram
        if feed is not None:
            found[name] = feed
    return found


def port_of(spec: SimulatorSpec) -> int:
    """Default port, or ORDERHUB_SIM_<NAME>_PORT (e.g. ORDERHUB_SIM_ALIYUN_SMS_PORT)."""
    variable = f"ORDERHUB_SIM_{spec.name.upper().replace('-', '_')}_PORT"
    return int(os.environ.get(variable, spec.default_port))


def port_taken(port: int) -> bool:
    with contextlib.closing(socket.socket()) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


async def _serve(registry: dict[str, SimulatorSpec], names: list[str]) -> None:
    servers = []
    for name in names:
        spec = registry[name]
        if port_taken(port_of(spec)):
            # e.g. the 快递100 simulator that `make run` starts for fulfillment in local mode
            print(f"simulator {name:<16} already served on port {port_of(spec)}; leaving it be", flush=True)
            continue
        config = uvicorn.Config(spec.create_app(), host="127.0.0.1", port=port_of(spec), log_level="warning")
        servers.append(uvicorn.Server(config))
        print(f"simulator {name:<16} http://127.0.0.1:{port_of(spec)}  {spec.description}", flush=True)
    await asyncio.gather(*(server.serve() for server in servers))


async def _feed(registry: dict[str, SimulatorSpec], names: list[str], args: argparse.Namespace) -> None:
    await asyncio.sleep(1.0)  # let the servers bind first
    feeds = feeds_of(registry, names, miniprogram=args.miniprogram)
    if "miniprogram" in feeds:  # its orders are priced from fulfillment's catalogue
        from orderhub_simulators.catalogue import seed_catalogue

        url = os.environ.get("ORDERHUB_FULFILLMENT_URL", "http://127.0.0.1:8003")
        print(f"catalogue: {len(await seed_catalogue(url))} sample products put into fulfillment", flush=True)
    print(f"feeding {', '.join(sorted(feeds)) or 'nothing'} at {args.rate}/s", flush=True)
    clients = {
        name: httpx.AsyncClient(base_url=f"http://127.0.0.1:{port_of(registry[name])}", timeout=10.0) for name in feeds
    }

    def say(line: str) -> None:
        print(line, flush=True)

    try:
        await stream_orders(clients, feeds, rate=args.rate, count=args.orders, seed=args.seed, log=say)
    finally:
        for client in clients.values():
            await client.aclose()


async def _run(registry: dict[str, SimulatorSpec], names: list[str], args: argparse.Namespace) -> None:
    jobs = [] if args.feed_only else [_serve(registry, names)]
    if args.feed or args.feed_only:
        jobs.append(_feed(registry, names, args))
    await asyncio.gather(*jobs)


def main(argv: list[str] | None = None) -> None:
    registry = discover()
    parser = argparse.ArgumentParser(
        prog="python -m orderhub_simulators", description=" ".join(__doc__.split("\n\n")[0].split())
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"simulators (default: all): {', '.join(registry)}")
    parser.add_argument("--list", action="store_true", help="list the simulators and their default ports")
    parser.add_argument("--feed", action="store_true", help="also generate orders into the channel simulators")
    parser.add_argument("--feed-only", action="store_true", help="only generate orders, into running simulators")
    parser.add_argument("--miniprogram", action="store_true", help="feed the mini-program too (needs ingest running)")
    parser.add_argument("--rate", type=float, default=1.0, help="orders or changes per second (default 1)")
    parser.add_argument("--orders", type=int, default=None, help="stop feeding after this many (default: never)")
    parser.add_argument("--seed", type=int, default=20261124)
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(registry))
    if unknown:
        parser.error(f"unknown simulator(s) {', '.join(unknown)}; known: {', '.join(sorted(registry))}")
    if args.list:
        for name, spec in sorted(registry.items()):
            feed = "feed" if feeds_of(registry, [name]) else ""
            print(f"{name:<16} {port_of(spec):<6} {feed:<5} {spec.description}")
        return
    names = args.names or sorted(registry)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(registry, names, args))


if __name__ == "__main__":
    main()
