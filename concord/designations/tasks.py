"""Background work of the designations pages: screening an uploaded file of names."""

from __future__ import annotations

import logging

from django_tasks import task

from . import screening
from .forms import read_names
from .models import ScreeningRun

logger = logging.getLogger(__name__)


@task()
def screen_file(run_id: int) -> None:
    """Screen the names of a run's uploaded file; a finished run is left as it is (retry-safe)."""
    run = ScreeningRun.objects.select_related("user").get(pk=run_id)
    if run.state in (ScreeningRun.State.DONE, ScreeningRun.State.FAILED):
        return
    try:
        names = read_names(bytes(run.source), run.filename)
        screening.run_file(run, names)
    except Exception as error:  # the run shows why it failed; the log keeps the traceback
        logger.exception("screening run %s failed", run_id)
        screening.file_run_failed(run, error)
