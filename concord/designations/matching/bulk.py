"""Bulk screening: stream any number of names through `screen_batch` on every core, or on a
Dask cluster. The matcher is the same pure, picklable function in both cases; only the way
chunks are shipped differs. Results come back in input order."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from typing import Any

from .engine import DEFAULT_THRESHOLD, Match, Screener, screen_batch

CHUNK = 500
RESULT_COLUMNS = (
    "name",
    "match",
    "score",
    "organisation_id",
    "canonical_name_ru",
    "canonical_name_en",
    "matched_name",
    "listed_by",
    "un_reference",
    "in_single_list",
)

_worker_screener: Screener | None = None


def chunks(names: Iterable[str], size: int = CHUNK) -> Iterator[list[str]]:
    iterator = iter(names)
    while chunk := list(islice(iterator, size)):
        yield chunk


def result_row(name: str, matches: list[Match]) -> dict[str, Any]:
    """One output row per query: its best match (or none)."""
    best = matches[0] if matches else None
    payload = best.payload if best else {}
    un = payload.get("un") or {}
    return {
        "name": name,
        "match": bool(best and best.match),
        "score": best.score if best else 0.0,
        "organisation_id": payload.get("organisation_id", ""),
        "canonical_name_ru": payload.get("name_ru", ""),
        "canonical_name_en": payload.get("name_en", ""),
        "matched_name": best.matched_name if best else "",
        "listed_by": " ".join(payload.get("listed_by", [])),
        "un_reference": un.get("reference", "") if un else "",
        "in_single_list": bool(payload.get("in_single_list", False)),
    }


def _init_worker(screener: Screener) -> None:
    global _worker_screener  # noqa: PLW0603 - one screener per worker process, set once
    _worker_screener = screener


def _run_chunk(args: tuple[list[str], float]) -> list[dict[str, Any]]:
    names, threshold = args
    assert _worker_screener is not None  # noqa: S101 - set by the pool initializer
    results = screen_batch(_worker_screener, names, threshold, limit=1)
    return [result_row(name, found) for name, found in zip(names, results, strict=True)]


def screen_stream(
    screener: Screener,
    names: Iterable[str],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    workers: int | None = None,
    chunk: int = CHUNK,
) -> Iterator[dict[str, Any]]:
    """Screen names on `workers` processes (default: every core), streaming rows in order.
    Memory stays bounded: at most a few chunks per worker are in flight."""
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        _init_worker(screener)
        for part in chunks(names, chunk):
            yield from _run_chunk((part, threshold))
        return
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(screener,)
    ) as pool:
        pending: list[Any] = []
        for part in chunks(names, chunk):
            pending.append(pool.submit(_run_chunk, (part, threshold)))
            if len(pending) >= workers * 3:
                yield from pending.pop(0).result()
        for future in pending:
            yield from future.result()


def dask_screen(
    client: Any,
    screener: Screener,
    names: Iterable[str],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    chunk: int = CHUNK,
) -> Iterator[dict[str, Any]]:
    """The same matcher on a Dask cluster: the screener is scattered once to every worker and
    `screen_batch` runs unchanged on each chunk. `client` is a `distributed.Client`."""
    remote = client.scatter(screener, broadcast=True)
    pending: list[tuple[list[str], Any]] = []
    window = max(4, 3 * len(client.scheduler_info().get("workers", {})))
    for part in chunks(names, chunk):
        pending.append((part, client.submit(screen_batch, remote, part, threshold, 1)))
        if len(pending) >= window:
            done_names, future = pending.pop(0)
            for name, found in zip(done_names, future.result(), strict=True):
                yield result_row(name, found)
    for done_names, future in pending:
        for name, found in zip(done_names, future.result(), strict=True):
            yield result_row(name, found)
