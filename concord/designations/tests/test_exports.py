"""Exports of a published version (CSV, XLSX, FtM, PDF, JSON) and the comparison of versions.

No database: a snapshot is a plain dict. Django's settings are only needed for the PDF template.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import logging
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from concord.core.pdf import ExternalResourceBlockedError, blocked_url_fetcher
from concord.designations import exports, snapshots
from concord.designations.exports import Export, render

TEMPLATES_DIR = Path(exports.__file__).resolve().parent / "templates"

ARMENIAN = "Իսլամական պետություն"
ARABIC = "الدولة الإسلامية"
FORMULA_NAME = '=HYPERLINK("http://x")'
KZ_BASIS = "Суд г. Астаны, решение от 15.10.2015"
RU_BASIS = "Верховный Суд Российской Федерации, решение от 29.12.2014"


def make_snapshot() -> dict:
    return {
        "version": 2,
        "published_at": "2026-11-29T10:00:00+00:00",
        "published_by": "secretariat",
        "audit_head": {"seq": 412, "hash": "9f" + "0" * 62},
        "states": ["AM", "KZ", "RU"],
        "organisations": [
            {
                "id": "co-aaaaaaaaaaaa",
                "name_ru": "Исламское государство",
                "name_en": "Islamic State",
                "category": "terrorist",
                "in_single_list": True,
                "names": [
                    {"text": "Исламское государство", "lang": "ru", "kind": "name", "source": "KZ"},
                    {"text": "ИГИЛ", "lang": "ru", "kind": "abbreviation", "source": "KZ"},
                    {"text": ARMENIAN, "lang": "hy", "kind": "alias", "source": "AM"},
                    {"text": ARABIC, "lang": "ar", "kind": "alias", "source": "RU"},
                    {"text": "Daesh", "lang": "en", "kind": "weak_alias", "source": "RU"},
                    {"text": "Islamic State", "lang": "en", "kind": "name", "source": "RU"},
                    {"text": "ИГИЛ", "lang": "ru", "kind": "abbreviation", "source": "RU"},
                ],
                "recognition": {
                    "AM": {"listed": False},
                    "KZ": {
                        "listed": True,
                        "entry_id": "KZ-001",
                        "listed_on": "2015-10-15",
                        "legal_basis": KZ_BASIS,
                        "status": "listed",
                    },
                    "RU": {
                        "listed": True,
                        "entry_id": "RU-017",
                        "listed_on": "2014-12-29",
                        "legal_basis": RU_BASIS,
                        "status": "listed",
                    },
                },
                "un": {"listed": True, "reference": "QDe.115", "listed_on": "2004-10-06"},
                "entries": [
                    {"list": "KZ", "entry_id": "KZ-001", "name": "Исламское государство"},
                    {"list": "RU", "entry_id": "RU-017", "name": "Исламское государство"},
                ],
            },
            {
                "id": "co-bbbbbbbbbbbb",
                "name_ru": "Хизб ут-Тахрир аль-Ислами",
                "name_en": "Hizb ut-Tahrir al-Islami",
                "category": "terrorist",
                "in_single_list": False,
                "names": [
                    {
                        "text": "Хизб ут-Тахрир аль-Ислами",
                        "lang": "ru",
                        "kind": "name",
                        "source": "RU",
                    },
                ],
                "recognition": {
                    "AM": {"listed": False},
                    "KZ": {"listed": False},
                    "RU": {
                        "listed": True,
                        "entry_id": "RU-005",
                        "listed_on": "2003-02-14",
                        "legal_basis": "Верховный Суд РФ",
                        "status": "listed",
                    },
                },
                "un": None,
                "entries": [{"list": "RU", "entry_id": "RU-005", "name": "Хизб ут-Тахрир"}],
            },
            {
                "id": "co-cccccccccccc",
                "name_ru": FORMULA_NAME,
                "name_en": "Formula Front",
                "category": "terrorist",
                "in_single_list": True,
                "names": [
                    {"text": FORMULA_NAME, "lang": "ru", "kind": "name", "source": "AM"},
                    {"text": "@SUM(A1)", "lang": "en", "kind": "alias", "source": "AM"},
                    {"text": "Старое имя", "lang": "ru", "kind": "previous_name", "source": "KZ"},
                ],
                "recognition": {
                    "AM": {"listed": True, "entry_id": "AM-3", "legal_basis": "=2+3"},
                    "KZ": {
                        "listed": True,
                        "entry_id": "KZ-9",
                        "listed_on": "2020-01-01",
                        "legal_basis": "Решение суда",
                        "status": "listed",
                    },
                    "RU": {"listed": False},
                },
                "un": None,
                "entries": [
                    {"list": "AM", "entry_id": "AM-3", "name": FORMULA_NAME},
                    {"list": "KZ", "entry_id": "KZ-9", "name": "Старое имя"},
                ],
            },
        ],
    }


@pytest.fixture
def snapshot() -> dict:
    return make_snapshot()


@pytest.fixture
def pdf_templates(settings):
    """Make `designations/export_pdf.html` findable even before the app is installed."""
    if "concord.designations" not in django_settings.INSTALLED_APPS:
        templates = copy.deepcopy(settings.TEMPLATES)
        templates[0]["DIRS"] = [*templates[0].get("DIRS", []), str(TEMPLATES_DIR)]
        settings.TEMPLATES = templates
    return settings


# --- render() --------------------------------------------------------------------------------


def test_render_refuses_unknown_format_and_language(snapshot):
    with pytest.raises(ValueError, match="format"):
        render(snapshot, "docx")
    with pytest.raises(ValueError, match="language"):
        render(snapshot, "csv", language="kk")


@pytest.mark.parametrize(
    ("fmt", "only_single_list", "filename", "content_type"),
    [
        ("csv", True, "csto-single-list-v2.csv", "text/csv; charset=utf-8"),
        ("csv", False, "csto-single-list-v2-all.csv", "text/csv; charset=utf-8"),
        ("ftm", True, "csto-single-list-v2.ftm.json", "application/x-ndjson; charset=utf-8"),
        ("json", True, "csto-single-list-v2.json", "application/json; charset=utf-8"),
        ("json", False, "csto-single-list-v2.json", "application/json; charset=utf-8"),
    ],
)
def test_render_names_the_file(snapshot, fmt, only_single_list, filename, content_type):
    export = render(snapshot, fmt, only_single_list=only_single_list)
    assert isinstance(export, Export)
    assert export.filename == filename
    assert export.content_type == content_type
    with pytest.raises(AttributeError):
        export.filename = "other"  # type: ignore[misc]


# --- CSV -------------------------------------------------------------------------------------


EXPECTED_CSV = (
    "organisation_id,name_ru,name_en,category,aliases,listed_by,un_reference,"
    "listed_AM,listed_KZ,listed_RU\r\n"
    f"co-aaaaaaaaaaaa,Исламское государство,Islamic State,terrorist,"
    f"ИГИЛ; {ARMENIAN}; {ARABIC}; Daesh,KZ RU,QDe.115,,"
    f'"2015-10-15 {KZ_BASIS}","2014-12-29 {RU_BASIS}"\r\n'
    'co-cccccccccccc,"\'=HYPERLINK(""http://x"")",Formula Front,terrorist,'
    "'@SUM(A1); Старое имя,AM KZ,,'=2+3,2020-01-01 Решение суда,\r\n"
)


def test_csv_exact_text(snapshot):
    export = render(snapshot, "csv")
    assert export.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the file as UTF-8
    assert export.content.decode("utf-8-sig") == EXPECTED_CSV


def test_csv_formula_cells_are_inert(snapshot):
    text = render(snapshot, "csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in rows for cell in row]
    assert "'" + FORMULA_NAME in cells
    assert "'=2+3" in cells
    assert "'@SUM(A1); Старое имя" in cells
    assert not [cell for cell in cells if cell.startswith(exports.FORMULA_TRIGGERS)]


def test_csv_of_every_cluster_includes_those_outside_the_single_list(snapshot):
    text = render(snapshot, "csv", only_single_list=False).content.decode("utf-8-sig")
    ids = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert ids == ["co-aaaaaaaaaaaa", "co-bbbbbbbbbbbb", "co-cccccccccccc"]
    assert "co-bbbbbbbbbbbb" not in render(snapshot, "csv").content.decode("utf-8-sig")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+7 700", "'+7 700"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=1", "a=1"),
        ("", ""),
        ("Исламское", "Исламское"),
    ],
)
def test_inert(text, expected):
    assert exports.inert(text) == expected


# --- XLSX ------------------------------------------------------------------------------------


def test_xlsx_sheets_and_no_formula_cells(snapshot):
    from openpyxl import load_workbook

    export = render(snapshot, "xlsx")
    assert export.filename == "csto-single-list-v2.xlsx"
    assert export.content.startswith(b"PK")
    workbook = load_workbook(io.BytesIO(export.content))
    assert workbook.sheetnames == ["Single list", "Matrix", "Version"]

    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert cells
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    values = [cell.value for cell in cells if cell.value is not None]
    assert all(isinstance(value, str) for value in values)
    assert not [value for value in values if value.startswith(exports.FORMULA_TRIGGERS)]

    single = workbook["Single list"]
    rows = [[cell.value or "" for cell in row] for row in single.iter_rows()]
    expected = list(csv.reader(io.StringIO(EXPECTED_CSV)))
    assert rows == expected
    assert single["B3"].value == "'" + FORMULA_NAME
    assert single["B3"].data_type == "s"
    assert single["H3"].value == "'=2+3"
    assert single.freeze_panes == "A2"
    assert all(cell.font.bold for cell in single[1])
    assert single.column_dimensions["B"].width > 10

    matrix = [[cell.value or "" for cell in row] for row in workbook["Matrix"].iter_rows()]
    assert matrix == [
        ["organisation_id", "name_ru", "name_en", "AM", "KZ", "RU"],
        ["co-aaaaaaaaaaaa", "Исламское государство", "Islamic State", "", "✓", "✓"],
        ["co-cccccccccccc", "'" + FORMULA_NAME, "Formula Front", "✓", "✓", ""],
    ]

    version = {row[0].value: row[1].value for row in workbook["Version"].iter_rows(min_row=2)}
    assert version["version"] == "2"
    assert version["published_at"] == "2026-11-29T10:00:00+00:00"
    assert version["published_by"] == "secretariat"
    assert version["audit_head_seq"] == "412"
    assert version["audit_head_hash"] == "9f" + "0" * 62
    assert version["organisations"] == "2"
    assert version["content_hash"] == snapshots.content_hash(snapshot)


def test_xlsx_drops_characters_a_workbook_cannot_hold(snapshot):
    from openpyxl import load_workbook

    snapshot["organisations"][0]["name_en"] = "Islamic\x00 State\x1b"
    workbook = load_workbook(io.BytesIO(render(snapshot, "xlsx").content))
    assert workbook["Single list"]["C2"].value == "Islamic State"


# --- FollowTheMoney --------------------------------------------------------------------------


def test_ftm_lines_parse_back(snapshot):
    from followthemoney import model

    export = render(snapshot, "ftm")
    lines = export.content.decode("utf-8").splitlines()
    assert export.content.endswith(b"\n")
    assert ARMENIAN in lines[0]  # not escaped: ensure_ascii=False
    for line in lines:
        assert line == json.dumps(json.loads(line), ensure_ascii=False, sort_keys=True)
    proxies = [model.get_proxy(json.loads(line)) for line in lines]
    ids = [proxy.id for proxy in proxies]
    assert ids == sorted(ids)
    assert ids == [
        "co-aaaaaaaaaaaa",
        "co-aaaaaaaaaaaa-sanction-kz",
        "co-aaaaaaaaaaaa-sanction-ru",
        "co-cccccccccccc",
        "co-cccccccccccc-sanction-am",
        "co-cccccccccccc-sanction-kz",
    ]
    by_id = {proxy.id: proxy for proxy in proxies}

    org = by_id["co-aaaaaaaaaaaa"]
    assert org.schema.name == "Organization"
    assert sorted(org.get("name")) == ["Islamic State", "Исламское государство"]
    assert sorted(org.get("alias")) == sorted([ARMENIAN, ARABIC])
    assert org.get("weakAlias") == ["Daesh"]
    assert org.get("abbreviation") == ["ИГИЛ"]
    assert org.get("topics") == ["crime.terror"]

    other = by_id["co-cccccccccccc"]
    assert sorted(other.get("name")) == sorted([FORMULA_NAME, "Formula Front"])
    assert other.get("alias") == ["@SUM(A1)"]
    assert other.get("previousName") == ["Старое имя"]

    sanction = by_id["co-aaaaaaaaaaaa-sanction-kz"]
    assert sanction.schema.name == "Sanction"
    assert sanction.get("entity") == ["co-aaaaaaaaaaaa"]
    assert sanction.get("authority") == [KZ_BASIS]
    assert sanction.get("country") == ["kz"]
    assert sanction.get("listingDate") == ["2015-10-15"]
    assert sanction.get("startDate") == ["2015-10-15"]
    assert sanction.get("program") == [exports.FTM_PROGRAM]
    assert sanction.get("status") == ["listed"]

    undated = by_id["co-cccccccccccc-sanction-am"]
    assert undated.get("country") == ["am"]
    assert undated.get("authority") == ["=2+3"]  # FtM is data, not a spreadsheet: kept as is
    assert undated.get("listingDate") == []


def test_ftm_of_every_cluster(snapshot):
    lines = render(snapshot, "ftm", only_single_list=False).content.decode().splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    assert "co-bbbbbbbbbbbb" in ids
    assert "co-bbbbbbbbbbbb-sanction-ru" in ids


# --- JSON ------------------------------------------------------------------------------------


def test_json_is_the_whole_snapshot(snapshot):
    export = render(snapshot, "json")  # only_single_list does not apply to JSON
    text = export.content.decode("utf-8")
    assert json.loads(text) == snapshot
    assert ARMENIAN in text
    assert ARABIC in text
    assert text == json.dumps(snapshot, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    assert export.content == render(snapshot, "json", only_single_list=False).content


# --- PDF -------------------------------------------------------------------------------------


def pdf_text(content: bytes, tmp_path: Path) -> str | None:
    """The PDF's text when a tool to read it is at hand, else None."""
    if shutil.which("pdftotext"):
        path = tmp_path / "export.pdf"
        path.write_bytes(content)
        result = subprocess.run(  # noqa: S603
            ["pdftotext", "-layout", str(path), "-"],  # noqa: S607
            capture_output=True,
            check=True,
        )
        return result.stdout.decode("utf-8")
    try:
        from pypdf import PdfReader
    except ImportError:
        return None
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def pdf_objects(content: bytes) -> bytes:
    """The PDF's objects with every Flate stream inflated (WeasyPrint packs them in streams)."""
    parts = [content]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", content, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def pdf_titles(objects: bytes) -> list[str]:
    """The document title and outline entries (`/Title <feff…>` in UTF-16, or `(…)`)."""
    titles = []
    for raw in re.findall(rb"/Title\s*(<[0-9a-fA-F]*>|\([^)]*\))", objects):
        if raw.startswith(b"<"):
            titles.append(bytes.fromhex(raw[1:-1].decode()).decode("utf-16"))
        else:
            titles.append(raw[1:-1].decode("latin-1"))
    return titles


@pytest.mark.usefixtures("pdf_templates")
@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("ru", "Единый список организаций, признанных террористическими, ОДКБ"),
        ("en", "CSTO single list of organisations recognised as terrorist"),
    ],
)
def test_pdf(snapshot, tmp_path, language, title):
    export = render(snapshot, "pdf", language=language)
    assert export.filename == "csto-single-list-v2.pdf"
    assert export.content_type == "application/pdf"
    assert export.content.startswith(b"%PDF")
    assert len(export.content) > 5_000

    objects = pdf_objects(export.content)
    assert f"{title}, v2" in pdf_titles(objects)  # document title, with the version number
    assert title in pdf_titles(objects)  # the heading, as a bookmark
    assert b"/MediaBox [0 0 841.889764 595.275591]" in objects  # A4 landscape
    assert re.search(rb"/BaseFont\s*/[A-Z]{6}\+DejaVu-Sans/", objects)  # embedded local font
    assert f"/Lang ({language})".encode() in objects

    text = pdf_text(export.content, tmp_path)
    if text is not None:  # pdftotext or pypdf at hand
        assert ("Версия" if language == "ru" else "Version") in text
        assert "Islamic State" in text
        assert "QDe.115" in text
        assert "1 / 1" in text


@pytest.mark.usefixtures("pdf_templates")
def test_pdf_html_ru(snapshot):
    html = exports.pdf_html(snapshot, language="ru")
    assert "Единый список организаций, признанных террористическими, ОДКБ" in html
    assert "CSTO single list" not in html
    meta = dict(re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", html, re.S))
    assert meta["Версия"] == "2"
    assert meta["Дата публикации"] == "2026-11-29 10:00 UTC (secretariat)"
    assert meta["Журнал аудита"] == f'№ 412 <span class="hash">9f{"0" * 62}</span>'
    assert meta["Государства"] == "AM KZ RU"
    assert meta["Всего организаций"] == "2"  # the single list only
    assert ARMENIAN in html
    assert ARABIC in html
    assert "<bdi>ИГИЛ</bdi>; <bdi>" in html
    assert "KZ RU" in html
    assert "QDe.115" in html
    assert "Хизб" not in html
    assert "=HYPERLINK(&quot;http://x&quot;)" in html  # escaped text, not markup
    assert 'counter(page) " / " counter(pages)' in html
    assert "A4 landscape" in html
    assert '"DejaVu Sans", sans-serif' in html


@pytest.mark.usefixtures("pdf_templates")
def test_pdf_html_en_and_every_cluster(snapshot):
    html = exports.pdf_html(snapshot, language="en", only_single_list=False)
    assert "CSTO single list of organisations recognised as terrorist" in html
    assert "Единый список" not in html
    assert "Хизб ут-Тахрир аль-Ислами" in html
    meta = dict(re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", html, re.S))
    assert meta["Version"] == "2"
    assert meta["Organisations"] == "3"
    assert "2*" in html  # the cluster outside the single list is marked


@pytest.mark.usefixtures("pdf_templates")
def test_pdf_template_loads_nothing_from_anywhere(snapshot):
    source = (TEMPLATES_DIR / exports.TEMPLATE).read_text()
    for needle in ("url(", "@import", "src=", "href=", "<link", "<img", "<script", "@font-face"):
        assert needle not in source, needle
    assert "http" not in source
    html = exports.pdf_html(snapshot, language="ru")
    assert "http" not in html.replace("=HYPERLINK(&quot;http://x&quot;)", "")


def test_url_fetcher_refuses_every_url():
    fetcher = blocked_url_fetcher()
    for url in ("http://example.org/a.png", "file:///etc/passwd", "data:text/plain,x"):
        with pytest.raises(ExternalResourceBlockedError):
            fetcher(url)


def test_weasyprint_with_the_blocked_fetcher_loads_no_image(tmp_path, caplog):
    import weasyprint

    image = tmp_path / "pixel.svg"
    image.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>')
    html = f'<p>x</p><img src="{image.as_uri()}"><div style="background: url(http://example.org/b.png)">'
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = weasyprint.HTML(
            string=html, base_url=None, url_fetcher=blocked_url_fetcher()
        ).write_pdf()
    assert pdf.startswith(b"%PDF")
    assert "documents load no external resources" in caplog.text
    assert image.as_uri() in caplog.text


# --- snapshots.diff and content_hash ---------------------------------------------------------


def test_diff_of_the_first_version_adds_everything(snapshot):
    assert snapshots.diff(None, snapshot) == {
        "added": [
            {
                "id": "co-aaaaaaaaaaaa",
                "name_ru": "Исламское государство",
                "name_en": "Islamic State",
            },
            {"id": "co-cccccccccccc", "name_ru": FORMULA_NAME, "name_en": "Formula Front"},
        ],
        "removed": [],
        "changed": [],
        "counts": {"added": 2, "removed": 0, "changed": 0, "total": 2},
    }


def test_diff_added_removed_changed(snapshot):
    new = copy.deepcopy(snapshot)
    new["version"] = 3
    new["published_at"] = "2026-12-20T09:00:00+00:00"
    orgs = {org["id"]: org for org in new["organisations"]}
    # enters the single list
    orgs["co-bbbbbbbbbbbb"]["in_single_list"] = True
    # names and recognition change
    orgs["co-aaaaaaaaaaaa"]["names"].append(
        {"text": "ДАИШ", "lang": "ru", "kind": "alias", "source": "AM"}
    )
    orgs["co-aaaaaaaaaaaa"]["recognition"]["AM"] = {
        "listed": True,
        "entry_id": "AM-1",
        "listed_on": "2026-12-01",
        "legal_basis": "Решение",
        "status": "listed",
    }
    orgs["co-aaaaaaaaaaaa"]["name_en"] = "ISIL"
    # leaves the single list
    orgs["co-cccccccccccc"]["in_single_list"] = False
    # an organisation that did not exist before
    new["organisations"].append(
        {
            "id": "co-000000000000",
            "name_ru": "Новая",
            "name_en": "New",
            "in_single_list": True,
            "names": [],
            "recognition": {},
        }
    )
    assert snapshots.diff(snapshot, new) == {
        "added": [
            {"id": "co-000000000000", "name_ru": "Новая", "name_en": "New"},
            {
                "id": "co-bbbbbbbbbbbb",
                "name_ru": "Хизб ут-Тахрир аль-Ислами",
                "name_en": "Hizb ut-Tahrir al-Islami",
            },
        ],
        "removed": [
            {"id": "co-cccccccccccc", "name_ru": FORMULA_NAME, "name_en": "Formula Front"},
        ],
        "changed": [
            {
                "id": "co-aaaaaaaaaaaa",
                "name_ru": "Исламское государство",
                "name_en": "ISIL",
                "fields": ["name_en", "names", "recognition"],
            }
        ],
        "counts": {"added": 2, "removed": 1, "changed": 1, "total": 3},
    }


def test_diff_ignores_the_order_of_names_and_a_new_header(snapshot):
    new = copy.deepcopy(snapshot)
    new["version"] = 3
    new["published_at"] = "2027-01-01T00:00:00+00:00"
    new["organisations"][0]["names"].reverse()
    new["organisations"].reverse()
    result = snapshots.diff(snapshot, new)
    assert result["added"] == result["removed"] == result["changed"] == []
    assert result["counts"] == {"added": 0, "removed": 0, "changed": 0, "total": 2}


def test_diff_outside_the_single_list_is_not_a_change(snapshot):
    new = copy.deepcopy(snapshot)
    new["organisations"][1]["name_en"] = "Hizb ut-Tahrir"
    assert snapshots.diff(snapshot, new)["counts"]["changed"] == 0


def test_content_hash_ignores_the_publication_header(snapshot):
    digest = snapshots.content_hash(snapshot)
    assert len(digest) == 64
    assert int(digest, 16) >= 0
    republished = copy.deepcopy(snapshot)
    republished["published_at"] = "2027-01-01T00:00:00+00:00"
    republished["published_by"] = "someone-else"
    republished["version"] = 9
    republished["audit_head"] = {"seq": 999, "hash": "ab" * 32}
    assert snapshots.content_hash(republished) == digest

    changed = copy.deepcopy(snapshot)
    changed["organisations"][0]["name_en"] = "ISIL"
    assert snapshots.content_hash(changed) != digest
    reordered = dict(reversed(list(snapshot.items())))
    assert snapshots.content_hash(reordered) == digest


def test_content_hash_is_sha256_of_canonical_json(snapshot):
    import hashlib

    content = {k: v for k, v in snapshot.items() if k not in snapshots.HEADER_KEYS}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert snapshots.content_hash(snapshot) == hashlib.sha256(canonical.encode()).hexdigest()
