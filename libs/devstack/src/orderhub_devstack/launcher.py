"""`make run`: the local stack plus the five services as supervised processes.

Order matters: servers, database and topics first (the broker auto-creates unknown topics),
then migrations, then services. Shutdown runs the other way round. The launcher never imports
service code; it only runs `python -m <service> migrate|serve`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Awaitable, Mapping, Sequence
from typing import TypeVar

import httpx

from orderhub_devstack.console import Console
from orderhub_devstack.ports import port_is_free
from orderhub_devstack.services import (
    DEFAULT_HTTP_PORT_BASE,
    Instance,
    banner,
    console_env,
    frontend_ports,
    instances,
    local_simulators,
    parse_replicas,
    service_env,
)
from orderhub_devstack.stack import LocalStack, StackConfig, StackInfo, env_int
from orderhub_devstack.supervisor import ManagedService, ServiceSpec, Supervisor

T = TypeVar("T")
_HEALTH_CHECK_INTERVAL = 0.5


class _Stop:
    """Set by SIGINT/SIGTERM/SIGHUP; everything long-running races against it."""

    def __init__(self, console: Console) -> None:
        self.event = asyncio.Event()
        self._console = console
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, self._on_signal)

    def _on_signal(self) -> None:
        if self.event.is_set():
            self._console.say("still stopping: services get up to 15 s to drain")
        self.event.set()

    async def race(self, work: Awaitable[T]) -> T | None:
        """`work`'s result, or None (with `work` cancelled) if a stop signal comes first."""
        task = asyncio.ensure_future(work)
        waiter = asyncio.create_task(self.event.wait())
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if task.done():
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return None


async def run(env: Mapping[str, str] | None = None) -> int:
    """Bring everything up and supervise until a stop signal. The process exit code."""
    env = dict(os.environ if env is None else env)
    try:
        config = StackConfig.from_env(env)
        base = env_int(env, "ORDERHUB_HTTP_PORT_BASE", DEFAULT_HTTP_PORT_BASE)
        processes = instances(config.services, base, parse_replicas(env.get("ORDERHUB_REPLICAS", ""), config.services))
        fronts = frontend_ports(config.services, base)
    except ValueError as exc:
        print(f"orderhub-dev: {exc}", file=sys.stderr)
        return 2
    ports = {**{instance.name: instance.port for instance in processes}, **fronts}
    console = Console(list(ports))
    busy = [f"{service} ({port})" for service, port in ports.items() if not port_is_free(port)]
    if busy:
        console.say(f"cannot start: HTTP ports already in use: {', '.join(busy)}")
        console.say("is another `make run` still running? stop it, or set ORDERHUB_HTTP_PORT_BASE")
        return 2
    stop = _Stop(console)
    stack = LocalStack(config)
    console.say(_describe(config))
    try:
        info = await stop.race(stack.up())
        if info is None:
            return 0
        try:
            return await _serve(stack, info, processes, fronts, env, console, stop)
        finally:
            console.say("stopping the local stack")
            await stack.down()
    except Exception as exc:  # any failure: report it plainly, the stack is already down
        console.say(f"failed: {type(exc).__name__}: {exc}")
        return 1


async def _serve(
    stack: LocalStack,
    info: StackInfo,
    processes: Sequence[Instance],
    fronts: Mapping[str, int],
    env: Mapping[str, str],
    console: Console,
    stop: _Stop,
) -> int:
    # Every instance of a service: its own HTTP port, the same database and consumer group.
    specs = [ServiceSpec(i.name, i.service, service_env(i.service, info, i.port, env)) for i in processes]
    # The console calls each service's first instance.
    service_ports = {i.service: i.port for i in processes if i.name == i.service}
    frontends = [ServiceSpec(f, f, console_env(port, service_ports, env)) for f, port in fronts.items()]
    frontends += local_simulators(env)
    ports = {**{i.name: i.port for i in processes}, **fronts}
    console.say("running migrations")
    # Each service migrates its own schema with its own role, so they can run side by side;
    # once per service, by its first instance.
    migrating = [spec for spec in specs if spec.name == spec.module]
    codes = await stop.race(asyncio.gather(*(ManagedService(s, console).run_once("migrate") for s in migrating)))
    if codes is None:
        return 0
    failed = [f"{spec.name} (rc {rc})" for spec, rc in zip(migrating, codes, strict=True) if rc != 0]
    if failed:
        console.say(f"migrations failed: {', '.join(failed)}")
        return 1
    supervisor = Supervisor([*specs, *frontends], console)
    supervisor.start_all()
    if await stop.race(_wait_until_serving(ports, console)) is None:
        await supervisor.stop_all()
        return 0
    for line in banner(info, ports, _log_notes(stack)):
        console.say(line)
    try:
        while not stop.event.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.event.wait(), _HEALTH_CHECK_INTERVAL)
            if stop.event.is_set():
                break
            if not stack.broker_alive():
                await _recover_broker(stack, console)
            if stack.postgres is not None and not stack.postgres.is_running():
                # Persistent, so simply start it again; services reconnect on their own.
                console.say(f"PostgreSQL stopped; starting it again (log: {stack.postgres.log_path})")
                await stack.postgres.start()
                console.say("PostgreSQL is back")
    finally:
        console.say("stopping services")
        await supervisor.stop_all()
    return 0


async def _wait_until_serving(ports: Mapping[str, int], console: Console, timeout_s: float = 120.0) -> bool:
    """The banner says "up" only once every service answers HTTP (a slow machine takes a while)."""
    waiting = dict(ports)
    deadline = asyncio.get_running_loop().time() + timeout_s
    async with httpx.AsyncClient(timeout=2.0) as client:
        while waiting and asyncio.get_running_loop().time() < deadline:
            for service, port in list(waiting.items()):
                with contextlib.suppress(httpx.HTTPError):
                    await client.get(f"http://127.0.0.1:{port}/healthz")
                    del waiting[service]
            if waiting:
                await asyncio.sleep(0.5)
    if waiting:
        console.say(f"still starting after {timeout_s:.0f} s: {', '.join(waiting)} (see their log lines above)")
    return True


async def _recover_broker(stack: LocalStack, console: Console) -> None:
    """A memory broker restart loses every topic and offset. The services keep serving HTTP
    meanwhile (writes wait in their outboxes); the topics are re-created at once, and each
    service notices the new cluster id on its own, replays its retained events into it and
    rejoins its consumer group. No service is restarted."""
    broker = stack.broker
    tail = broker.log_tail().strip() if broker is not None else ""
    console.say("the embedded broker died" + (f"; its last output:\n{tail}" if tail else ""))
    info = await stack.restart_broker()
    console.say(f"broker back on {info.kafka_bootstrap_servers} as cluster {info.broker_cluster_id}")
    console.say("services reconnect on their own and replay their outbox into it")


def _log_notes(stack: LocalStack) -> list[str]:
    notes = []
    if stack.postgres is not None:
        notes.append(f"PostgreSQL log: {stack.postgres.log_path}")
    if stack.broker is not None and stack.broker.log_path is not None:
        notes.append(f"broker log:     {stack.broker.log_path}")
    return notes


def _describe(config: StackConfig) -> str:
    pg = "external" if config.database_url else f"embedded on 127.0.0.1:{config.pg_port}"
    kafka = "external" if config.kafka_bootstrap_servers else f"embedded on 127.0.0.1:{config.broker_port}"
    return f"starting: PostgreSQL {pg}, broker {kafka}, state in {config.state_dir}"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="orderhub-dev", description="Run OrderHub locally: embedded PostgreSQL and broker plus all services."
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="start the stack, migrate, and supervise the services (the default)")
    commands.add_parser(
        "bootstrap",
        help="on external servers (ORDERHUB_DATABASE_URL, ORDERHUB_KAFKA_BOOTSTRAP_SERVERS): create the database, "
        "the service roles and schemas, and the topics, then exit",
    )
    args = parser.parse_args(argv)
    sys.exit(asyncio.run(bootstrap() if args.command == "bootstrap" else run()))


async def bootstrap(env: Mapping[str, str] | None = None) -> int:
    """Provision external servers for a deployment; starts nothing embedded."""
    config = StackConfig.from_env(os.environ if env is None else env)
    if not config.database_url or not config.kafka_bootstrap_servers:
        print("orderhub-dev bootstrap: set ORDERHUB_DATABASE_URL and ORDERHUB_KAFKA_BOOTSTRAP_SERVERS", file=sys.stderr)
        return 2
    info = await LocalStack(config).up()
    print(f"database {info.database}: roles and schemas ready for {', '.join(info.service_database_urls)}")
    print(f"topics ready on {info.kafka_bootstrap_servers}: {', '.join(info.topics)}")
    print("give each service its <SERVICE>_DATABASE_URL with the role's password (<SERVICE>_DB_PASSWORD)")
    return 0
