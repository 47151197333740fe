"""Demo data of the crisis module, loaded by `concord demo` (idempotent).

- A second person at the Crisis Response Centre (`crc-duty`, coordinator), so that the Centre's
  own CAP alerts can be drafted by one and approved by another (core's demo has `crc-analyst`).
- The default regions of concern: northern Afghanistan (Badakhshan, Takhar, Kunduz, Balkh,
  Jawzjan, Faryab by P-code) and a 100 km buffer along the Afghan border with Tajikistan,
  Uzbekistan and Turkmenistan.
- A parent crisis, "Situation in northern Afghanistan", grouping the national reports of 2025.
- National reports of member-state agencies (AMBER, figures per source): illustrative events
  written for the demo, marked so in their details and descriptions — the seed document gives no
  figures for crisis events.
- Open-source imports (GREEN) from the public files in `../shared/data/crisis/` when that
  directory is present (`CRISIS_DEMO_DATA_DIR`; the development machine): the HDX HAPI
  conflict table for January 2025
  (Source: ACLED via HDX HAPI — shown with that attribution and not republished with the app),
  the GDACS feed and the real CAP alerts. Without it, the demo has the national reports only.
- An alert rule for the Centre, one CAP alert of the Centre's own (drafted, approved,
  published) and a situation report for northern Afghanistan, January 2025.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction

from concord.core import audit
from concord.core import services as core_services
from concord.core.demo import DemoAccount, demo_email
from concord.core.models import Agency, Role, User

from . import alerting, event_import, services_alerts, services_regions, sitreps
from .models import AlertRule, Crisis, Event, IssuedAlert, Region, Sitrep
from .records import EventRecord, FigureRecord, SourceRecord

logger = logging.getLogger(__name__)

DEMO_NOTE_RU = "Демонстрационное событие: сведения и цифры условные."
DEMO_NOTE_EN = "Demo event: the details and figures are illustrative."
CRISIS_SLUG = "afghanistan-north-2025"


def _at(day: str, hour: int = 6) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def _national(
    *,
    key: str,
    title: str,
    type_code: str,
    day: str,
    country: str,
    place: str,
    lat: float,
    lon: float,
    severity: int,
    agency_name: str,
    national: dict[str, int],
    open_source: dict[str, tuple[int, int, int]] | None = None,
    admin1_pcode: str = "",
    admin1_name: str = "",
    actors: tuple[str, str] = ("", ""),
    exercise: bool = False,
) -> EventRecord:
    sources = [
        SourceRecord(
            kind="national",
            name=agency_name,
            published_at=_at(day, 12),
            figures=[FigureRecord(figure=k, best=v) for k, v in national.items()],
        )
    ]
    if open_source:
        sources.append(
            SourceRecord(
                kind="open",
                name="Open sources (media monitoring)",
                figures=[
                    FigureRecord(figure=k, low=low, best=best, high=high)
                    for k, (low, best, high) in open_source.items()
                ],
            )
        )
    return EventRecord(
        origin="manual",
        external_id=f"demo-{key}",
        title=title,
        type_code=type_code,
        starts_at=_at(day),
        description=f"{DEMO_NOTE_RU}\n{DEMO_NOTE_EN}",
        country=country,
        admin1_pcode=admin1_pcode,
        admin1_name=admin1_name,
        place_name=place,
        latitude=lat,
        longitude=lon,
        location_precision="near",
        actor1=actors[0],
        actor2=actors[1],
        severity=severity,
        urgency="Past",
        certainty="Observed",
        exercise=exercise,
        tlp="AMBER",
        details={"demo": True},
        sources=sources,
    )


# (username of the reporting analyst, the record). Places are real; events are illustrative.
NATIONAL_REPORTS: tuple[tuple[str, EventRecord], ...] = (
    (
        "tj-analyst",
        _national(
            key="tj-2025-001",
            title="Вооружённое столкновение при попытке прорыва через таджикско-афганскую границу",
            type_code="acled.battles.armed_clash",
            day="2025-01-19",
            country="TJK",
            admin1_pcode="3507000",
            admin1_name="Khatlon",
            place="Farkhor district, Panj river section",
            lat=37.49,
            lon=69.40,
            severity=4,
            agency_name="ГКНБ Республики Таджикистан (Пограничные войска)",
            national={"dead": 3, "injured": 1},
            open_source={"dead": (2, 3, 5)},
            actors=("Border Troops of Tajikistan", "Armed group from Afghanistan"),
        ),
    ),
    (
        "tj-analyst",
        _national(
            key="tj-2025-002",
            title="Задержание каравана с наркотиками на участке Шамсиддин Шохин",
            type_code="crime.drugs",
            day="2025-01-08",
            country="TJK",
            admin1_pcode="3507000",
            admin1_name="Khatlon",
            place="Shamsiddin Shohin district",
            lat=37.93,
            lon=70.17,
            severity=2,
            agency_name="Агентство по контролю за наркотиками Республики Таджикистан",
            national={"injured": 0},
        ),
    ),
    (
        "kz-analyst",
        _national(
            key="kz-2025-001",
            title="Паводок в Актюбинской области: подтопление посёлков",
            type_code="flood.flashFlood",
            day="2025-01-27",
            country="KAZ",
            admin1_pcode="KAZ003",
            admin1_name="Aktobe Region",
            place="Kargaly district",
            lat=50.05,
            lon=57.62,
            severity=3,
            agency_name="МЧС Республики Казахстан",
            national={"affected": 1200, "displaced": 340},
            open_source={"affected": (1000, 1200, 1500)},
        ),
    ),
    (
        "kg-analyst",
        _national(
            key="kg-2025-001",
            title="Сель в Джалал-Абадской области перекрыл автодорогу",
            type_code="geophysical.landslide",
            day="2025-01-22",
            country="KGZ",
            admin1_pcode="KG03000000000",
            admin1_name="Jalal-Abad",
            place="Toktogul district",
            lat=41.87,
            lon=72.94,
            severity=2,
            agency_name="МЧС Кыргызской Республики",
            national={"affected": 85, "injured": 2},
        ),
    ),
    (
        "am-analyst",
        _national(
            key="am-2025-001",
            title="Землетрясение магнитудой 4,1 в Ширакской области",
            type_code="geophysical.earthquake",
            day="2025-01-12",
            country="ARM",
            admin1_pcode="AM08",
            admin1_name="Shirak",
            place="Gyumri",
            lat=40.79,
            lon=43.85,
            severity=2,
            agency_name="МЧС Республики Армения",
            national={"injured": 0, "affected": 40},
        ),
    ),
    (
        "ru-analyst",
        _national(
            key="ru-2025-001",
            title="Пресечена деятельность ячейки, готовившей теракт",
            type_code="acled.strategic_developments.arrests",
            day="2025-01-30",
            country="RUS",
            admin1_pcode="RU003",
            admin1_name="North Caucasus federal district",
            place="Makhachkala",
            lat=42.98,
            lon=47.50,
            severity=3,
            agency_name="ФСБ России",
            national={"dead": 0},
            actors=("FSB of Russia", "Terrorist cell"),
        ),
    ),
    (
        "crc-analyst",
        _national(
            key="crc-2025-ex1",
            title="Учение: условный вооружённый инцидент на границе (КСОР ОДКБ)",
            type_code="acled.battles",
            day="2025-01-25",
            country="TJK",
            admin1_pcode="3507000",
            admin1_name="Khatlon",
            place="Kharb-Maidon training ground",
            lat=37.70,
            lon=68.90,
            severity=3,
            agency_name="Кризисный центр ОДКБ",
            national={"dead": 0},
            exercise=True,
        ),
    ),
)


def _account(username: str, role: Role, agency_code: str, *, password: str | None) -> DemoAccount:
    agency = Agency.objects.get(code=agency_code)
    if User.objects.filter(username=username).exists():
        return DemoAccount(username, role, agency_code, None)
    _user, plain = core_services.user_create(
        acting_user=None,
        username=username,
        agency=agency,
        role=role,
        password=password,
        email=demo_email(username),
        check_password=False,
    )
    return DemoAccount(username, role, agency_code, plain)


def load_crisis() -> Crisis:
    crisis, _created = Crisis.objects.get_or_create(
        slug=CRISIS_SLUG,
        defaults={
            "name_ru": "Обстановка на севере Афганистана",
            "name_en": "Situation in northern Afghanistan",
            "description_ru": (
                "Рабочая группа по Афганистану при СМИД ОДКБ отслеживает обстановку в стране, "
                "прежде всего на её севере, у границ государств-членов."
            ),
            "description_en": (
                "The working group on Afghanistan under the Council of Foreign Ministers tracks "
                "the situation in the country, above all in its north, next to the member "
                "states' borders."
            ),
            "started_on": datetime(2025, 1, 1, tzinfo=UTC).date(),
        },
    )
    return crisis


def load_national_reports(loaded: list[int]) -> int:
    """Each state's own reports, imported as their analysts (owner: that analyst's agency);
    their ids are added to `loaded`."""
    written = 0
    by_user: dict[str, list[EventRecord]] = {}
    for username, record in NATIONAL_REPORTS:
        by_user.setdefault(username, []).append(record)
    for username, records in by_user.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        report = event_import.apply(
            records=records, acting_user=user, source_label="demo: national reports"
        )
        written += report.created + report.updated
        loaded += report.event_ids.values()
    crisis = Crisis.objects.get(slug=CRISIS_SLUG)
    Event.objects.filter(origin="manual", external_id__startswith="demo-tj-").update(crisis=crisis)
    return written


def load_open_sources(user: User, loaded: list[int]) -> dict[str, int]:
    """Open-source feeds from the shared public data, when it is on this machine; the events'
    ids are added to `loaded`."""
    counts: dict[str, int] = {}
    shared = Path(settings.CRISIS_DEMO_DATA_DIR) if settings.CRISIS_DEMO_DATA_DIR else None
    if shared is None or not shared.is_dir():
        logger.info("crisis demo: no open-source data directory; imports skipped")
        return counts
    sources = {
        "hxl": ["conflict/hdx_hapi_conflict_event_region_2025_hxl.csv"],
        "gdacs": ["gdacs/gdacs-rss.xml"],
        "cap": [
            "cap/iceland_met_office.cap",
            "cap/australia_bom.cap",
            "cap/ph.cap",
            "cap/canada.cap",
        ],
    }
    for fmt, names in sources.items():
        files = [(Path(n).name, (shared / n).read_bytes()) for n in names if (shared / n).exists()]
        if files:
            report = event_import.import_files(fmt=fmt, files=files, acting_user=user)
            counts[fmt] = report.created + report.updated + report.unchanged
            loaded += report.event_ids.values()
    return counts


def load_alerting(officer: User, duty: User) -> None:
    region = Region.objects.filter(slug="northern-afghanistan").first()
    if not AlertRule.objects.filter(name="Северный Афганистан: вооружённый конфликт").exists():
        services_alerts.create_rule(
            acting_user=officer,
            name="Северный Афганистан: вооружённый конфликт",
            event_type_codes=["acled"],
            min_severity=3,
            region=region,
            roles=[Role.COORDINATOR],
            agency_codes=["CRC"],
            notify_in_app=True,
            notify_email=True,
        )
    if not IssuedAlert.objects.exists():
        alert = services_alerts.draft_alert(
            acting_user=officer,
            headline="Обострение обстановки на таджикско-афганской границе",
            event_text="Вооружённые столкновения",
            category="Security",
            urgency="Expected",
            severity="Severe",
            certainty="Likely",
            area_desc="Участок границы Фархор — Шамсиддин Шохин",
            area={
                "type": "Polygon",
                "coordinates": [
                    [[69.2, 37.3], [70.4, 37.3], [70.4, 38.0], [69.2, 38.0], [69.2, 37.3]]
                ],
            },
            description="Демонстрационное оповещение Кризисного центра ОДКБ.",
            instruction="Усилить охрану участка; докладывать об инцидентах немедленно.",
        )
        services_alerts.approve_alert(acting_user=duty, alert=alert)
        services_alerts.publish_alert(acting_user=duty, alert=alert)


def load_sitrep(officer: User) -> None:
    if Sitrep.objects.exists():
        return
    region = Region.objects.filter(slug="northern-afghanistan").first()
    sitrep = sitreps.request_sitrep(
        acting_user=officer,
        title="Обстановка на севере Афганистана, январь 2025 года",
        period_start=datetime(2025, 1, 1, tzinfo=UTC),
        period_end=datetime(2025, 2, 1, tzinfo=UTC),
        region=region,
        summary=(
            "Сводка Кризисного центра по открытым источникам и национальным донесениям "
            "(демонстрационные данные)."
        ),
        language="ru",
        tlp="AMBER",
    )
    # The demo renders it now; the queued task finds it done and leaves it (retry-safe).
    sitreps.generate(sitrep.pk)


def load(*, password: str | None, reset_passwords: bool) -> list[object]:
    """Load the demo crisis picture; adds the Centre's second person `crc-duty`."""
    del reset_passwords
    accounts: list[object] = []
    if not Agency.objects.filter(code="CRC").exists():
        return accounts
    with transaction.atomic():
        accounts.append(_account("crc-duty", Role.COORDINATOR, "CRC", password=password))
        officer = User.objects.get(username="crc-analyst")
        duty = User.objects.get(username="crc-duty")
        before = Event.objects.count()
        services_regions.ensure_default_regions(acting_user=officer)
        load_crisis()
        load_alerting(officer, duty)
        loaded: list[int] = []
        national = load_national_reports(loaded)
        counts = load_open_sources(officer, loaded)
        if Event.objects.count() != before:
            audit.record(
                actor=None,
                action="crisis.demo.load",
                object_type="crisis.event",
                summary={"national": national, **counts},
            )
    # The rules are applied now rather than by the task worker (idempotent: nothing is sent
    # twice), so the dispatch log and inboxes have something to show.
    alerting.evaluate(loaded)
    load_sitrep(officer)
    return accounts
