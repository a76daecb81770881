from orderhub_runtime.migrations import run_env

from aftersales.tables import SCHEMA, metadata

run_env(metadata, SCHEMA)
