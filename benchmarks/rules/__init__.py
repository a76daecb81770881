"""Benchmarks of the rules service (`make bench-rules`): rule evaluation, address resolution, and
the service alone on a private stack."""
