from orderhub_runtime.migrations import run_env

from notify.tables import SCHEMA, metadata

run_env(metadata, SCHEMA)
