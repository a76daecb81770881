"""What the launcher tells each service instance: its HTTP port and its environment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from orderhub_devstack.stack import StackInfo
from orderhub_devstack.supervisor import ServiceSpec

DEFAULT_HTTP_PORT_BASE = 8000
STAFF_TOKENS = ("local-cs", "local-warehouse", "local-manager", "local-ops")
# Admin credentials stay with the launcher; services get only their own role's URL.
_WITHHELD = ("ORDERHUB_DATABASE_URL",)


# Processes without a database or topics of their own, started after the services they call.
FRONTENDS = ("console",)


# Instance n (1-based) of the service at position i listens on base + REPLICA_PORT_STRIDE*(n-1) + i + 1:
# rules 8002, rules-2 8012, rules-3 8022.
REPLICA_PORT_STRIDE = 10
MAX_REPLICAS = 9


@dataclass(frozen=True)
class Instance:
    """One process of a service: the first is named like the service, the next `<service>-2`..."""

    name: str
    service: str
    port: int


def parse_replicas(raw: str, services: Sequence[str]) -> dict[str, int]:
    """`ORDERHUB_REPLICAS`, e.g. `rules=2,notify=2`: instances per service (1 when not named)."""
    counts: dict[str, int] = {}
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        service, sep, count = item.partition("=")
        service = service.strip()
        if not sep or service not in services:
            known = ", ".join(services)
            raise ValueError(f"ORDERHUB_REPLICAS: expected <service>=<count>, a service among {known}; got {item!r}")
        if not count.strip().isdigit() or not 1 <= int(count) <= MAX_REPLICAS:
            raise ValueError(f"ORDERHUB_REPLICAS: the count for {service} must be 1..{MAX_REPLICAS}, got {count!r}")
        counts[service] = int(count)
    return counts


def instances(
    services: Sequence[str], base: int = DEFAULT_HTTP_PORT_BASE, replicas: Mapping[str, int] | None = None
) -> list[Instance]:
    """Every process to run, first instances first (they are the ones that migrate)."""
    counts = replicas or {}
    found = [Instance(service, service, base + i + 1) for i, service in enumerate(services)]
    for i, service in enumerate(services):
        for n in range(2, counts.get(service, 1) + 1):
            found.append(Instance(f"{service}-{n}", service, base + REPLICA_PORT_STRIDE * (n - 1) + i + 1))
    return found


def http_ports(services: Sequence[str], base: int = DEFAULT_HTTP_PORT_BASE) -> dict[str, int]:
    """ingest 8001, rules 8002, fulfillment 8003, aftersales 8004, notify 8005 by default."""
    return {service: base + i + 1 for i, service in enumerate(services)}


def frontend_ports(services: Sequence[str], base: int = DEFAULT_HTTP_PORT_BASE) -> dict[str, int]:
    """The staff console after the services: 8007 by default."""
    return {name: base + len(services) + i + 1 for i, name in enumerate(FRONTENDS)}


def console_env(http_port: int, service_ports: Mapping[str, int], base_env: Mapping[str, str]) -> dict[str, str]:
    """The console calls each service's public API; it gets no database URL at all."""
    env = {k: v for k, v in base_env.items() if k not in _WITHHELD}
    env["CONSOLE_HTTP_PORT"] = str(http_port)
    for service, port in service_ports.items():
        env[f"CONSOLE_{service.upper()}_URL"] = f"http://127.0.0.1:{port}"
    env.setdefault("ORDERHUB_ENV", "local")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def service_env(service: str, info: StackInfo, http_port: int, base_env: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in base_env.items() if k not in _WITHHELD}
    prefix = service.upper()
    env[f"{prefix}_DATABASE_URL"] = info.service_database_urls[service]
    env[f"{prefix}_HTTP_PORT"] = str(http_port)
    env["ORDERHUB_KAFKA_BOOTSTRAP_SERVERS"] = info.kafka_bootstrap_servers
    env["ORDERHUB_TOPIC_PREFIX"] = info.topic_prefix
    env.setdefault("ORDERHUB_ENV", "local")
    if service == "fulfillment" and env["ORDERHUB_ENV"] == "local":
        # Waybills and tracks from 快递100 — in local mode its simulator (`make simulate`, port 9311),
        # pushing tracks back to this fulfillment's port.
        env.setdefault("FULFILLMENT_CARRIER", "kuaidi100")
        env.setdefault(
            "FULFILLMENT_KUAIDI100_CALLBACK_URL", f"http://127.0.0.1:{http_port}/webhooks/carriers/kuaidi100"
        )
    # Their output goes through a pipe to the launcher; unbuffered, it arrives as it happens.
    env["PYTHONUNBUFFERED"] = "1"
    return env


def local_simulators(base_env: Mapping[str, str]) -> list[ServiceSpec]:
    """In local mode fulfillment takes waybills and tracks from 快递100's simulator: `make run`
    starts it too, so the system works without `make simulate` (which leaves it be)."""
    env = {k: v for k, v in base_env.items() if k not in _WITHHELD}
    local = env.get("ORDERHUB_ENV", "local") == "local"
    if not local or env.get("FULFILLMENT_CARRIER", "kuaidi100") != "kuaidi100":
        return []
    env["PYTHONUNBUFFERED"] = "1"
    return [ServiceSpec("kuaidi100", "orderhub_simulators.local_carrier", env)]


def banner(info: StackInfo, ports: Mapping[str, int], notes: Sequence[str] = ()) -> list[str]:
    rows = [
        (service, f"http://127.0.0.1:{port}  (API docs: http://127.0.0.1:{port}/docs)")
        for service, port in ports.items()
        if service not in FRONTENDS
    ]
    rows += [
        (name, f"http://127.0.0.1:{port}  (staff web console: log in with a staff token)")
        for name, port in ports.items()
        if name in FRONTENDS
    ]
    rows += [
        ("broker", f"{info.kafka_bootstrap_servers}  (cluster {info.broker_cluster_id})"),
        ("database", f"{_public_database(info)}  (one schema and role per service)"),
        ("staff tokens", ", ".join(STAFF_TOKENS)),
    ]
    width = max(len(label) for label, _ in rows)
    lines = ["OrderHub is up", ""]
    lines += [f"  {label.ljust(width)}  {value}" for label, value in rows]
    lines += ["", *(f"  {note}" for note in notes), "  Ctrl-C stops everything."]
    return lines


def _public_database(info: StackInfo) -> str:
    """The database URL without credentials, for printing."""
    url = next(iter(info.service_database_urls.values()), "")
    scheme, _, rest = url.partition("://")
    return f"{scheme.split('+')[0]}://{rest.rpartition('@')[2]}"
