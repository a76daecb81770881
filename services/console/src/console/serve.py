"""`python -m console [serve|migrate]`: like every service's entry point; `migrate` has nothing
to do (the console keeps no database), so the launcher can treat it like the others."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI
from orderhub_runtime.logging import configure_logging
from orderhub_runtime.settings import RuntimeSettings

from console.settings import ConsoleSettings


def run_console_cli(settings: ConsoleSettings, runtime: RuntimeSettings, app_factory: Callable[[], FastAPI]) -> None:
    parser = argparse.ArgumentParser(prog="python -m console", description="OrderHub staff console")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"])
    args = parser.parse_args()
    configure_logging("console", level=runtime.log_level, json_logs=runtime.json_logs)
    if args.command == "migrate":
        return
    uvicorn.run(
        app_factory(),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
    )
