"""Demo data: the six national demo lists, the UN Consolidated List of 3 July 2017 as the
reference list, the shipped alias store, one harmonisation pass, and a first round with some
answers so that the tracking board and the gaps show something real. Idempotent: identical
files create no new versions; the round and the publication are made once."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from concord.core.models import User

from . import parsers, services
from .models import Publication, Round, RoundItem

DEMO_DIR = Path(__file__).resolve().parent / "data" / "demo"
STATE_FILES = ("AM", "BY", "KG", "KZ", "RU", "TJ")


def load_lists() -> dict[str, int]:
    services.ensure_lists()
    counts = {}
    for code in STATE_FILES:
        path = DEMO_DIR / f"{code}.csv"
        parsed = parsers.parse_file(path.read_bytes(), filename=path.name, fmt="csv")
        result = services.import_list(
            acting_user=None, national_list=services.get_list(code), parsed=parsed
        )
        counts[code] = len(parsed.entries) if result.version else 0
    path = DEMO_DIR / "UN.xml"
    parsed = parsers.parse_file(path.read_bytes(), filename=path.name, fmt="un-xml")
    services.import_list(acting_user=None, national_list=services.get_list("UN"), parsed=parsed)
    return counts


@transaction.atomic
def load_round() -> None:
    """Round 1 with answers from two states, and a first published version."""
    if Round.objects.exists():
        return
    secretariat = User.objects.get(username="secretariat")
    first = services.round_open(acting_user=secretariat, title="Раунд 1 (демонстрационный)")
    for code in ("KZ", "BY"):
        coordinator = User.objects.get(username=f"{code.lower()}-coordinator")
        items = RoundItem.objects.filter(round=first).order_by("name_ru")
        for position, item in enumerate(i for i in items if code in i.missing):
            answer = ("agree", "procedure", "agree", "object")[position % 4]
            services.round_answer(
                acting_user=coordinator,
                item=item,
                answer=answer,
                reason="Требуется решение суда (демонстрационные данные)"
                if answer == "object"
                else "",
            )
    if not Publication.objects.exists():
        services.publish(acting_user=secretariat)


def load(*, password: str | None, reset_passwords: bool) -> list[object]:
    del password, reset_passwords  # the designations module has no accounts of its own
    services.load_builtin_aliases()
    load_lists()
    services.harmonise(acting_user=None)
    load_round()
    return []
