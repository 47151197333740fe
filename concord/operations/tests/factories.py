"""Building operations data for tests: result lines reported through the service, CSV files for
the import endpoints and command. Tests only: production code never imports this."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal

from concord.core.models import User
from concord.operations import services
from concord.operations.models import ResultLine, Stage
from concord.operations.units import parse_quantity

IMPORT_COLUMNS = ("kind", "substance", "quantity", "unit", "note")


@contextmanager
def _open_for_reports(stage: Stage) -> Iterator[None]:
    """Reports go into a closed stage too (tests build history that way): the stage is opened
    for the service call and closed again, in memory and in the database."""
    status = stage.status
    if status == Stage.Status.OPEN:
        yield
        return
    Stage.objects.filter(pk=stage.pk).update(status=Stage.Status.OPEN)
    stage.status = Stage.Status.OPEN
    try:
        yield
    finally:
        Stage.objects.filter(pk=stage.pk).update(status=status)
        stage.status = status


def report(
    user: User,
    stage: Stage,
    participant_code: str,
    kind: str,
    quantity: Decimal | int | str,
    unit: str,
    substance: str = "",
    *,
    note: str = "",
) -> ResultLine:
    """One result line reported by `user` for the participant with `participant_code`, through
    `services.result_report` (so owner, marking and sharing are the real ones). A text quantity
    is read as agencies write it ("1 234,5")."""
    participant = stage.operation.participants.get(code=participant_code)
    with _open_for_reports(stage):
        return services.result_report(
            acting_user=user,
            stage=stage,
            participant=participant,
            kind=kind,
            substance=substance,
            quantity=parse_quantity(quantity) if isinstance(quantity, str) else Decimal(quantity),
            unit=unit,
            note=note,
        )


def csv_bytes(
    rows: Iterable[Sequence[object]],
    *,
    header: Sequence[str] = IMPORT_COLUMNS,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> bytes:
    """An import file: the header, then `rows` (kind, substance, quantity, unit, note)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)
