"""What the launcher tells each service: its HTTP port and its environment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from orderhub_devstack.stack import StackInfo

DEFAULT_HTTP_PORT_BASE = 8000
STAFF_TOKENS = ("local-cs", "local-warehouse", "local-manager", "local-ops")
# Admin credentials stay with the launcher; services get only their own role's URL.
_WITHHELD = ("ORDERHUB_DATABASE_URL",)


def http_ports(services: Sequence[str], base: int = DEFAULT_HTTP_PORT_BASE) -> dict[str, int]:
    """ingest 8001, rules 8002, fulfillment 8003, aftersales 8004, notify 8005 by default."""
    return {service: base + i + 1 for i, service in enumerate(services)}


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


def banner(info: StackInfo, ports: Mapping[str, int], notes: Sequence[str] = ()) -> list[str]:
    rows = [
        (service, f"http://127.0.0.1:{port}  (API docs: http://127.0.0.1:{port}/docs)")
        for service, port in ports.items()
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
