"""Screening workflows: one call of up to 1,000 names (API and page), and a file screened in
the background for the page's upload. The names are never written to the audit chain."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language

from concord.core.models import User

from . import queries, services
from .matching import engine
from .matching.bulk import RESULT_COLUMNS, result_row
from .matching.engine import Match
from .models import ScreeningRun


def _match_out(match: Match, *, country: str | None, language: str) -> dict[str, Any]:
    payload = match.payload
    listed_by = list(payload.get("listed_by", []))
    return {
        "organisation_id": payload.get("organisation_id", match.record_id),
        "canonical_name": payload.get("name_en") if language == "en" else payload.get("name_ru"),
        "name_ru": payload.get("name_ru", ""),
        "name_en": payload.get("name_en", ""),
        "matched_name": match.matched_name,
        "query_name": match.query_name,
        "score": match.score,
        "match": match.match,
        "features": match.features,
        "listed_by": listed_by,
        "listed_in_country": (country.upper() in listed_by) if country else None,
        "in_single_list": bool(payload.get("in_single_list")),
        "un": payload.get("un"),
    }


def screen_queries(
    *,
    acting_user: User,
    queries: list[dict[str, Any]],
    threshold: float,
    limit: int = 5,
    channel: str,
) -> dict[str, Any]:
    screener = _screener()
    results = []
    matched = 0
    for query in queries:
        language = query.get("language") or (get_language() or "ru")[:2]
        found = screener.screen(query["name"], threshold=threshold, limit=limit)
        out = [_match_out(m, country=query.get("country"), language=language) for m in found]
        is_match = any(m["match"] for m in out)
        matched += is_match
        results.append({"query": query, "match": is_match, "matches": out})
    services.screening_logged(
        acting_user=acting_user, channel=channel, count=len(queries), matched=matched
    )
    return {"threshold": threshold, "results": results}


def warm_up() -> None:
    """Load the matchers' data and build (or load) the screener before the first request."""
    engine.warm_up()
    queries.screener()


def _screener() -> Any:
    return queries.screener()


def file_run_create(
    *, acting_user: User, filename: str, data: bytes, threshold: float
) -> ScreeningRun:
    """A run for an uploaded file of names, owned by `acting_user`; the caller enqueues it."""
    return ScreeningRun.objects.create(
        user=acting_user, filename=filename[:255], threshold=threshold, source=data
    )


def file_run_failed(run: ScreeningRun, error: Exception) -> None:
    run.state = ScreeningRun.State.FAILED
    run.error = f"{type(error).__name__}: {error}"[:2000]
    run.finished_at = timezone.now()
    run.source = b""
    run.save(update_fields=["state", "error", "finished_at", "source"])


def run_file(run: ScreeningRun, names: list[str], *, every: int = 50) -> ScreeningRun:
    """Screen the names of an uploaded file, saving progress as it goes; the result is a CSV."""
    screener = _screener()
    run.state = ScreeningRun.State.RUNNING
    run.total = len(names)
    run.save(update_fields=["state", "total"])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=RESULT_COLUMNS)
    writer.writeheader()
    matched = 0
    for position, name in enumerate(names, start=1):
        row = result_row(name, screener.screen(name, threshold=run.threshold, limit=1))
        matched += row["match"]
        writer.writerow({k: _inert(v) for k, v in row.items()})
        if position % every == 0:
            run.done = position
            run.save(update_fields=["done"])
    run.done = run.total
    run.matched = matched
    run.result = ("\ufeff" + out.getvalue()).encode("utf-8")
    run.state = ScreeningRun.State.DONE
    run.finished_at = timezone.now()
    run.source = b""  # the uploaded names are not kept once screened; the result stays
    run.save()
    services.screening_logged(
        acting_user=run.user, channel="upload", count=run.total, matched=matched
    )
    return run


def _inert(value: object) -> object:
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value
