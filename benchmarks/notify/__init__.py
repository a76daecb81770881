"""Benchmarks of the notify service (`make bench-notify`)."""
