"""Benchmarks of the rules service (`make bench-rules`)."""
