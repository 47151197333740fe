"""The import page (`crisis:import`): editors upload files, dry-run or import, and read the
report; everyone else is turned away and nothing changes."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from lxml import html

from concord.core.tests.matrix import Endpoint, assert_matrix
from concord.crisis.models import Event
from concord.crisis.tests.conftest import DATA

pytestmark = pytest.mark.django_db

ACLED = DATA / "conflict" / "acled_layout_synthetic.csv"
HDX = DATA / "conflict" / "hdx_hapi_conflict_event_region_2025_hxl.csv"
URL = "/crisis/import/"


def upload(path, content=None):
    return SimpleUploadedFile(path.name, path.read_bytes() if content is None else content)


def post(client, fmt, *files, dry_run=False, tlp=""):
    data = {"fmt": fmt, "uploads": list(files), "tlp": tlp}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("crisis:import"), data, HTTP_ACCEPT_LANGUAGE="en")


def texts(response, xpath):
    return [
        " ".join(node.text_content().split())
        for node in html.fromstring(response.content).xpath(xpath)
    ]


def test_url():
    assert reverse("crisis:import") == URL
    assert reverse("crisis:imports") == URL


def test_page_matrix(personas, client_for):
    assert_matrix(
        personas,
        client_for,
        [Endpoint("GET", URL, {"admin": 403, "anonymous": 302}, default=200)],
    )


def test_viewer_cannot_post(crc_viewer, client_for):
    response = post(client_for(crc_viewer), "acled", upload(ACLED))

    assert response.status_code == 403
    assert Event.objects.count() == 0


def test_form_lists_the_formats(kz_analyst, client_for):
    response = client_for(kz_analyst).get(URL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert texts(response, '//select[@name="fmt"]/option') == [
        "CAP 1.2 alerts (XML)",
        "GDACS RSS feed",
        "UCDP GED (CSV)",
        "CSV in ACLED's column layout",
        "HXL-tagged CSV (HDX tables, our exports)",
    ]
    assert texts(response, "//h1") == ["Import events"]


def test_dry_run_shows_the_report_and_writes_nothing(kz_analyst, client_for):
    response = post(client_for(kz_analyst), "acled", upload(ACLED), dry_run=True)

    assert response.status_code == 200
    assert texts(response, '//*[@id="report"]/h2') == ["Dry run: nothing was written"]
    assert texts(response, '//*[@id="report"]//dd') == ["12", "0", "0", "0"]
    assert texts(response, '//*[@id="unmatched"]/li') == ["AFG / Kunduz / Gultepa"]
    assert Event.objects.count() == 0


def test_import_writes_for_the_users_agency(kz_analyst, client_for):
    response = post(client_for(kz_analyst), "hxl", upload(HDX), tlp="AMBER")

    assert response.status_code == 200
    assert texts(response, '//*[@id="report"]/h2') == ["Imported"]
    assert texts(response, '//*[@id="created"]') == ["31"]
    assert texts(response, '//*[@id="skipped"]') == ["1187"]
    assert Event.objects.filter(owner_agency=kz_analyst.agency, tlp="AMBER").count() == 31


def test_several_files_at_once(kz_analyst, client_for):
    first = ACLED.read_text(encoding="utf-8").splitlines()
    one = "\n".join(first[:7]).encode()
    two = "\n".join([first[0], *first[7:]]).encode()

    response = post(
        client_for(kz_analyst),
        "acled",
        SimpleUploadedFile("one.csv", one),
        SimpleUploadedFile("two.csv", two),
    )

    assert texts(response, '//*[@id="created"]') == ["12"]
    assert Event.objects.count() == 12


def test_refused_file_lists_problems(kz_analyst, client_for):
    bad = ACLED.read_text(encoding="utf-8").replace(",37.1850,", ",97.1850,").encode()

    response = post(client_for(kz_analyst), "acled", SimpleUploadedFile("bad.csv", bad))

    assert response.status_code == 400
    assert texts(response, '//*[@id="refused"]/h2') == ["Nothing was imported"]
    assert texts(response, '//*[@id="refused"]//li') == [
        "bad.csv:2: latitude: 97.185 is out of range (-90 to 90)"
    ]
    assert Event.objects.count() == 0


def test_missing_file_is_a_form_error(kz_analyst, client_for):
    response = client_for(kz_analyst).post(
        reverse("crisis:import"), {"fmt": "acled"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert texts(response, '//ul[@class="errorlist"]/li') == ["This field is required."]
