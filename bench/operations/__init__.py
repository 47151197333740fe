"""Benchmarks of the operations module: statistics over a million result lines (database
aggregation next to a naive Python-side aggregation) and the speed of importing a results file."""
