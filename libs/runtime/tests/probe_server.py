"""`python probe_server.py '<json>'`: the probe service as a process, run the way every service
runs (`orderhub_runtime.cli`): the runtime's logging, uvicorn, graceful shutdown on SIGTERM.
The JSON gives `name`, `database_url`, `bootstrap`, `port` and runtime setting overrides."""

from __future__ import annotations

import json
import sys

import uvicorn
from orderhub_runtime.logging import configure_logging
from probe_service import define_probe, probe_app


def main() -> None:
    config = json.loads(sys.argv[1])
    configure_logging(config["name"], level="INFO", json_logs=True)
    probe = define_probe(config["name"], config["database_url"], config["bootstrap"], **config.get("runtime", {}))
    uvicorn.run(
        probe_app(probe),
        host="127.0.0.1",
        port=int(config["port"]),
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=20,
    )


if __name__ == "__main__":
    main()
