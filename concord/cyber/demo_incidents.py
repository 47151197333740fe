"""Demo incidents and indicators: three sharing groups, CERT analyst accounts, a dozen incidents
across the member states at every step of the workflow, with timelines, comments from other
agencies, indicators (one value reported by three states in two incidents, so the correlation
view has something to show) and sightings. Idempotent: a second run adds nothing and keeps the
accounts' passwords unless told to reset them.

Malicious hosts are taken from SI-CERT's public phishing blocklist (shared/data/cyber/blocklists,
2025-10-23); addresses come from the documentation ranges (RFC 5737), which the private-ranges
warninglist flags, as the demo means it to. Everything else is invented.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from concord.core import services as core_services
from concord.core.demo import DemoAccount
from concord.core.markings import Tlp
from concord.core.models import Agency, Body, MemberState, Role, User

from . import access, services, services_indicators
from .models import Incident, IncidentStatus, Indicator, SharingGroup, Sighting

# (username, agency code): analysts of the national CERTs and of the CCC for computer incidents.
ACCOUNTS = (
    ("kz-cert", "KZ-CERT"),
    ("ru-cert", "RU-NCCCI"),
    ("by-cert", "BY-CERT"),
    ("am-cert", "AM-CERT"),
    ("kg-cert", "KG-CERT"),
    ("tj-cert", "TJ-CERT"),
    ("ccc-analyst", "CCC-CI"),
)

# The value three states report (in two incidents): a phishing host from SI-CERT's list.
SHARED_HOST = "0svccsess.buzz"

PATH = {
    IncidentStatus.NEW: [],
    IncidentStatus.TRIAGED: [IncidentStatus.TRIAGED],
    IncidentStatus.IN_PROGRESS: [IncidentStatus.TRIAGED, IncidentStatus.IN_PROGRESS],
    IncidentStatus.RESOLVED: [
        IncidentStatus.TRIAGED,
        IncidentStatus.IN_PROGRESS,
        IncidentStatus.RESOLVED,
    ],
    IncidentStatus.CLOSED: [
        IncidentStatus.TRIAGED,
        IncidentStatus.IN_PROGRESS,
        IncidentStatus.RESOLVED,
        IncidentStatus.CLOSED,
    ],
}


@dataclass(frozen=True)
class DemoIncident:
    author: str
    title: str
    classification: str
    severity: str
    status: str
    tlp: str
    days_ago: int
    description: str = ""
    sectors: tuple[str, ...] = ()
    affected: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    indicators: tuple[tuple[str, str], ...] = ()  # (kind, value)
    actions: tuple[str, ...] = ()
    comments: tuple[tuple[str, str], ...] = ()  # (username, text)
    pap: str = "AMBER"


INCIDENTS = (
    DemoIncident(
        "kz-cert",
        "Фишинговая кампания против клиентов банков Казахстана",
        "fraud:phishing",
        "high",
        IncidentStatus.IN_PROGRESS,
        Tlp.GREEN,
        6,
        "SMS и электронные письма ведут на копии страниц входа в интернет-банкинг.",
        ("banking",),
        ("KZ",),
        ("central-asian-certs",),
        (("domain", SHARED_HOST), ("domain", "11qweb.info"), ("url", "https://11uweb.info/login")),
        ("Хостинг-провайдерам направлены запросы на удаление страниц.",),
        (
            (
                "kg-cert",
                "Тот же фишинг-кит применяется против банков Кыргызстана, добавили индикаторы.",
            ),
        ),
    ),
    DemoIncident(
        "kg-cert",
        "Фишинг-кит повторно используется против банков Кыргызстана",
        "fraud:phishing",
        "medium",
        IncidentStatus.TRIAGED,
        Tlp.GREEN,
        4,
        "Фишинг-кит, выявленный в Казахстане, с логотипами кыргызских банков.",
        ("banking",),
        ("KG",),
        ("central-asian-certs",),
        (("domain", SHARED_HOST), ("domain", "12lweb.info")),
        (),
        (("kz-cert", "Подтверждаем: тот же регистратор и те же шаблоны страниц."),),
    ),
    DemoIncident(
        "ru-cert",
        "DDoS-атака на порталы государственных услуг",
        "availability:ddos",
        "critical",
        IncidentStatus.RESOLVED,
        Tlp.AMBER,
        20,
        "UDP- и HTTP-флуд с ботнета из скомпрометированных маршрутизаторов, пик — 300 Гбит/с.",
        ("government",),
        ("RU", "BY"),
        ("member-state-certs",),
        (("ipv4", "198.51.100.23"), ("ipv4", "198.51.100.77"), ("cidr", "203.0.113.0/25")),
        (
            "Включена очистка трафика на стороне вышестоящего провайдера.",
            "Адреса ботнета переданы провайдерам.",
        ),
        (("by-cert", "Наши порталы в тот же день атаковались с тех же адресов."),),
    ),
    DemoIncident(
        "by-cert",
        "Атака шифровальщика на региональное предприятие водоснабжения",
        "malicious-code:infected-system",
        "critical",
        IncidentStatus.IN_PROGRESS,
        Tlp.AMBER_STRICT,
        9,
        "Зашифрованы файловые серверы и биллинговая система; АСУ ТП своевременно изолированы.",
        ("water",),
        ("BY",),
        (),
        (
            ("sha256", "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"),
            ("ipv4", "192.0.2.44"),
        ),
        ("Резервные копии проверены, начато восстановление.",),
    ),
    DemoIncident(
        "am-cert",
        "Дефейс официального сайта министерства",
        "information-content-security:unauthorised-information-modification",
        "medium",
        IncidentStatus.CLOSED,
        Tlp.CLEAR,
        40,
        "Главная страница заменена политическим обращением через уязвимый устаревший плагин CMS.",
        ("government",),
        ("AM",),
        (),
        (),
        ("Сайт восстановлен из резервной копии, плагин обновлён.",),
        (("ru-cert", "В прошлом году эта же группировка провела дефейс двух сайтов."),),
        "CLEAR",
    ),
    DemoIncident(
        "ru-cert",
        "Серверы управления ВПО в адресном пространстве виртуального хостинга",
        "malicious-code:c2-server",
        "high",
        IncidentStatus.TRIAGED,
        Tlp.AMBER,
        3,
        "Загрузчик каждые 10 минут обращается к серверам за fast-flux-доменом.",
        ("telecom", "digital"),
        ("RU", "KZ"),
        ("member-state-certs",),
        (
            ("domain", "053249.cc"),
            ("ipv4", "203.0.113.200"),
            ("md5", "d41d8cd98f00b204e9800998ecf8427e"),
        ),
    ),
    DemoIncident(
        "tj-cert",
        "Спам-рассылка от имени налогового органа",
        "abusive-content:spam",
        "low",
        IncidentStatus.NEW,
        Tlp.GREEN,
        1,
        "Массовая рассылка писем с поддельной ссылкой на возврат налога.",
        ("government",),
        ("TJ",),
        ("central-asian-certs",),
        (("email", "refund@13bweb.info"), ("domain", "13bweb.info")),
    ),
    DemoIncident(
        "kz-cert",
        "Попытки подбора паролей к учётным записям электронного правительства",
        "intrusion-attempts:brute-force",
        "medium",
        IncidentStatus.RESOLVED,
        Tlp.AMBER,
        15,
        "Подбор паролей методом password spraying с небольшого числа адресов.",
        ("government",),
        ("KZ",),
        (),
        (("ipv4", "198.51.100.23"),),
        ("Адреса заблокированы на межсетевом экране портала.",),
    ),
    DemoIncident(
        "ccc-analyst",
        "Скоординированное сканирование почтовых серверов государств-членов",
        "information-gathering:scanner",
        "low",
        IncidentStatus.TRIAGED,
        Tlp.GREEN,
        7,
        "Сканирование портов SMTP и IMAP во всех шести государствах из одной сети.",
        ("telecom",),
        ("AM", "BY", "KZ", "KG", "RU", "TJ"),
        ("member-state-certs", "organisation-bodies"),
        (("cidr", "192.0.2.0/24"),),
    ),
    DemoIncident(
        "by-cert",
        "Утечка данных с портала пациентов больницы",
        "information-content-security:data-leak",
        "high",
        IncidentStatus.CLOSED,
        Tlp.RED,
        60,
        "Из-за ошибки настройки резервной копии раскрыты данные пациентов; владелец уведомлён.",
        ("health",),
        ("BY",),
    ),
    DemoIncident(
        "am-cert",
        "Компрометация учётной записи администратора в энергетической компании",
        "intrusions:privileged-account-compromise",
        "high",
        IncidentStatus.IN_PROGRESS,
        Tlp.AMBER,
        5,
        "Учётная запись VPN использовалась из-за рубежа в нерабочее время.",
        ("energy",),
        ("AM",),
        ("member-state-certs",),
        (("ipv4", "203.0.113.9"),),
    ),
    DemoIncident(
        "kg-cert",
        "Недоступность национального платёжного коммутатора из-за ошибки конфигурации",
        "availability:misconfiguration",
        "medium",
        IncidentStatus.CLOSED,
        Tlp.AMBER,
        30,
        "После изменения маршрутизации коммутатор был недоступен два часа; признаков атаки нет.",
        ("banking",),
        ("KG",),
    ),
)


def load_accounts(*, password: str | None, reset_passwords: bool) -> list[DemoAccount]:
    accounts = []
    for username, agency_code in ACCOUNTS:
        agency = Agency.objects.filter(code=agency_code).first()
        if agency is None:
            continue
        existing = User.objects.filter(username=username).first()
        if existing is None:
            _, plain = core_services.user_create(
                acting_user=None,
                username=username,
                agency=agency,
                role=Role.ANALYST,
                password=password,
                check_password=False,
            )
            accounts.append(DemoAccount(username, Role.ANALYST, agency_code, plain))
        elif reset_passwords or password:
            plain = password or core_services.generate_password()
            core_services.user_set_password(acting_user=None, user=existing, password=plain)
            accounts.append(DemoAccount(username, existing.role, agency_code, plain))
    return accounts


def load_groups() -> None:
    owner = Agency.objects.filter(code="CCC-CI").first() or Agency.objects.order_by("pk").first()
    if owner is None:
        return
    specs = (
        (
            "central-asian-certs",
            "CERT Центральной Азии",
            "Central Asian CERTs",
            {"states": MemberState.objects.filter(code__in=["KZ", "KG", "TJ"])},
        ),
        (
            "member-state-certs",
            "CERT всех государств-членов",
            "All member-state CERTs",
            {"agencies": Agency.objects.filter(kind=Agency.Kind.CERT, state__isnull=False)},
        ),
        (
            "organisation-bodies",
            "Органы Организации",
            "Organisation bodies",
            {"bodies": Body.objects.filter(code__in=["SEC", "CRC", "CCC-CI"])},
        ),
    )
    for code, name_ru, name_en, members in specs:
        group, _created = SharingGroup.objects.update_or_create(
            code=code, defaults={"name_ru": name_ru, "name_en": name_en, "owner_agency": owner}
        )
        for relation, rows in members.items():
            getattr(group, relation).set(rows)


def _load_incident(spec: DemoIncident, users: dict[str, User]) -> None:
    author = users[spec.author]
    if Incident.objects.filter(title=spec.title, owner_agency=author.agency).exists():
        return
    now = timezone.now()
    incident = services.incident_create(
        acting_user=author,
        title=spec.title,
        classification=spec.classification,
        description=spec.description,
        severity=spec.severity,
        pap=spec.pap,
        tlp=spec.tlp,
        sectors=spec.sectors,
        affected_states=MemberState.objects.filter(code__in=spec.affected),
        occurred_at=now - timedelta(days=spec.days_ago, hours=3),
        sharing_groups=SharingGroup.objects.filter(code__in=spec.groups),
    )
    Incident.objects.filter(pk=incident.pk).update(created_at=now - timedelta(days=spec.days_ago))
    for kind, value in spec.indicators:
        services_indicators.indicator_add(
            acting_user=author, kind=kind, value=value, incident=incident, confidence=80
        )
    for text in spec.actions:
        services.timeline_add(acting_user=author, incident=incident, text=text)
    for status in PATH[IncidentStatus(spec.status)]:
        services.incident_set_status(acting_user=author, incident=incident, status=status)
    for username, text in spec.comments:
        if username in users:
            services.comment_add(acting_user=users[username], incident=incident, text=text)


def load_extras(users: dict[str, User]) -> None:
    """The shared host held by a third state outside any incident, and some sightings."""
    ru = users.get("ru-cert")
    if ru is not None:
        services_indicators.indicator_add(
            acting_user=ru,
            kind="domain",
            value=SHARED_HOST,
            tlp=Tlp.GREEN,
            description="Встречается в фишинговых письмах клиентам российских банков.",
        )
    sightings = (
        ("kz-cert", "kz-cert", SHARED_HOST, Sighting.Kind.SEEN, 14),
        ("kg-cert", "kz-cert", SHARED_HOST, Sighting.Kind.BLOCKED, 1),
        ("ru-cert", "ru-cert", "198.51.100.23", Sighting.Kind.SEEN, 250),
        ("kz-cert", "kz-cert", "198.51.100.23", Sighting.Kind.SEEN, 40),
        ("ru-cert", "kz-cert", "11qweb.info", Sighting.Kind.FALSE_POSITIVE, 1),
    )
    for reporter, owner, value, kind, count in sightings:
        if reporter not in users or owner not in users:
            continue
        indicator = Indicator.objects.filter(
            owner_agency=users[owner].agency, canonical=value
        ).first()
        if (
            indicator is None
            or indicator.sightings.filter(agency=users[reporter].agency, kind=kind).exists()
        ):
            continue
        if not access.can_report_sighting(indicator, users[reporter]):
            continue
        services_indicators.sighting_add(
            acting_user=users[reporter], indicator=indicator, kind=kind, count=count
        )


@transaction.atomic
def load(*, password: str | None = None, reset_passwords: bool = False) -> list[DemoAccount]:
    """Load (or top up) the demo incidents; returns the accounts created or given a password."""
    accounts = load_accounts(password=password, reset_passwords=reset_passwords)
    load_groups()
    users = {u.username: u for u in User.objects.filter(username__in=[a for a, _ in ACCOUNTS])}
    for spec in INCIDENTS:
        if spec.author in users:
            _load_incident(spec, users)
    load_extras(users)
    return accounts
