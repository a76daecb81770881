"""`make run` starts the console after the five services, on the next port, pointed at them."""

from __future__ import annotations

from orderhub_contracts.topics import SERVICES
from orderhub_devstack.services import banner, console_env, frontend_ports, http_ports
from orderhub_devstack.stack import StackInfo


def test_console_gets_the_next_port_and_every_service_url() -> None:
    ports = http_ports(SERVICES)
    assert frontend_ports(SERVICES) == {"console": 8007}
    env = console_env(8007, ports, {"ORDERHUB_DATABASE_URL": "postgresql://admin@x/y", "KEEP": "1"})
    assert env["CONSOLE_HTTP_PORT"] == "8007" and env["CONSOLE_RULES_URL"] == "http://127.0.0.1:8002"
    assert "ORDERHUB_DATABASE_URL" not in env and env["KEEP"] == "1"
    info = StackInfo({"ingest": "postgresql+asyncpg://u:p@127.0.0.1:1/db"}, "127.0.0.1:9092", "", "", "c1")
    text = "\n".join(banner(info, {**ports, "console": 8007}))
    assert "console" in text and "http://127.0.0.1:8007  (staff web console" in text
