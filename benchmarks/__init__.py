"""Timed runs, on demand (benchmarks/README.md); the data generator (generate) is importable by
the tests as benchmarks.generate."""
