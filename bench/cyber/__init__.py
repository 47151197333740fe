"""Benchmarks for concord.cyber (one module per benchmark, each with `run(ctx)`)."""
