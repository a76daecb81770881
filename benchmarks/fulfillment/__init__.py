"""Fulfillment's benchmarks (`make bench-fulfillment`): `python -m benchmarks.fulfillment`."""
