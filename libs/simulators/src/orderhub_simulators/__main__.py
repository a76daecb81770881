"""`python -m orderhub_simulators [NAME ...]`: run simulators (all by default), each on its port."""

from __future__ import annotations

import argparse
import asyncio

import uvicorn

from orderhub_simulators.registry import discover


async def _serve(specs: list[tuple[str, int]]) -> None:
    registry = discover()
    servers = [
        uvicorn.Server(uvicorn.Config(registry[name].create_app(), host="127.0.0.1", port=port, log_level="warning"))
        for name, port in specs
    ]
    for (name, port), _ in zip(specs, servers, strict=True):
        print(f"simulator {name:<16} http://127.0.0.1:{port}  {registry[name].description}", flush=True)
    await asyncio.gather(*(server.serve() for server in servers))


def main() -> None:
    registry = discover()
    parser = argparse.ArgumentParser(prog="orderhub-simulators", description=__doc__)
    parser.add_argument("names", nargs="*", choices=sorted(registry) or None, help="simulators to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the simulators and their default ports")
    args = parser.parse_args()
    if args.list:
        for name, spec in sorted(registry.items()):
            print(f"{name:<16} {spec.default_port:<6} {spec.description}")
        return
    names = args.names or sorted(registry)
    asyncio.run(_serve([(name, registry[name].default_port) for name in names]))


if __name__ == "__main__":
    main()
