"""Pages of the joint operations: who may open them, what they show in English and Russian, the
dashboard's exact figures and notes, reporting by form and by file (preview, then apply),
corrections after closing, the Secretariat's forms, and the public press page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from concord.core.tests.matrix import Endpoint, assert_matrix
from concord.operations import services
from concord.operations.models import Operation, PressSummary, ResultLine, Stage
from concord.operations.tests.factories import csv_bytes, report

pytestmark = pytest.mark.django_db


def page(client, name, *args, language="en", **params):
    return client.get(
        reverse(f"operations:{name}", args=args), params, HTTP_ACCEPT_LANGUAGE=language
    )


def post(client, name, *args, data=None, **extra):
    return client.post(
        reverse(f"operations:{name}", args=args), data or {}, HTTP_ACCEPT_LANGUAGE="en", **extra
    )


@pytest.fixture
def reported(stage1, stage2, kz_analyst, ru_analyst, secretariat_user):
    """Stage 1 (2017, open): KZ 1.5 t heroin and 2 criminal cases, RU 250 kg hashish, AF 40 kg
    opium by the Secretariat. Stage 2 (2018, closed): KZ 500 kg heroin."""
    return {
        "kz_heroin": report(kz_analyst, stage1, "KZ", "drug_seizure", "1.5", "t", "heroin"),
        "kz_cases": report(kz_analyst, stage1, "KZ", "criminal_cases", 2, "cases"),
        "ru_hashish": report(ru_analyst, stage1, "RU", "drug_seizure", 250, "kg", "hashish"),
        "af_opium": report(secretariat_user, stage1, "AF", "drug_seizure", 40, "kg", "opium"),
        "kz_2018": report(kz_analyst, stage2, "KZ", "drug_seizure", 500, "kg", "heroin"),
    }


# --- access ------------------------------------------------------------------------------------


def test_page_matrix(reported, personas, client_for):
    readers = {"anonymous": 302}
    secretariat_only = {"anonymous": 302, "secretariat": 200}
    line = reported["kz_heroin"]
    assert_matrix(
        personas,
        client_for,
        [
            Endpoint("GET", reverse("operations:home"), readers),
            Endpoint("GET", reverse("operations:press"), {}),
            Endpoint("GET", reverse("operations:operation", args=["channel"]), readers),
            Endpoint("GET", reverse("operations:stage", args=["channel", 1]), readers),
            Endpoint("GET", reverse("operations:export", args=["channel", "csv"]), readers),
            Endpoint("GET", reverse("operations:import_template", args=["csv"]), readers),
            Endpoint("GET", reverse("operations:operation_new"), secretariat_only, default=403),
            Endpoint(
                "GET",
                reverse("operations:stage_new", args=["channel"]),
                secretariat_only,
                default=403,
            ),
            Endpoint(
                "GET",
                reverse("operations:participant_new", args=["channel"]),
                secretariat_only,
                default=403,
            ),
            # A state reports for its own country only; the admin reports for nobody.
            Endpoint(
                "POST",
                reverse("operations:stage_report", args=["channel", 1]),
                {"anonymous": 302, "kz_analyst": 302, "admin": 403},
                default=400,
                data={
                    "participant": line.participant_id,
                    "kind": "detentions",
                    "quantity": "5",
                    "unit": "persons",
                    "tlp": "AMBER",
                },
                json_body=False,
            ),
            Endpoint(
                "POST",
                reverse("operations:stage_close", args=["channel", 1]),
                {"anonymous": 302, "secretariat": 302},
                default=403,
                json_body=False,
            ),
            Endpoint(
                "POST",
                reverse("operations:press_publish", args=["channel"]),
                {"anonymous": 302, "secretariat": 302},
                default=403,
                data={"year": "2017"},
                json_body=False,
            ),
            # Only the owner agency corrects its line; the other state does not even see it.
            Endpoint(
                "GET",
                reverse("operations:line_correct", args=["channel", line.pk]),
                {"anonymous": 302, "kz_analyst": 200, "ru_analyst": 404},
                default=403,
            ),
        ],
    )


# --- the list, the dashboard -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "<h1>Joint operations</h1>"), ("ru", '<html lang="ru">')],
    ids=["english", "russian"],
)
def test_home_lists_operations_with_key_totals(reported, kz_analyst, client_for, language, heading):
    response = page(client_for(kz_analyst), "home", language=language)

    content = response.content.decode()
    assert response.status_code == 200
    assert heading in content
    assert '<td class="stages">2</td>' in content
    assert '<td class="countries">3</td>' in content
    # 1,500 + 250 + 40 + 500 kg of drugs
    assert "<strong>2,290</strong>" in content or "<strong>2\xa0290</strong>" in content


def test_dashboard_shows_exact_totals(reported, kz_analyst, client_for):
    response = page(client_for(kz_analyst), "operation", "channel")

    content = response.content.decode()
    assert response.status_code == 200
    assert '<strong id="total-stages">2</strong>' in content
    assert '<strong id="total-countries">3</strong>' in content
    assert "<strong>2,290</strong><span>drugs seized, kg (2.3 t)</span>" in content
    assert "<strong>2</strong><span>criminal cases initiated, cases</span>" in content
    assert 'data-substance="heroin"><th scope="row">heroin</th><td>2,000</td>' in content
    assert 'id="illustrative-note"' not in content
    assert "<svg" in content


def test_dashboard_for_one_year_shows_the_change_against_the_year_before(
    reported, kz_analyst, client_for
):
    response = page(client_for(kz_analyst), "operation", "channel", year=2018)

    content = response.content.decode()
    assert "<h2>Results in 2018</h2>" in content
    assert "<strong>500</strong><span>drugs seized, kg (0.5 t)</span>" in content
    # 2018 against 2017: 500 kg against 1,790 kg
    assert "500 <span" in content
    assert "(-72.1 %)" in content


def test_year_selector_answers_htmx_with_the_statistics_only(reported, kz_analyst, client_for):
    response = client_for(kz_analyst).get(
        reverse("operations:operation", args=["channel"]),
        {"year": 2017},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    content = response.content.decode()
    assert content.lstrip().startswith('<section id="statistics">')
    assert "<h2>Results in 2017</h2>" in content


def test_dashboard_in_russian(reported, ru_analyst, client_for):
    response = page(client_for(ru_analyst), "operation", "channel", language="ru")

    assert response.status_code == 200
    assert '<html lang="ru">' in response.content.decode()


def test_dashboard_notes_illustrative_splits(reported, kz_analyst, client_for):
    Operation.objects.filter(slug="channel").update(illustrative_splits=True)

    response = page(client_for(kz_analyst), "operation", "channel")

    content = response.content.decode()
    assert 'id="illustrative-note"' in content
    assert "the splits by stage, country and substance are illustrative" in content


def test_dashboard_marks_revised_figures(reported, kz_analyst, client_for):
    services.result_correct(
        acting_user=kz_analyst,
        line=reported["kz_2018"],
        quantity=Decimal(520),
        reason="laboratory weight",
    )

    response = page(client_for(kz_analyst), "operation", "channel")

    content = response.content.decode()
    assert 'id="revised"' in content
    assert "Stage 2 (2018), KZ: drugs seized" in content
    assert '<span class="badge revised"' in content
    assert "<strong>2,310</strong>" in content


@pytest.mark.parametrize(
    ("fmt", "params", "content_type", "filename"),
    [
        ("csv", {}, "text/csv; charset=utf-8", "channel-all-years.csv"),
        (
            "xlsx",
            {"year": 2017},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "channel-2017.xlsx",
        ),
        ("pdf", {"lang": "en", "year": 2017}, "application/pdf", "channel-2017-en.pdf"),
        ("pdf", {"lang": "ru", "stage": 1}, "application/pdf", "channel-stage-1-ru.pdf"),
    ],
    ids=["csv", "xlsx", "pdf-en", "pdf-ru-stage"],
)
def test_exports(reported, kz_analyst, client_for, fmt, params, content_type, filename):
    response = page(client_for(kz_analyst), "export", "channel", fmt, **params)

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'


def test_export_refuses_an_unknown_language(reported, kz_analyst, client_for):
    response = page(client_for(kz_analyst), "export", "channel", "pdf", lang="de")

    assert response.status_code == 400


# --- a stage -----------------------------------------------------------------------------------


def test_stage_page_shows_results_per_country_and_the_report_form(reported, kz_analyst, client_for):
    response = page(client_for(kz_analyst), "stage", "channel", 1)

    content = response.content.decode()
    assert response.status_code == 200
    assert '<dd id="status" data-status="open">open for reports</dd>' in content
    assert '<tr data-key="KZ"><th scope="row">Country KZ</th><td>member state</td>' in content
    assert '<tr data-key="INTERPOL">' in content
    assert "no report yet" in content
    assert 'id="report"' in content
    assert 'id="upload"' in content
    # KZ sees its own lines and the organisation's; not Russia's AMBER lines.
    assert f'id="line-{reported["kz_heroin"].pk}"' in content
    assert f'id="line-{reported["ru_hashish"].pk}"' not in content
    assert 'id="close-stage"' not in content


def test_stage_page_in_russian_for_the_secretariat(reported, secretariat_user, client_for):
    response = page(client_for(secretariat_user), "stage", "channel", 1, language="ru")

    content = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ru">' in content
    assert 'id="close-stage"' in content
    assert f'id="line-{reported["ru_hashish"].pk}"' in content


def test_a_closed_stage_takes_no_reports(reported, kz_analyst, client_for):
    response = page(client_for(kz_analyst), "stage", "channel", 2)

    content = response.content.decode()
    assert '<dd id="status" data-status="closed">' in content
    assert 'id="report"' not in content


def test_an_analyst_reports_for_its_own_country(stage1, kz_analyst, client_for):
    participant = stage1.participants.get(code="KZ")
    data = {
        "participant": participant.pk,
        "kind": "drug_seizure",
        "substance": "cannabis",
        "quantity": "12,5",
        "unit": "kg",
        "note": "",
        "tlp": "AMBER",
    }

    response = post(client_for(kz_analyst), "stage_report", "channel", 1, data=data)

    assert response.status_code == 302
    line = ResultLine.objects.get()
    assert (line.participant.code, line.substance, line.mass_kg, line.owner_agency.code) == (
        "KZ",
        "cannabis",
        Decimal("12.500000"),
        "KZ-KNB",
    )


def test_an_analyst_cannot_report_for_another_country(stage1, ru_analyst, client_for):
    kazakhstan = stage1.participants.get(code="KZ")
    data = {
        "participant": kazakhstan.pk,
        "kind": "criminal_cases",
        "quantity": "3",
        "unit": "cases",
        "tlp": "AMBER",
    }

    response = post(client_for(ru_analyst), "stage_report", "channel", 1, data=data)

    assert response.status_code == 400
    assert ResultLine.objects.count() == 0


def test_a_refused_report_says_why(reported, kz_analyst, client_for):
    kazakhstan = reported["kz_cases"].participant
    data = {
        "participant": kazakhstan.pk,
        "kind": "criminal_cases",
        "quantity": "3",
        "unit": "cases",
        "tlp": "AMBER",
    }

    response = post(client_for(kz_analyst), "stage_report", "channel", 1, data=data)

    assert response.status_code == 400
    assert "KZ already reported criminal_cases in cases for this stage" in (
        response.content.decode()
    )
    assert ResultLine.objects.filter(kind="criminal_cases").count() == 1


def _upload(rows, name="kz.csv"):
    return SimpleUploadedFile(name, csv_bytes(rows), content_type="text/csv")


def test_import_previews_then_applies(stage1, kz_analyst, client_for):
    client = client_for(kz_analyst)
    kazakhstan = stage1.participants.get(code="KZ")
    rows = [("drug_seizure", "heroin", "2", "kg", ""), ("detentions", "", "4", "persons", "")]

    preview = post(
        client,
        "stage_import",
        "channel",
        1,
        data={"participant": kazakhstan.pk, "file": _upload(rows)},
    )

    content = preview.content.decode()
    assert preview.status_code == 200
    assert '<dd id="rows">2</dd>' in content
    assert ResultLine.objects.count() == 0
    sha256 = preview.context["report"].sha256

    applied = post(client, "stage_import_apply", "channel", 1, data={"sha256": sha256})

    assert applied.status_code == 302
    assert sorted(ResultLine.objects.values_list("kind", "quantity")) == [
        ("detentions", Decimal("4.000")),
        ("drug_seizure", Decimal("2.000")),
    ]


def test_a_refused_import_names_the_row(stage1, kz_analyst, client_for):
    kazakhstan = stage1.participants.get(code="KZ")
    rows = [("drug_seizure", "heroin", "2", "kg", ""), ("drug_seizure", "heroin", "-1", "kg", "")]

    response = post(
        client_for(kz_analyst),
        "stage_import",
        "channel",
        1,
        data={"participant": kazakhstan.pk, "file": _upload(rows)},
    )

    content = response.content.decode()
    assert response.status_code == 400
    assert 'id="problems"' in content
    assert "<td>3</td>" in content
    assert ResultLine.objects.count() == 0


def test_apply_without_a_preview_does_nothing(stage1, kz_analyst, client_for):
    response = post(
        client_for(kz_analyst), "stage_import_apply", "channel", 1, data={"sha256": "0" * 64}
    )

    assert response.status_code == 302
    assert ResultLine.objects.count() == 0


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template_download(kz_analyst, client_for, fmt, language):
    response = page(client_for(kz_analyst), "import_template", fmt, lang=language)

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="results-template-{language}.{fmt}"'
    )


def test_the_secretariat_closes_a_stage(stage1, secretariat_user, client_for):
    response = post(client_for(secretariat_user), "stage_close", "channel", 1)

    stage1.refresh_from_db()
    assert response.status_code == 302
    assert (stage1.status, stage1.closed_by) == (Stage.Status.CLOSED, secretariat_user)


def test_the_owner_corrects_a_line_after_closing(reported, kz_analyst, client_for):
    line = reported["kz_2018"]
    data = {"quantity": "480", "unit": "", "reason": "re-weighed by the laboratory"}

    response = post(client_for(kz_analyst), "line_correct", "channel", line.pk, data=data)

    assert response.status_code == 302
    newer = ResultLine.objects.get(supersedes=line)
    assert (newer.revision, newer.quantity, newer.reason) == (
        2,
        Decimal("480.000"),
        "re-weighed by the laboratory",
    )
    stage_page = page(client_for(kz_analyst), "stage", "channel", 2).content.decode()
    assert f'<tr id="line-{line.pk}" class="superseded muted">' in stage_page
    assert f'<tr id="line-{newer.pk}">' in stage_page


def test_a_correction_without_a_reason_is_refused(reported, kz_analyst, client_for):
    line = reported["kz_2018"]

    response = post(
        client_for(kz_analyst), "line_correct", "channel", line.pk, data={"quantity": "480"}
    )

    assert response.status_code == 400
    assert ResultLine.objects.filter(supersedes=line).count() == 0


# --- the Secretariat's forms -------------------------------------------------------------------


def test_the_secretariat_defines_an_operation(secretariat_user, client_for):
    data = {
        "slug": "proxy",
        "name_ru": "ПРОКСИ",
        "name_en": "PROXY",
        "kind": "information_security",
        "since_year": "2009",
    }

    response = post(client_for(secretariat_user), "operation_new", data=data)

    assert response.status_code == 302
    assert response["Location"] == reverse("operations:operation", args=["proxy"])
    assert Operation.objects.get(slug="proxy").name_en == "PROXY"


def test_an_operation_may_not_take_the_address_of_a_page(secretariat_user, client_for):
    data = {"slug": "press", "name_ru": "П", "name_en": "P", "kind": "other", "since_year": "2020"}

    response = post(client_for(secretariat_user), "operation_new", data=data)

    assert response.status_code == 400
    assert "This short name is taken by the pages; choose another." in response.content.decode()
    assert Operation.objects.count() == 0


def test_the_secretariat_adds_a_participant_and_a_stage(channel, secretariat_user, client_for):
    client = client_for(secretariat_user)

    added = post(
        client,
        "participant_new",
        "channel",
        data={"kind": "international", "code": "UNODC", "name_en": "UNODC"},
    )
    participants = list(channel.participants.values_list("pk", flat=True))
    created = post(
        client,
        "stage_new",
        "channel",
        data={
            "number": "7",
            "year": "2019",
            "starts_on": "2019-05-06",
            "ends_on": "2019-05-17",
            "status": "open",
            "participants": participants,
        },
    )

    assert added.status_code == 302
    assert created.status_code == 302
    stage = channel.stages.get(number=7)
    assert (stage.year, stage.participants.count()) == (2019, 5)


def test_a_stage_ending_before_it_starts_is_refused(channel, secretariat_user, client_for):
    data = {
        "number": "1",
        "year": "2019",
        "starts_on": "2019-05-06",
        "ends_on": "2019-05-01",
        "status": "open",
    }

    response = post(client_for(secretariat_user), "stage_new", "channel", data=data)

    assert response.status_code == 400
    assert "A stage cannot end before it starts." in response.content.decode()
    assert channel.stages.count() == 0


# --- the press page ----------------------------------------------------------------------------


def test_press_page_is_public_and_shows_clear_summaries(reported, secretariat_user, client_for):
    summary = services.press_summary_publish(
        acting_user=secretariat_user, operation=reported["kz_heroin"].stage.operation, year=2017
    )

    response = page(client_for(None), "press")

    content = response.content.decode()
    assert response.status_code == 200
    assert f'id="summary-{summary.pk}"' in content
    assert summary.title_en in content
    assert PressSummary.objects.count() == 1


def test_the_secretariat_publishes_a_year_for_the_press(reported, secretariat_user, client_for):
    client = client_for(secretariat_user)
    dashboard = page(client, "operation", "channel", year=2017).content.decode()

    response = post(client, "press_publish", "channel", data={"year": "2017"})

    summary = PressSummary.objects.get()
    assert 'id="publish"' in dashboard
    assert response.status_code == 302
    assert response["Location"] == reverse("operations:press")
    assert (summary.year, summary.tlp, summary.totals["totals"]["drug_seizure"]["kg"]) == (
        2017,
        "CLEAR",
        1790,
    )


def test_publishing_a_year_without_results_is_refused(channel, secretariat_user, client_for):
    response = post(client_for(secretariat_user), "press_publish", "channel", data={"year": "2030"})

    assert response.status_code == 302
    assert response["Location"] == reverse("operations:operation", args=["channel"]) + "?year=2030"
    assert PressSummary.objects.count() == 0
