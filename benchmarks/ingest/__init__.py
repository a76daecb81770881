"""Ingest's benchmarks: `make bench-ingest` (CPU and SQL statements per order on the intake and
projection paths) and `make bench-search` (order search with a million orders loaded)."""
