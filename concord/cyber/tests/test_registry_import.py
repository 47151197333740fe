"""CSV import of the registry: encodings (UTF-8, BOM, CP1251), delimiters, rows merged into
resources, refused files naming every bad row with nothing imported, duplicates skipped, and
the management command."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from concord.core.models import AuditEvent
from concord.cyber import demo_registry, services_registry
from concord.cyber.models_registry import Resource, ResourceAction
from concord.cyber.registry_import import RegistryImportRejected, parse_csv

pytestmark = pytest.mark.django_db

HEADER = (
    "value,kind,category,identified_on,state,action,date,basis_kind,basis,reasons,case_number,"
    "outcome"
)
KZ_ROWS = [
    "evil.example,host,malware,2026-03-01,KZ,identified,2026-03-01,,,,,",
    "evil.example,host,malware,2026-03-01,KZ,blocked,2026-03-04,authority,Order 41-1,C2 server,,",
    "https://files.example/pub/bad/,url,malware,01.03.2026,KZ,criminal_case,05.03.2026,,,,KZ-77,",
    "@Demo_Channel,account,recruitment,2026-03-02,KZ,blocked,2026-03-06,court,Almaty court,,,",
]


@pytest.fixture(autouse=True)
def categories():
    return demo_registry.load_categories()


def csv_text(rows, header=HEADER, delimiter=","):
    lines = [header, *rows]
    if delimiter != ",":
        lines = [line.replace(",", delimiter) for line in lines]
    return "\r\n".join(lines) + "\r\n"


def run(user, data, filename="kz.csv", **extra):
    return services_registry.import_csv(acting_user=user, data=data, filename=filename, **extra)


def with_platform(rows):
    """The account row names its platform in an extra column."""
    header = HEADER + ",platform"
    return header, [row + ("," + ("telegram" if "account" in row else "")) for row in rows]


def test_utf8_file_is_imported_whole(kz_analyst, state_kz):
    header, rows = with_platform(KZ_ROWS)
    data = csv_text(rows, header).encode()

    report = run(kz_analyst, data)

    assert report.summary() == {
        "file": "kz.csv",
        "sha256": hashlib.sha256(data).hexdigest(),
        "encoding": "utf-8",
        "rows": 4,
        "resources_created": 3,
        "resources_existing": 0,
        "actions_recorded": 6,
        "duplicates_skipped": 0,
    }
    assert sorted(Resource.objects.values_list("canonical", flat=True)) == [
        "evil.example",
        "https://files.example/pub/bad/",
        "telegram:demo_channel",
    ]
    assert sorted(ResourceAction.objects.values_list("resource__canonical", "action", "date")) == [
        ("evil.example", "blocked", date(2026, 3, 4)),
        ("evil.example", "identified", date(2026, 3, 1)),
        ("https://files.example/pub/bad/", "criminal_case", date(2026, 3, 5)),
        ("https://files.example/pub/bad/", "identified", date(2026, 3, 1)),
        ("telegram:demo_channel", "blocked", date(2026, 3, 6)),
        ("telegram:demo_channel", "identified", date(2026, 3, 2)),
    ]
    event = AuditEvent.objects.get(action="cyber.resource.import")
    assert event.actor == kz_analyst
    assert hashlib.sha256(data).hexdigest() in event.summary


def test_bom_and_semicolons_are_read(kz_analyst, state_kz):
    data = b"\xef\xbb\xbf" + csv_text(KZ_ROWS[:2], delimiter=";").encode()

    report = run(kz_analyst, data)

    assert (report.encoding, report.delimiter, report.actions_recorded) == ("utf-8-sig", ";", 2)


def test_cp1251_file_with_cyrillic_is_read(kz_analyst, state_kz):
    rows = [
        (
            "зло.example;host;drug_sales;2026-03-01;KZ;blocked;2026-03-03;authority;"
            "Предписание Министерства информации;Сбыт наркотиков;;"
        )
    ]
    data = csv_text(rows, delimiter=";").encode("cp1251")

    report = run(kz_analyst, data)

    resource = Resource.objects.get()
    block = resource.actions.get(action="blocked")
    assert report.encoding == "cp1251"
    assert (resource.canonical, resource.flags) == ("xn--g1aij.example", ["punycode"])
    assert (block.basis, block.reasons) == (
        "Предписание Министерства информации",
        "Сбыт наркотиков",
    )


def test_a_file_with_bad_rows_names_each_and_imports_nothing(kz_analyst, state_kz, state_ru):
    rows = [
        KZ_ROWS[0],
        "evil.example,host,malware,2026-03-01,KZ,blocked,2026-13-04,authority,Order,,,",
        "evil.example,host,malware,2026-03-01,KZ,blocked,2026-03-04,,,,,",
        "spam.example,site,malware,2026-03-01,KZ,identified,2026-03-01,,,,,",
        "spam.example,host,malware,2026-03-01,KZ,identified,2026-02-27,,,,,",
    ]

    with pytest.raises(RegistryImportRejected) as refused:
        run(kz_analyst, csv_text(rows).encode())

    assert [str(p) for p in refused.value.problems] == [
        "kz.csv:3: date: '2026-13-04' is not a date: use YYYY-MM-DD or DD.MM.YYYY",
        "kz.csv:4: basis_kind: required when the action is blocked",
        "kz.csv:4: basis: required when the action is blocked",
        "kz.csv:5: kind: 'site' is not one of url, host, account",
        "kz.csv:6: date: 2026-02-27 is before identified_on (2026-03-01)",
    ]
    assert (Resource.objects.count(), ResourceAction.objects.count()) == (0, 0)


def test_rows_checked_against_the_registry_are_refused_whole(kz_analyst, state_kz, state_ru):
    rows = [
        KZ_ROWS[0],
        KZ_ROWS[1],
        "other.example,host,gambling,2026-03-01,KZ,identified,2026-03-01,,,,,",
        "evil.example,host,malware,2026-03-01,RU,blocked,2026-03-04,authority,RKN,,,",
        "https://user:pw@evil.example/x,url,malware,2026-03-01,KZ,identified,2026-03-01,,,,,",
        "new.example,host,malware,2026-03-01,KZ,unblocked,2026-03-09,court,Court,,,review",
    ]

    with pytest.raises(RegistryImportRejected) as refused:
        run(kz_analyst, csv_text(rows).encode())

    problems = [str(p) for p in refused.value.problems]
    assert problems == [
        (
            "kz.csv:4: category: unknown category 'gambling' (known: terrorist_propaganda, "
            "recruitment, drug_sales, fraud_phishing, malware, other)"
        ),
        "kz.csv:5: state: you may record actions only for KZ, not RU",
        (
            "kz.csv:6: value: a URL with a user name or password is refused, so that credentials "
            "are never stored"
        ),
        "kz.csv:7: action: KZ has no block on this resource to lift on 2026-03-09",
    ]
    assert (Resource.objects.count(), ResourceAction.objects.count()) == (0, 0)
    assert not AuditEvent.objects.filter(action="cyber.resource.import").exists()


def test_rows_are_applied_in_date_order(kz_analyst, state_kz):
    rows = [
        "evil.example,host,malware,2026-03-01,KZ,unblocked,2026-03-20,court,Court,,,appeal_upheld",
        KZ_ROWS[1],
    ]

    report = run(kz_analyst, csv_text(rows).encode())

    assert report.actions_recorded == 3
    assert list(ResourceAction.objects.order_by("date").values_list("action", flat=True)) == [
        "identified",
        "blocked",
        "unblocked",
    ]


def test_duplicate_submissions_are_skipped_and_counted(kz_analyst, state_kz):
    data = csv_text(KZ_ROWS[:3]).encode()
    run(kz_analyst, data)

    again = run(kz_analyst, data, filename="kz-again.csv")

    assert (
        again.resources_created,
        again.resources_existing,
        again.actions_recorded,
        again.duplicates_skipped,
    ) == (0, 2, 0, 3)
    assert ResourceAction.objects.count() == 4


def test_dry_run_counts_and_writes_nothing(kz_analyst, state_kz):
    report = run(kz_analyst, csv_text(KZ_ROWS[:2]).encode(), dry_run=True)

    assert (report.dry_run, report.resources_created, report.actions_recorded) == (True, 1, 2)
    assert (Resource.objects.count(), AuditEvent.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "kz.csv: the file has no rows"),
        (
            b"value,kind\r\nx,host\r\n",
            "kz.csv:1: missing required columns: category, identified_on, state, action, date",
        ),
        (
            "value;вид\n".encode("cp1251") + b"\x98\x98",
            "kz.csv: cannot detect the encoding: use UTF-8 or CP1251",
        ),
        ((HEADER + ",colour\r\n").encode(), "kz.csv:1: unknown columns: colour"),
    ],
    ids=["empty", "missing-columns", "binary", "unknown-column"],
)
def test_unreadable_files_are_refused(data, problem):
    with pytest.raises(RegistryImportRejected) as refused:
        parse_csv(data, filename="kz.csv")

    assert [str(p) for p in refused.value.problems] == [problem]


def test_command_imports_a_file(kz_analyst, state_kz, tmp_path, capsys):
    path = tmp_path / "kz.csv"
    path.write_text(csv_text(KZ_ROWS[:2]), encoding="utf-8")

    call_command("registry_import", str(path), "--as", "kz-analyst")

    assert capsys.readouterr().out == (
        "kz.csv: imported: 2 rows, 1 new resources, 0 already registered, 2 actions, "
        "0 duplicates skipped\n"
    )


def test_command_refuses_a_bad_file_with_exit_code_1(kz_analyst, state_kz, tmp_path):
    path = tmp_path / "kz.csv"
    path.write_text(csv_text(["evil.example,host,malware,x,KZ,identified,2026-03-01,,,,,"]))

    with pytest.raises(CommandError, match=r"kz\.csv: refused, 1 problem") as refused:
        call_command("registry_import", str(path), "--as", "kz-analyst")

    assert refused.value.returncode == 1
    assert Resource.objects.count() == 0
