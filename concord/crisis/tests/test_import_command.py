"""`concord import_events`: counts on stdout, unmatched places listed, refusals exit non-zero
with the validator's message and write nothing."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from concord.core.tests.factories import UserFactory
from concord.crisis.models import Event
from concord.crisis.tests.conftest import DATA

pytestmark = pytest.mark.django_db

ACLED = DATA / "conflict" / "acled_layout_synthetic.csv"
UCDP = DATA / "conflict" / "ucdp_ged_synthetic.csv"
HDX = DATA / "conflict" / "hdx_hapi_conflict_event_region_2025_hxl.csv"


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_events", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_acled_import_prints_counts_and_unmatched_places(kz_analyst):
    out, _err = run("--format", "acled", str(ACLED), "--user", "kz-analyst")

    assert out == (
        "created 12, updated 0, unchanged 0, cancelled 0, refused 0\n"
        "unmatched places (1):\n"
        "  AFG / Kunduz / Gultepa\n"
    )
    assert Event.objects.filter(owner_agency=kz_analyst.agency).count() == 12


def test_second_run_is_unchanged(kz_analyst):
    run("--format", "ucdp", str(UCDP), "--user", "kz-analyst")

    out, _err = run("--format", "ucdp", str(UCDP), "--user", "kz-analyst")

    assert out == "created 0, updated 0, unchanged 5, cancelled 0, refused 0\n"
    assert Event.objects.count() == 5


def test_hxl_reports_skipped_rows(kz_analyst):
    out, _err = run("--format", "hxl", str(HDX), "--user", "kz-analyst", "--dry-run")

    assert out == (
        "created 31, updated 0, unchanged 0, cancelled 0, refused 0 (dry run: nothing written)\n"
        "skipped 1187 rows without events\n"
    )
    assert Event.objects.count() == 0


def test_default_user_is_the_single_admin(admin_user):
    run("--format", "ucdp", str(UCDP), "--tlp", "AMBER")

    assert set(Event.objects.values_list("author", "tlp")) == {(admin_user.pk, "AMBER")}


def test_ambiguous_default_user_is_refused(admin_user, agency_kz):
    UserFactory(username="admin2", agency=agency_kz, role="admin")

    with pytest.raises(CommandError, match="more than one active administrator: name the"):
        run("--format", "ucdp", str(UCDP))
    assert Event.objects.count() == 0


def test_refused_file_exits_1_with_the_message(kz_analyst, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(ACLED.read_text(encoding="utf-8").replace(",37.1850,", ",97.1850,"))

    with pytest.raises(CommandError) as failure:
        run("--format", "acled", str(bad), "--user", "kz-analyst")

    assert failure.value.returncode == 1
    assert str(failure.value) == (
        "refused, 1 problem(s); nothing was imported: "
        "bad.csv:2: latitude: 97.185 is out of range (-90 to 90)"
    )
    assert Event.objects.count() == 0


def test_wrong_layout_names_the_columns(kz_analyst):
    with pytest.raises(CommandError, match=r"ucdp_ged_synthetic\.csv:1: not the expected layout"):
        run("--format", "acled", str(UCDP), "--user", "kz-analyst")


def test_bad_arguments_exit_2(kz_analyst, tmp_path):
    with pytest.raises(CommandError) as missing:
        run("--format", "acled", str(tmp_path / "none.csv"), "--user", "kz-analyst")
    assert missing.value.returncode == 2
    with pytest.raises(CommandError, match="no active user 'nobody'"):
        run("--format", "acled", str(ACLED), "--user", "nobody")


def test_viewer_cannot_import(crc_viewer):
    with pytest.raises(CommandError, match="crc-viewer: your role cannot record events"):
        run("--format", "acled", str(ACLED), "--user", "crc-viewer")
    assert Event.objects.count() == 0


def test_cap_and_gdacs_go_to_their_importers(kz_analyst):
    out, _err = run(
        "--format", "cap", str(DATA / "cap" / "iceland_met_office.cap"), "--user", "kz-analyst"
    )
    assert out.startswith("created 1, updated 0, unchanged 0, cancelled 0, refused 0")
    assert Event.objects.filter(origin="cap").count() == 1

    with pytest.raises(CommandError) as refused:
        run("--format", "cap", str(DATA / "cap" / "earthquake.cap"), "--user", "kz-analyst")
    assert refused.value.returncode == 1

    out, _err = run(
        "--format", "gdacs", str(DATA / "gdacs" / "gdacs-rss.xml"), "--dry-run", "--user",
        "kz-analyst",
    )  # fmt: skip
    assert re.match(r"created \d+, updated 0, unchanged 0, cancelled 0, refused 0 \(dry run", out)
    assert not Event.objects.filter(origin="gdacs").exists()
