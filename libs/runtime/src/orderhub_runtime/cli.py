"""`python -m <service> [serve|migrate]`: every service's process entry point."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from orderhub_runtime.logging import configure_logging
from orderhub_runtime.migrations import upgrade_head
from orderhub_runtime.settings import RuntimeSettings, ServiceSettings


def run_service_cli(
    name: str, settings: ServiceSettings, runtime: RuntimeSettings, app_factory: Callable[[], FastAPI]
) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {name}", description=f"OrderHub {name} service")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"])
    args = parser.parse_args()
    configure_logging(name, level=runtime.log_level, json_logs=runtime.json_logs)
    if args.command == "migrate":
        url = settings.database_url.get_secret_value()
        if not url:
            parser.error(f"{name.upper()}_DATABASE_URL is not set")
        upgrade_head(name, url)
        return
    uvicorn.run(
        app_factory(),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        loop="uvloop",
        http="httptools",
        timeout_graceful_shutdown=20,
    )
