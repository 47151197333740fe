"""Benchmarks for concord.core (one module per benchmark, each with `run(ctx)`)."""
