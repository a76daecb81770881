"""Console benchmarks (`make bench-console`)."""
