"""`make bench`: end-to-end throughput and latency of the order flow, for scale the raw Postgres
insert rate of the same machine, and rule evaluation cost."""
