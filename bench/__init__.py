"""Concord's benchmarks: `make bench` (or `python -m bench [APP[.MODULE] ...]`) from the repo root.

Layout: the shared harness lives here (`harness`, `loadgen`, `report`); each app adds a package
`bench/<app>/` whose modules (e.g. `bench/core/http_load.py`) define `run(ctx) -> ModuleResult`.
Every benchmark compares against a baseline measured in the same run and prints ratios; all
traffic goes to 127.0.0.1 and every loop is bounded in time.
"""
