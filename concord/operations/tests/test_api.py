"""`/api/v1/operations`: the authorization matrix, then each endpoint's exact bodies."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from concord.core.tests.matrix import Endpoint, assert_matrix
from concord.operations import queries
from concord.operations.models import ResultLine, Stage
from concord.operations.tests.factories import csv_bytes, report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_by_default(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def people(kz_drug_analyst, kz_analyst, ru_analyst, secretariat_user):
    """The matrix's columns, in the order they call: refusals first, the reporting agency last
    (its successful correction would otherwise supersede the line the others are refused)."""
    return {
        "anonymous": None,
        "other_state": ru_analyst,
        "secretariat": secretariat_user,
        "same_state": kz_analyst,
        "reporting_agency": kz_drug_analyst,
    }


class FreshUpload(Mapping[str, object]):
    """Form data with a new upload each time it is read, so one endpoint can be called as every
    persona."""

    def __init__(self, content: bytes, **fields: str) -> None:
        self.content = content
        self.fields = fields

    def __getitem__(self, key: str) -> object:
        if key == "file":
            return SimpleUploadedFile("kz.csv", self.content, content_type="text/csv")
        return self.fields[key]

    def __iter__(self) -> Iterator[str]:
        return iter(["file", *self.fields])

    def __len__(self) -> int:
        return 1 + len(self.fields)


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def _url(name, *args):
    return reverse(f"api:{name}", args=args)


def test_authorization_matrix(people, client_for, stage1, kz_drug_analyst):
    line = report(kz_drug_analyst, stage1, "KZ", "weapons", 3, "items")
    signed_in = {"anonymous": 401}
    editors_of_kz = {"anonymous": 401, "other_state": 403, "secretariat": 403}
    assert_matrix(
        people,
        client_for,
        [
            Endpoint("GET", _url("operations_list"), signed_in),
            Endpoint("GET", _url("operation_detail", "channel"), signed_in),
            Endpoint("GET", _url("operation_statistics", "channel"), signed_in),
            Endpoint(
                "POST",
                _url("operation_result_report", "channel", 1),
                editors_of_kz,
                default=201,
                data={"participant": "KZ", "kind": "ammunition", "quantity": 10, "unit": "rounds"},
            ),
            Endpoint(
                "POST",
                _url("operation_results_import", "channel", 1),
                editors_of_kz,
                data=FreshUpload(csv_bytes([("explosives", "", "1,5", "кг", "")]), country="KZ"),
                json_body=False,
            ),
            Endpoint(
                "POST",
                _url("operation_result_correct", line.pk),
                {"anonymous": 401, "other_state": 404, "secretariat": 403, "same_state": 403},
                default=201,
                data={"quantity": "4", "reason": "recount"},
            ),
            Endpoint(
                "POST",
                _url("operation_stage_close", "channel", 1),
                {"anonymous": 401, "secretariat": 200},
                default=403,
            ),
        ],
    )
    assert ResultLine.objects.filter(supersedes=line).count() == 1


def test_list_operations(client_for, kz_analyst, stage1, stage2):
    response = client_for(kz_analyst).get(_url("operations_list"))
    assert (response.status_code, response.json()) == (
        200,
        [
            {
                "slug": "channel",
                "name_ru": "Канал",
                "name_en": "Channel",
                "kind": "anti_drug",
                "since_year": 2007,
                "stages": 2,
                "participants": 4,
            }
        ],
    )


def test_operation_detail(client_for, kz_analyst, stage1, stage2):
    response = client_for(kz_analyst).get(_url("operation_detail", "channel"))
    assert response.status_code == 200
    body = response.json()
    assert {k: v for k, v in body.items() if k not in ("stages", "participants")} == {
        "slug": "channel",
        "name_ru": "Канал",
        "name_en": "Channel",
        "kind": "anti_drug",
        "since_year": 2007,
        "coordinating_body": "SEC",
        "description_ru": "",
        "description_en": "",
        "illustrative_splits": False,
    }
    assert body["stages"] == [
        {
            "number": 1,
            "year": 2017,
            "starts_on": "2017-04-10",
            "ends_on": "2017-04-20",
            "status": "open",
            "lead_state": None,
            "closed_at": None,
            "participants": ["AF", "INTERPOL", "KZ", "RU"],
        },
        {
            "number": 2,
            "year": 2018,
            "starts_on": "2018-06-04",
            "ends_on": "2018-06-15",
            "status": "closed",
            "lead_state": None,
            "closed_at": None,
            "participants": ["KZ", "RU"],
        },
    ]
    assert body["participants"] == [
        {"code": "INTERPOL", "kind": "international", "country": None,
         "name_ru": "Интерпол", "name_en": "INTERPOL"},
        {"code": "KZ", "kind": "member_state", "country": "KZ",
         "name_ru": "Страна KZ", "name_en": "Country KZ"},
        {"code": "RU", "kind": "member_state", "country": "RU",
         "name_ru": "Страна RU", "name_en": "Country RU"},
        {"code": "AF", "kind": "partner", "country": "AF",
         "name_ru": "Афганистан", "name_en": "Afghanistan"},
    ]  # fmt: skip


def test_unknown_operation_is_404(client_for, kz_analyst):
    response = client_for(kz_analyst).get(_url("operation_detail", "nothing"))
    assert (response.status_code, response.json()) == (404, {"detail": "not found", "errors": []})


def test_statistics_is_the_query_as_dict(client_for, ru_analyst, stage1, stage2, kz_drug_analyst):
    report(kz_drug_analyst, stage1, "KZ", "drug_seizure", "2", "t", "heroin")
    report(kz_drug_analyst, stage2, "KZ", "drug_seizure", "500", "kg", "heroin")
    client = client_for(ru_analyst)  # another state sees the GREEN totals, not the AMBER lines
    response = client.get(_url("operation_statistics", "channel"), {"year": 2017})
    assert response.status_code == 200
    body = response.json()
    assert body == queries.statistics(stage1.operation, year=2017).as_dict()
    assert (body["year"], body["stages"], body["totals"]) == (
        2017, 1, {"drug_seizure": {"kg": 2000}}
    )  # fmt: skip
    every_year = client.get(_url("operation_statistics", "channel")).json()
    assert (every_year["year"], every_year["totals"]) == (None, {"drug_seizure": {"kg": 2500}})


def test_report_a_result(client_for, kz_drug_analyst, stage1):
    response = post_json(
        client_for(kz_drug_analyst),
        _url("operation_result_report", "channel", 1),
        {
            "participant": "kz",
            "kind": "drug_seizure",
            "substance": "героин",
            "quantity": "1 234,5",
            "unit": "г",
            "note": "Khorgos",
        },
    )
    assert response.status_code == 201
    body = response.json()
    line = ResultLine.objects.get()
    assert body == {
        "id": line.pk,
        "operation": "channel",
        "stage": 1,
        "participant": "KZ",
        "kind": "drug_seizure",
        "substance": "heroin",
        "quantity": "1234.500",
        "unit": "g",
        "mass_kg": "1.234500",
        "note": "Khorgos",
        "revision": 1,
        "supersedes": None,
        "reason": "",
        "tlp": "AMBER",
        "owner_agency": "KZ-DRUG",
        "created_at": body["created_at"],
    }


def test_report_a_json_number(client_for, kz_drug_analyst, stage1):
    response = post_json(
        client_for(kz_drug_analyst),
        _url("operation_result_report", "channel", 1),
        {"participant": "KZ", "kind": "drug_seizure", "substance": "opium", "quantity": 0.1,
         "unit": "kg"},
    )  # fmt: skip
    assert (response.status_code, response.json()["quantity"]) == (201, "0.100")


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({"unit": "kg"}, "weapons is not counted in kg (use items)"),
        ({"quantity": "-2"}, "the quantity -2 is negative"),
        ({"quantity": "two"}, "'two' is not a number"),
        ({"participant": "CN"}, "CN does not take part in channel"),
        ({"tlp": "PINK"}, "unknown TLP marking 'PINK'"),
    ],
    ids=["bad-unit", "negative", "not-a-number", "not-a-participant", "bad-tlp"],
)
def test_report_refusals(client_for, kz_drug_analyst, stage1, payload, detail):
    body = {"participant": "KZ", "kind": "weapons", "quantity": "2", "unit": "items", **payload}
    response = post_json(
        client_for(kz_drug_analyst), _url("operation_result_report", "channel", 1), body
    )
    assert (response.status_code, response.json()["detail"]) == (400, detail)
    assert ResultLine.objects.count() == 0


def test_report_into_a_closed_stage_is_refused(client_for, kz_drug_analyst, stage2):
    response = post_json(
        client_for(kz_drug_analyst),
        _url("operation_result_report", "channel", 2),
        {"participant": "KZ", "kind": "weapons", "quantity": 1, "unit": "items"},
    )
    assert (response.status_code, response.json()) == (
        400,
        {
            "detail": "stage 2 is closed: it takes no new lines (correct a line instead)",
            "errors": [
                {"msg": "stage 2 is closed: it takes no new lines (correct a line instead)"}
            ],
        },
    )


def test_import_results(client_for, kz_drug_analyst, stage1):
    data = csv_bytes([("drug_seizure", "heroin", "12,5", "kg", ""), ("weapons", "", "3", "шт", "")])
    response = client_for(kz_drug_analyst).post(
        _url("operation_results_import", "channel", 1),
        {"file": SimpleUploadedFile("kz.csv", data), "country": "KZ"},
    )
    body = response.json()
    assert (response.status_code, body) == (
        200,
        {
            "applied": True,
            "file": "kz.csv",
            "sha256": body["sha256"],
            "format": "csv",
            "rows": 2,
            "created": 2,
            "participants": ["KZ"],
        },
    )
    assert len(body["sha256"]) == 64
    assert ResultLine.objects.count() == 2


def test_import_dry_run(client_for, kz_drug_analyst, stage1):
    data = csv_bytes([("weapons", "", "3", "шт", "")])
    response = client_for(kz_drug_analyst).post(
        _url("operation_results_import", "channel", 1),
        {"file": SimpleUploadedFile("kz.csv", data), "country": "KZ", "dry_run": "true"},
    )
    assert (response.status_code, response.json()["applied"], response.json()["rows"]) == (
        200, False, 1
    )  # fmt: skip
    assert ResultLine.objects.count() == 0


def test_import_refused_names_the_rows(client_for, kz_drug_analyst, stage1):
    data = csv_bytes(
        [
            ("drug_seizure", "heroin", "1", "kg", ""),
            ("drug_seizure", "чай", "1", "kg", ""),
            ("weapons", "", "2", "kg", ""),
            ("drug_seizure", "героин", "-1", "кг", ""),
        ]
    )
    response = client_for(kz_drug_analyst).post(
        _url("operation_results_import", "channel", 1),
        {"file": SimpleUploadedFile("kz.csv", data), "country": "KZ"},
    )
    assert (response.status_code, response.json()) == (
        400,
        {
            "detail": "kz.csv refused: 3 problem(s); nothing was imported",
            "errors": [
                {"row": 3, "column": "substance",
                 "msg": "unknown substance 'чай' (use one of heroin, opium, hashish, cannabis, "
                        "cocaine, methamphetamine, mephedrone, other_synthetic, psychotropic, "
                        "precursors, other)"},
                {"row": 4, "column": "unit", "msg": "weapons is not counted in kg (use items)"},
                {"row": 5, "column": "quantity", "msg": "the quantity -1 is negative"},
            ],
        },
    )  # fmt: skip
    assert ResultLine.objects.count() == 0


def test_correct_a_result(client_for, kz_drug_analyst, stage1):
    line = report(kz_drug_analyst, stage1, "KZ", "drug_seizure", "5", "kg", "heroin")
    response = post_json(
        client_for(kz_drug_analyst),
        _url("operation_result_correct", line.pk),
        {"quantity": "5,25", "reason": "laboratory weight"},
    )
    assert response.status_code == 201
    body = response.json()
    keys = ("quantity", "unit", "mass_kg", "revision", "supersedes", "reason")
    assert {k: body[k] for k in keys} == {
        "quantity": "5.250",
        "unit": "kg",
        "mass_kg": "5.250000",
        "revision": 2,
        "supersedes": line.pk,
        "reason": "laboratory weight",
    }  # fmt: skip


def test_correct_needs_a_reason(client_for, kz_drug_analyst, stage1):
    line = report(kz_drug_analyst, stage1, "KZ", "weapons", 1, "items")
    response = post_json(
        client_for(kz_drug_analyst),
        _url("operation_result_correct", line.pk),
        {"quantity": 2, "reason": ""},
    )
    assert (response.status_code, response.json()["detail"]) == (
        400, "a correction gives its reason"
    )  # fmt: skip


def test_close_a_stage(client_for, secretariat_user, stage1):
    response = client_for(secretariat_user).post(_url("operation_stage_close", "channel", 1))
    body = response.json()
    assert (response.status_code, body["status"], body["number"]) == (200, "closed", 1)
    assert Stage.objects.get(pk=stage1.pk).closed_by == secretariat_user
    again = client_for(secretariat_user).post(_url("operation_stage_close", "channel", 1))
    assert (again.status_code, again.json()["detail"]) == (400, "stage 1 is already closed")


def test_close_an_unknown_stage_is_404(client_for, secretariat_user, stage1):
    response = client_for(secretariat_user).post(_url("operation_stage_close", "channel", 9))
    assert response.status_code == 404
    assert Stage.objects.get(pk=stage1.pk).status == "open"
