from orderhub_runtime.migrations import run_env

from insights.tables import SCHEMA, metadata

run_env(metadata, SCHEMA)
