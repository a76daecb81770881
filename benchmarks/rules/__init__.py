"""Benchmarks of the rules service's pure parts."""
