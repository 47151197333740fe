"""Demo data of the registry of harmful information resources. Idempotent: a second run changes
nothing.

- Six categories, in Russian and English.
- Yearly returns for 2009–2017 that reproduce the seed document's totals exactly: 80,000
  resources identified since 2009, 33,500 suspended, 15,112 criminal cases (“more than
  15,000”); in 2017 alone 23,147 detected (“more than 23,000”) and 20,318 blocked (“more than
  20,000”). The split by year and by state is ours (Russia the largest); the totals are the
  seed's. Returns are organisation totals split over the six states by fixed shares with the
  largest-remainder rule, so the states' figures always add up to the totals.
- Sixty itemised, synthetic resources identified in 2025–2026 (outside 2009–2017, so the seed's
  figures stay exact) on reserved names (`.example`, `.test`, `.invalid`, documentation IP
  ranges) and demo accounts, acted on by several states: some blocked in one state and not in
  another, some suspended by the host, criminal cases, and one block in Kazakhstan lifted after
  an upheld appeal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from concord.core import audit
from concord.core.models import Agency, MemberState

from .models_registry import (
    Action,
    AppealOutcome,
    LegalBasisKind,
    Resource,
    ResourceAction,
    ResourceCategory,
    YearlyReturn,
)
from .services_registry import prepare

CATEGORIES = (
    ("terrorist_propaganda", "Пропаганда терроризма", "Terrorist propaganda"),
    ("recruitment", "Вербовка", "Recruitment"),
    ("drug_sales", "Продажа наркотиков", "Drug sales"),
    ("fraud_phishing", "Мошенничество и фишинг", "Fraud and phishing"),
    ("malware", "Вредоносное программное обеспечение", "Malware"),
    ("other", "Иное", "Other"),
)

RETURN_SOURCE = (
    "Сводные данные государств-членов об итогах операции (демонстрационные) / "
    "Member states' returns on the operation (demo)"
)
# Organisation totals per year: identified, blocked, suspended, criminal cases.
YEARLY_TOTALS = {
    2009: (2_105, 1_210, 640, 310),
    2010: (3_020, 1_830, 980, 455),
    2011: (4_150, 2_570, 1_420, 640),
    2012: (5_340, 3_390, 1_890, 870),
    2013: (6_480, 4_210, 2_350, 1_090),
    2014: (7_910, 5_240, 2_960, 1_380),
    2015: (11_260, 7_650, 4_430, 2_050),
    2016: (16_588, 11_940, 7_240, 3_420),
    2017: (23_147, 20_318, 11_590, 4_897),
}
STATE_SHARES = {"RU": 50, "KZ": 17, "BY": 11, "KG": 8, "TJ": 8, "AM": 6}

# The agency that records each state's actions in the demo.
ACTING_AGENCY = {
    "RU": "RU-NCCCI",
    "KZ": "KZ-CERT",
    "BY": "BY-CERT",
    "AM": "AM-CERT",
    "KG": "KG-GKNB",
    "TJ": "TJ-GKNB",
}
BASES = {
    "RU": (
        LegalBasisKind.AUTHORITY,
        (
            "Решение Роскомнадзора на основании ст. 15.3 Федерального закона № 149-ФЗ / "
            "Roskomnadzor decision under Federal Law 149-FZ art. 15.3"
        ),
    ),
    "KZ": (
        LegalBasisKind.AUTHORITY,
        (
            "Предписание Министерства информации согласно ст. 41-1 Закона «О связи» / "
            "Ministry of Information order under Law on Communications art. 41-1"
        ),
    ),
    "BY": (
        LegalBasisKind.AUTHORITY,
        (
            "Решение Министерства информации (ст. 51-1 Закона «О средствах массовой информации») / "
            "Ministry of Information decision under Mass Media Law art. 51-1"
        ),
    ),
    "AM": (
        LegalBasisKind.COURT,
        "Решение суда общей юрисдикции г. Еревана / Yerevan court of general jurisdiction ruling",
    ),
    "KG": (
        LegalBasisKind.COURT,
        (
            "Решение Первомайского районного суда г. Бишкека по заявлению ГКНБ / "
            "Pervomaisky District Court of Bishkek ruling on a GKNB application"
        ),
    ),
    "TJ": (
        LegalBasisKind.PROSECUTOR,
        (
            "Предписание Генеральной прокуратуры Республики Таджикистан / "
            "Order of the Prosecutor General of the Republic of Tajikistan"
        ),
    ),
}
HOST_TAKEDOWN = (
    "Удалено хостинг-провайдером по уведомлению CERT / Removed by the host on a CERT notice"
)
APPEAL_BASIS = (
    "Решение Алмалинского районного суда г. Алматы по жалобе владельца / "
    "Almaly District Court of Almaty ruling on the owner's appeal"
)
REMEDIED_BASIS = (
    "Проверка Министерства информации: материалы удалены владельцем / "
    "Ministry of Information review: the material was removed by the owner"
)
REASONS = {
    "terrorist_propaganda": "Материалы с призывами к террористической деятельности / "
    "Material calling for terrorist activity",
    "recruitment": "Вербовка в международные террористические организации / "
    "Recruitment into international terrorist organisations",
    "drug_sales": "Сбыт наркотических средств и психотропных веществ / "
    "Sale of narcotic drugs and psychotropic substances",
    "fraud_phishing": "Хищение платёжных данных граждан / Theft of citizens' payment data",
    "malware": "Распространение вредоносного программного обеспечения / Distribution of malware",
    "other": "Экстремистские материалы / Extremist material",
}
IDENTIFYING = (
    "RU-NCCCI", "KZ-CERT", "BY-CERT", "RU-FSB", "AM-CERT", "KZ-KNB", "KG-GKNB", "TJ-GKNB",
    "RU-NCCCI", "KZ-CERT",
)  # fmt: skip

# (kind, value, platform) per category: synthetic, on reserved names and documentation ranges.
RESOURCES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "terrorist_propaganda": (
        ("host", "news-caliphate.example", ""),
        ("url", "https://media-dawa.example/releases/2025/", ""),
        ("account", "amaq_mirror_demo", "telegram"),
        ("url", "https://files-share.test/d/propaganda-pack-7", ""),
        ("host", "xn--80akhbyknj4f.example", ""),
        ("account", "demo_shahid_group", "vk"),
        ("host", "al-bayan-radio.invalid", ""),
        ("url", "https://mirror-nashir.example/feed", ""),
        ("account", "demo_dawa_channel", "youtube"),
        ("host", "203.0.113.45", ""),
    ),
    "recruitment": (
        ("host", "join-the-ranks.example", ""),
        ("account", "demo_hijra_travel", "telegram"),
        ("url", "https://forum-muhajir.test/threads/2025-travel", ""),
        ("account", "demo_recruit_volunteers", "vk"),
        ("url", "https://jobs-abroad-easy.example/apply?id=42", ""),
        ("host", "hijra-guide.invalid", ""),
        ("account", "demo_brothers_path", "instagram"),
        ("url", "https://chat-ummah.example/invite/abc123", ""),
        ("account", "demo_recruit_kg", "telegram"),
        ("host", "2001:db8::bad:1", ""),
    ),
    "drug_sales": (
        ("host", "zakladki-shop.example", ""),
        ("url", "https://market-mirror.test/catalog", ""),
        ("account", "demo_klad_bot", "telegram"),
        ("host", "soli-mix24.example", ""),
        ("url", "https://crystal-delivery.invalid/order", ""),
        ("account", "demo_shop_almaty", "telegram"),
        ("account", "demo_spice_sale", "vk"),
        ("url", "https://darkmarket-demo.example/shop/12", ""),
        ("host", "mefedron-express.test", ""),
        ("account", "demo_77010000000", "whatsapp"),
    ),
    "fraud_phishing": (
        ("url", "https://tax-refund-portal.example/claim", ""),
        ("host", "wallet-bonus-airdrop.test", ""),
        ("host", "post-delivery-fee.invalid", ""),
        ("url", "https://bank-card-verify.example/login", ""),
        ("host", "аррӏе.example", ""),
        ("account", "demo_invest_guru", "telegram"),
        ("host", "lottery-winner-2025.example", ""),
        ("url", "https://parcel-track-kz.test/pay", ""),
        ("host", "crypto-double.invalid", ""),
        ("url", "https://secure-login.bank-verify.example/", ""),
    ),
    "malware": (
        ("host", "update-flash-player.example", ""),
        ("url", "https://cdn-free-soft.test/setup.exe", ""),
        ("host", "198.51.100.23", ""),
        ("url", "https://keygen-crack.example/dl/office.zip", ""),
        ("host", "c2-panel-demo.invalid", ""),
        ("host", "android-apk-mod.example", ""),
        ("url", "https://drive-docs-share.test/invoice.doc", ""),
        ("host", "botnet-gate.example", ""),
        ("host", "miner-pool-free.test", ""),
        ("url", "https://stealer-logs.invalid/upload", ""),
    ),
    "other": (
        ("host", "extremist-forum.example", ""),
        ("url", "https://hate-speech-blog.test/post/15", ""),
        ("account", "demo_nationalist_club", "vk"),
        ("account", "demo_riots_call", "telegram"),
        ("host", "fake-news-portal.invalid", ""),
        ("url", "https://deepfake-news.example/video/7", ""),
        ("host", "dangerous-challenge.test", ""),
        ("url", "https://weapons-3d-print.example/files", ""),
        ("account", "demo_gun_sales", "telegram"),
        ("host", "counterfeit-docs.invalid", ""),
    ),
}
FIRST_DAY = date(2025, 1, 8)


@dataclass(frozen=True)
class PlannedAction:
    state: str
    action: str
    offset: int  # days after identification
    basis_kind: str = ""
    basis: str = ""
    case_number: str = ""
    outcome: str = ""


def split(total: int, shares: dict[str, int]) -> dict[str, int]:
    """`total` split by integer shares with the largest-remainder rule: parts sum to `total`."""
    weight = sum(shares.values())
    exact = {code: total * share / weight for code, share in shares.items()}
    parts = {code: int(value) for code, value in exact.items()}
    left = total - sum(parts.values())
    by_remainder = sorted(shares, key=lambda code: (-(exact[code] - parts[code]), code))
    for code in by_remainder[:left]:
        parts[code] += 1
    return parts


def _block(state: str, offset: int) -> PlannedAction:
    kind, basis = BASES[state]
    return PlannedAction(state, Action.BLOCKED, offset, kind, basis)


def _plan(index: int, own: str) -> list[PlannedAction]:
    """The actions on the `index`-th demo resource, identified by state `own`."""
    other = "KZ" if own == "RU" else "RU"
    pattern = (index + index // 10) % 5  # shifted per category, so every state gets each
    plan = [PlannedAction(own, Action.IDENTIFIED, 0)]
    if pattern == 0:  # blocked where found; another state has it identified, not blocked
        plan += [_block(own, 3), PlannedAction(other, Action.IDENTIFIED, 5)]
    elif pattern == 1:  # blocked in two states, and a criminal case
        case = f"{2025 + index // 40}-{own}-{1000 + index}"
        plan += [
            _block(own, 2),
            PlannedAction(own, Action.CRIMINAL_CASE, 9, case_number=case),
            PlannedAction(other, Action.IDENTIFIED, 4),
            _block(other, 6),
        ]
    elif pattern == 2:  # taken down by the host
        plan += [PlannedAction(own, Action.SUSPENDED, 4, LegalBasisKind.HOST_TERMS, HOST_TAKEDOWN)]
    elif pattern == 3:  # identified here, blocked by another state only
        plan += [PlannedAction(other, Action.IDENTIFIED, 2), _block(other, 5)]
    else:  # blocked where found; Belarus has it identified, not blocked
        plan.append(_block(own, 3))
        if own != "BY":
            plan.append(PlannedAction("BY", Action.IDENTIFIED, 6))
    return plan


SPECIAL_PLANS: dict[str, list[PlannedAction]] = {
    # Blocked in Kazakhstan, lifted after an upheld appeal; Russia's block stays.
    "fake-news-portal.invalid": [
        PlannedAction("KZ", Action.IDENTIFIED, 0),
        _block("KZ", 3),
        PlannedAction("RU", Action.IDENTIFIED, 4),
        _block("RU", 8),
        PlannedAction(
            "KZ",
            Action.UNBLOCKED,
            19,
            LegalBasisKind.COURT,
            APPEAL_BASIS,
            outcome=AppealOutcome.APPEAL_UPHELD,
        ),
    ],
    # Blocked in Belarus, lifted on review once the owner removed the material.
    "https://hate-speech-blog.test/post/15": [
        PlannedAction("BY", Action.IDENTIFIED, 0),
        _block("BY", 2),
        PlannedAction(
            "BY",
            Action.UNBLOCKED,
            16,
            LegalBasisKind.AUTHORITY,
            REMEDIED_BASIS,
            outcome=AppealOutcome.REMEDIED,
        ),
    ],
}
SPECIAL_IDENTIFIERS = {
    "fake-news-portal.invalid": "KZ-CERT",
    "https://hate-speech-blog.test/post/15": "BY-CERT",
}


def load_categories() -> dict[str, ResourceCategory]:
    found = {}
    for position, (code, name_ru, name_en) in enumerate(CATEGORIES):
        category, _created = ResourceCategory.objects.update_or_create(
            code=code, defaults={"name_ru": name_ru, "name_en": name_en, "position": position}
        )
        found[code] = category
    return found


def load_returns() -> int:
    """The 2009–2017 returns, one row per year and state (not split by category)."""
    states = {s.code: s for s in MemberState.objects.filter(code__in=STATE_SHARES)}
    figures = ("identified", "blocked", "suspended", "criminal_cases")
    count = 0
    for year, totals in YEARLY_TOTALS.items():
        parts = [split(total, STATE_SHARES) for total in totals]
        for code, state in states.items():
            values = {name: part[code] for name, part in zip(figures, parts, strict=True)}
            YearlyReturn.objects.update_or_create(
                year=year, state=state, category=None, defaults={**values, "source": RETURN_SOURCE}
            )
            count += 1
    return count


def _resources() -> list[tuple[str, str, str, str, str, list[PlannedAction]]]:
    """(category, kind, value, platform, identifying agency, plan) of every demo resource."""
    planned = []
    index = 0
    for category, items in RESOURCES.items():
        for position, (kind, value, platform) in enumerate(items):
            agency = SPECIAL_IDENTIFIERS.get(value, IDENTIFYING[position])
            own = agency[:2]
            plan = SPECIAL_PLANS.get(value) or _plan(index, own)
            planned.append((category, kind, value, platform, agency, plan))
            index += 1
    return planned


def load_resources(categories: dict[str, ResourceCategory]) -> tuple[int, int]:
    agencies = {a.code: a for a in Agency.objects.select_related("state")}
    states = {s.code: s for s in MemberState.objects.all()}
    created_resources = created_actions = 0
    for index, (category, kind, value, platform, agency, plan) in enumerate(_resources()):
        prepared = prepare(kind, value, platform)
        identified_on = FIRST_DAY + timedelta(days=11 * index)
        resource, created = Resource.objects.get_or_create(
            kind=prepared.kind,
            canonical=prepared.canonical,
            defaults={
                "value": value,
                "host": prepared.host,
                "platform": prepared.platform,
                "category": categories[category],
                "identified_by": agencies[agency],
                "identified_on": identified_on,
                "description": f"Демонстрационная запись / Demo entry: {REASONS[category]}",
                "evidence_sha256": f"{index + 1:064x}",
                "evidence_ref": f"DEMO-ARCHIVE/{identified_on.year}/{index + 1:04d}",
                "flags": list(prepared.flags),
            },
        )
        created_resources += created
        for step in plan:
            code = (
                ACTING_AGENCY[step.state]
                if step.action != Action.IDENTIFIED or step.state != agency[:2]
                else agency
            )
            _action, made = ResourceAction.objects.get_or_create(
                resource=resource,
                state=states[step.state],
                action=step.action,
                date=resource.identified_on + timedelta(days=step.offset),
                defaults={
                    "agency": agencies[code],
                    "basis_kind": step.basis_kind,
                    "basis": step.basis,
                    "reasons": REASONS[category] if step.action != Action.IDENTIFIED else "",
                    "case_number": step.case_number,
                    "outcome": step.outcome,
                },
            )
            created_actions += made
    return created_resources, created_actions


@transaction.atomic
def load() -> None:
    """Categories, the 2009–2017 returns and the itemised demo resources (idempotent)."""
    categories = load_categories()
    returns = load_returns()
    resources, actions = load_resources(categories)
    if resources or actions:
        audit.record(
            actor=None,
            action="cyber.registry.demo_load",
            object_type="cyber.resource",
            summary={"returns": returns, "resources": resources, "actions": actions},
        )
