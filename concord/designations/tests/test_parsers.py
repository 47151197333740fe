"""Parsers: good files of every format, and every kind of bad input named precisely."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from concord.designations.parsers import FORMATS, format_from_filename, parse_file
from concord.designations.records import ImportProblem, ImportRejected, NameKind, ParsedName

# The public UN Consolidated List of 3 July 2017 (../shared/data/lists/), shipped with the app as
# the demo's reference list, so the test runs on every clone.
UN_2017 = Path(__file__).resolve().parents[1] / "data" / "demo" / "UN.xml"

HEADER = (
    "entry_id,name,aliases,language,category,listed_on,legal_basis,reasons,status,source_url,notes"
)
GOOD_ROW = (
    'KZ-001,Исламское государство,"ИГИЛ@ru;ISIL@en;Daesh@en;Исламское государство Ирака и Леванта",'
    "ru,террористическая,2015-03-27,Решение суда,Терроризм,listed,https://example.org/kz,"
)


def parse(text: str | bytes, fmt: str = "csv", **kwargs):
    data = text.encode() if isinstance(text, str) else text
    return parse_file(data, filename=f"list.{fmt}", fmt=fmt, **kwargs)


def problems(text: str | bytes, fmt: str = "csv", **kwargs) -> list[ImportProblem]:
    with pytest.raises(ImportRejected) as caught:
        parse(text, fmt, **kwargs)
    return caught.value.problems


def only_problem(text: str | bytes, fmt: str = "csv", **kwargs) -> ImportProblem:
    found = problems(text, fmt, **kwargs)
    assert len(found) == 1, found
    return found[0]


def csv_rows(*rows: str, header: str = "entry_id,name,aliases,language,status,notes") -> str:
    return "\n".join([header, *rows]) + "\n"


# --- Good CSV ------------------------------------------------------------------------------------


def test_good_csv_gives_exact_entry():
    parsed = parse(f"{HEADER}\n{GOOD_ROW}\n")
    assert parsed.file == "list.csv"
    assert parsed.format == "csv"
    assert parsed.encoding == "utf-8"
    assert parsed.warnings == ()
    (entry,) = parsed.entries
    assert entry.entry_id == "KZ-001"
    assert entry.line == 2
    assert entry.names == (
        ParsedName("Исламское государство", NameKind.NAME, "ru"),
        ParsedName("ИГИЛ", NameKind.ABBREVIATION, "ru"),
        ParsedName("ISIL", NameKind.ABBREVIATION, "en"),
        ParsedName("Daesh", NameKind.ALIAS, "en"),
        ParsedName("Исламское государство Ирака и Леванта", NameKind.ALIAS, "ru"),
    )
    assert entry.category == "terrorist"
    assert entry.listed_on == date(2015, 3, 27)
    assert entry.legal_basis == "Решение суда"
    assert entry.reasons == "Терроризм"
    assert entry.status == "listed"
    assert entry.delisted_on is None
    assert entry.source_url == "https://example.org/kz"
    assert entry.notes == ""
    assert entry.extra == {}


def test_bom_cp1251_and_semicolons_give_the_same_entries():
    text = f"{HEADER}\n{GOOD_ROW}\n"
    plain = parse(text)
    bom = parse(b"\xef\xbb\xbf" + text.encode())
    cp1251 = parse(text.encode("cp1251"))
    semicolons = parse(text.replace(",", ";"))
    assert bom.encoding == "utf-8-sig"
    assert cp1251.encoding == "cp1251"
    for other in (bom, cp1251):
        assert other.entries == plain.entries
    assert semicolons.entries == plain.entries


def test_semicolon_csv_with_aliases_in_quotes():
    text = 'entry_id;name;aliases\nKG-1;Хизб ут-Тахрир;"ХТ@ru;Hizb ut-Tahrir@en"\n'
    (entry,) = parse(text).entries
    assert [(n.text, n.kind, n.lang) for n in entry.names] == [
        ("Хизб ут-Тахрир", "name", "ru"),
        ("ХТ", "weak_alias", "ru"),
        ("Hizb ut-Tahrir", "alias", "en"),
    ]


def test_header_is_case_insensitive_in_any_order_and_blank_rows_are_skipped():
    text = " Name ,ENTRY_ID\n\n,\nТаблиги Джамаат,KZ-7\n\n"
    (entry,) = parse(text).entries
    assert (entry.entry_id, entry.primary_name, entry.line) == ("KZ-7", "Таблиги Джамаат", 4)
    assert entry.category == "terrorist"
    assert entry.status == "listed"


def test_language_defaults_and_guesses():
    text = csv_rows("1,Հայ խումբ,,,,", "2,Jamaat,,,,", "3,Ақ орда,Ақ@kk;Aq Orda,,,")
    guessed = parse(text).entries
    assert [e.names[0].lang for e in guessed] == ["hy", "en", "ru"]
    kazakh = parse(text, default_language="kk").entries[2]
    assert [(n.text, n.kind, n.lang) for n in kazakh.names] == [
        ("Ақ орда", "name", "kk"),
        ("Ақ", "weak_alias", "kk"),
        ("Aq Orda", "alias", "en"),
    ]
    row = parse(csv_rows("4,Ақ орда,Ақ Орда Қазақстан;Ak Orda,kk,,")).entries[0]
    assert [n.lang for n in row.names] == ["kk", "kk", "en"]


def test_alias_at_sign_only_splits_a_language_suffix():
    text = csv_rows('1,Group,"info@example.org;Jihad@home@en;Foo@1",en,,')
    names = parse(text).entries[0].names
    assert [(n.text, n.lang) for n in names] == [
        ("Group", "en"),
        ("info@example.org", "en"),
        ("Jihad@home", "en"),
        ("Foo@1", "en"),
    ]


def test_duplicate_names_are_dropped_and_trailing_separator_ignored():
    text = csv_rows('1,ИГИЛ,"ИГИЛ;ИГИЛ\u200b@ru;ISIL;ISIL@en;",ru,,')
    names = parse(text).entries[0].names
    assert [(n.text, n.kind, n.lang) for n in names] == [
        ("ИГИЛ", "name", "ru"),
        ("ISIL", "abbreviation", "en"),
    ]


def test_categories_statuses_and_dates():
    text = csv_rows(
        "1,Alpha,extremist,,31.12.2019,,",
        "2,Beta,Экстремистская организация,delisted 2025-04-17,,,",
        "3,Gamma,террористическая организация,delisted:17.04.2025,,,",
        "4,Delta,,Delisted,,,delisted 2024-01-02 by court order",
        "5,Epsilon,TERRORIST,delisted,,,",
        header="entry_id,name,category,status,listed_on,source_url,notes",
    )
    entries = parse(text).entries
    assert [e.category for e in entries] == [
        "extremist",
        "extremist",
        "terrorist",
        "terrorist",
        "terrorist",
    ]
    assert entries[0].listed_on == date(2019, 12, 31)
    assert [(e.status, e.delisted_on) for e in entries] == [
        ("listed", None),
        ("delisted", date(2025, 4, 17)),
        ("delisted", date(2025, 4, 17)),
        ("delisted", date(2024, 1, 2)),
        ("delisted", None),
    ]
    assert entries[3].notes == "delisted 2024-01-02 by court order"


def test_multiline_quoted_field_keeps_line_numbers():
    text = 'entry_id,name,reasons\n1,Alpha,"line one\nline two"\n2,,x\n'
    found = only_problem(text)
    assert (found.line, found.reason, found.column) == (4, "empty name", "name")


# --- Bad CSV -------------------------------------------------------------------------------------


def test_every_row_problem_is_named():
    text = csv_rows(
        "KZ-004,Alpha,,,,",
        "KZ-005,Beta,,rus,,",
        ",Gamma,,,,",
        "KZ-004,Delta,,,,",
        "KZ-006,\u200b ,,,,",
        "KZ-007,Epsilon,;@en,,,",
        "KZ-008,Zeta,,,paused,",
        "KZ-009,Eta,X@xx,,,",
    )
    found = [(p.line, p.column, p.reason) for p in problems(text)]
    assert found == [
        (3, "language", "unknown language 'rus'"),
        (4, "entry_id", "empty entry_id"),
        (5, "entry_id", "duplicate entry_id 'KZ-004' (first on line 2)"),
        (6, "name", "empty name"),
        (7, "aliases", "empty alias (number 1 in the list)"),
        (7, "aliases", "empty alias (number 2 in the list)"),
        (8, "status", "unknown status 'paused' (use listed or delisted)"),
        (9, "aliases", "unknown language 'xx' in alias 'X@xx'"),
    ]


def test_bad_category_date_and_url():
    header = "entry_id,name,category,listed_on,source_url,status"
    text = "\n".join(
        [
            header,
            "1,Alpha,terror,,,",
            "2,Beta,,31/02/2020,,",
            "3,Gamma,,31.02.2020,ftp://example.org/x,",
            "4,Delta,,,,delisted 2025-13-01",
        ]
    )
    found = [(p.line, p.column, p.reason) for p in problems(text)]
    hint = "(use YYYY-MM-DD or DD.MM.YYYY)"
    assert found == [
        (2, "category", "unknown category 'terror'"),
        (3, "listed_on", f"bad date '31/02/2020' in listed_on {hint}"),
        (4, "listed_on", f"bad date '31.02.2020' in listed_on {hint}"),
        (4, "source_url", "bad URL 'ftp://example.org/x' in source_url (use http or https)"),
        (5, "status", f"bad date '2025-13-01' in status {hint}"),
    ]


def test_language_that_cannot_be_guessed():
    found = only_problem(csv_rows("1,12345,,,,"))
    assert (found.line, found.column) == (2, "name")
    assert found.reason.startswith("cannot guess the language of '12345'")


def test_header_problems():
    missing = only_problem("\nnotes,category\n1,a\n")
    assert (missing.line, missing.reason) == (2, "missing required columns: entry_id, name")
    both = problems("entry_id,colour,size\n1,a,b\n")
    assert [p.reason for p in both] == [
        "missing required columns: name",
        "unknown columns: colour, size",
    ]
    twice = only_problem("entry_id,name,name\n1,a,b\n")
    assert twice.reason == "columns appear more than once: name"


def test_extra_values_beyond_the_header():
    found = only_problem("entry_id,name\n1,Alpha,oops\n")
    assert (found.line, found.reason) == (2, "value in column 3, which has no header")


def test_too_big_and_empty_and_no_entries():
    big = only_problem("x" * 2048, max_bytes=1024)
    assert (big.line, big.reason) == (0, "file is 2 KB, the limit is 1 KB")
    mb = only_problem(b"x" * int(25.3 * 1024 * 1024), max_bytes=20 * 1024 * 1024)
    assert mb.reason == "file is 25.3 MB, the limit is 20 MB"
    assert only_problem(" \n").reason == "file is empty"
    assert only_problem("entry_id,name\n\n").reason == "file has no entries"


@pytest.mark.parametrize(
    ("data", "looks_like"),
    [
        (b"PK\x03\x04rest", "an XLSX/zip file"),
        (b"%PDF-1.7", "a PDF file"),
        (b"<?xml version='1.0'?><a/>", "an XML file"),
        (b"<html></html>", "an XML file"),
        (b"entry_id,name\n1,a\x00b\n", "a binary file"),
        (b"\xff\xfee\x00n\x00", "a UTF-16 text file"),
        (b'{"id": "x"}\n', "a JSON file"),
    ],
)
def test_csv_that_is_something_else(data, looks_like):
    found = only_problem(data)
    assert (found.line, found.reason) == (0, f"file is not CSV: it looks like {looks_like}")


def test_undetectable_encoding():
    latin1 = "entry_id,name\n1,Brand\xae \xa9 \xb1\n".encode("latin-1")
    found = only_problem(latin1)
    assert found.reason == "cannot detect the encoding: not UTF-8 or CP1251"


def test_unknown_format_and_default_language():
    assert only_problem("entry_id,name\n1,a\n", "pdf").reason.startswith("unknown format 'pdf'")
    bad = only_problem("entry_id,name\n1,a\n", default_language="rus")
    assert bad.reason == "unknown default language 'rus'"


def test_problems_are_capped_at_1000():
    text = csv_rows(*[f",Name{i},,,," for i in range(1500)])
    assert len(problems(text)) == 1000


# --- Name hygiene and formulas -------------------------------------------------------------------


def test_mixed_script_zero_width_and_bidi_are_flagged_and_kept():
    text = csv_rows('1,Ислaм\u200b джамаат,"Al\u202eQaida@en",ru,,')
    parsed = parse(text)
    name, alias = parsed.entries[0].names
    assert name.text == "Ислaм\u200b джамаат"
    assert name.flags == ("mixed_script:Ислaм", "invisible:ZERO WIDTH SPACE")
    assert alias.text == "Al\u202eQaida"
    assert alias.flags == ("invisible:RIGHT-TO-LEFT OVERRIDE",)
    assert [(w.line, w.column, w.reason) for w in parsed.warnings] == [
        (2, "name", "mixed scripts in 'Ислaм' (Latin letters in a Cyrillic word)"),
        (2, "name", "invisible characters removed for matching: ZERO WIDTH SPACE"),
        (2, "aliases", "invisible characters removed for matching: RIGHT-TO-LEFT OVERRIDE"),
    ]


def test_formula_looking_values_are_kept_with_a_warning():
    text = csv_rows(
        '1,=HYPERLINK("x"),,en,,',
        "2,Beta,@Jihadist,en,,-cmd",
        "3,Gamma,,en,,-5 and +7 701 are fine",
        '4,"\tTabbed",,en,,',
        header="entry_id,name,aliases,language,status,notes",
    )
    parsed = parse(text)
    assert parsed.entries[0].primary_name == '=HYPERLINK("x")'
    assert parsed.entries[1].notes == "-cmd"
    assert parsed.entries[1].names[1].text == "@Jihadist"
    formula = [(w.line, w.column, w.reason) for w in parsed.warnings]
    assert formula == [
        (2, "name", "value starts with '=' and will be exported as text"),
        (3, "aliases", "value starts with '@' and will be exported as text"),
        (3, "notes", "value starts with '-' and will be exported as text"),
        (5, "name", "value starts with a tab and will be exported as text"),
    ]


def test_identical_content_gives_identical_hash():
    text = f"{HEADER}\n{GOOD_ROW}\n"
    first, again = parse(text), parse(text)
    moved = parse(f"{HEADER}\n\n\n{GOOD_ROW}\n".replace(",", ";"))
    assert first.content_hash() == again.content_hash() == moved.content_hash()
    changed = parse(f"{HEADER}\n{GOOD_ROW.replace('Терроризм', 'Экстремизм')}\n")
    assert changed.content_hash() != first.content_hash()


# --- XLSX ----------------------------------------------------------------------------------------


def xlsx(*rows: list) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_good_xlsx_with_date_cells_and_numbers():
    naive = datetime(2012, 5, 3)  # noqa: DTZ001 - Excel cells carry no time zone
    data = xlsx(
        ["Entry_ID", "Name", "Aliases", "Listed_On", "Category"],
        [101, "Джамаат Ансаруллах", "Ansarullah@en", naive, "экстремистская"],
        [None, None, None, None, None],
        ["KG-2", "Hizb ut-Tahrir", None, date(2003, 3, 28), None],
        ["KG-3", "Акромия", None, "03.03.2006", None],
    )
    parsed = parse(data, "xlsx")
    assert parsed.encoding == "xlsx"
    assert [(e.entry_id, e.line, e.listed_on, e.category) for e in parsed.entries] == [
        ("101", 2, date(2012, 5, 3), "extremist"),
        ("KG-2", 4, date(2003, 3, 28), "terrorist"),
        ("KG-3", 5, date(2006, 3, 3), "terrorist"),
    ]
    assert parsed.entries[0].names == (
        ParsedName("Джамаат Ансаруллах", "name", "ru"),
        ParsedName("Ansarullah", "alias", "en"),
    )


def test_bad_xlsx_rows_are_named_by_row():
    data = xlsx(["entry_id", "name", "listed_on"], ["1", "Alpha", "2020/01/01"], ["1", "", None])
    found = [(p.line, p.reason) for p in problems(data, "xlsx")]
    assert found == [
        (2, "bad date '2020/01/01' in listed_on (use YYYY-MM-DD or DD.MM.YYYY)"),
        (3, "empty name"),
        (3, "duplicate entry_id '1' (first on line 2)"),
    ]


def test_xlsx_that_is_something_else():
    assert only_problem(b"entry_id,name\n1,a\n", "xlsx").reason == (
        "file is not XLSX: it looks like a text file"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert only_problem(out.getvalue(), "xlsx").reason == (
        "file is not XLSX: it is a zip file without a workbook"
    )
    assert only_problem(b"PK\x03\x04garbage", "xlsx").reason == (
        "file is not XLSX: it is a damaged zip file"
    )


# --- UN consolidated XML -------------------------------------------------------------------------

UN_SMALL = """<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST>
  <INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>SOMEONE</FIRST_NAME></INDIVIDUAL>
  </INDIVIDUALS>
  <ENTITIES>
    <ENTITY><DATAID>6908</DATAID><FIRST_NAME> ISLAMIC GROUP </FIRST_NAME>
      <UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE><REFERENCE_NUMBER>QDe.900</REFERENCE_NUMBER>
      <LISTED_ON>2015-03-27-04:00</LISTED_ON><NAME_ORIGINAL_SCRIPT>الجماعة</NAME_ORIGINAL_SCRIPT>
      <COMMENTS1>Listed
         for support.</COMMENTS1>
      <ENTITY_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>IG</ALIAS_NAME></ENTITY_ALIAS>
      <ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY>
        <ALIAS_NAME>Islamic Group; Jamaa</ALIAS_NAME></ENTITY_ALIAS>
      <ENTITY_ALIAS><QUALITY/><ALIAS_NAME/></ENTITY_ALIAS>
      <LAST_DAY_UPDATED><VALUE>2016-01-01</VALUE></LAST_DAY_UPDATED>
    </ENTITY>
    {more}
  </ENTITIES>
</CONSOLIDATED_LIST>
"""


def test_un_entity_is_mapped_exactly():
    parsed = parse(UN_SMALL.format(more=""), "un-xml")
    assert parsed.encoding == "xml"
    (entry,) = parsed.entries
    assert entry.entry_id == "QDe.900"
    assert entry.line == 1
    assert entry.names == (
        ParsedName("ISLAMIC GROUP", "name", "en"),
        ParsedName("الجماعة", "alias", "ar"),
        ParsedName("IG", "weak_alias", "en"),
        ParsedName("Islamic Group; Jamaa", "alias", "en"),
    )
    assert entry.listed_on == date(2015, 3, 27)
    assert entry.legal_basis == "UN Security Council, Al-Qaida sanctions list, QDe.900"
    assert entry.reasons == "Listed for support."
    assert (
        entry.source_url == "https://main.un.org/securitycouncil/en/content/un-sc-consolidated-list"
    )
    assert entry.extra == {"un_reference": "QDe.900", "un_list_type": "Al-Qaida", "dataid": "6908"}


def test_un_entity_problems():
    more = (
        "<ENTITY><DATAID>7</DATAID><FIRST_NAME/><REFERENCE_NUMBER>QDe.901</REFERENCE_NUMBER>"
        "</ENTITY><ENTITY><DATAID>8</DATAID><FIRST_NAME>X</FIRST_NAME>"
        "<REFERENCE_NUMBER>QDe.900</REFERENCE_NUMBER><LISTED_ON>2015-02-30</LISTED_ON></ENTITY>"
    )
    found = [(p.line, p.reason) for p in problems(UN_SMALL.format(more=more), "un-xml")]
    assert found == [
        (2, "entity QDe.901 has no name"),
        (3, "bad date '2015-02-30' in LISTED_ON (use YYYY-MM-DD or DD.MM.YYYY)"),
        (3, "duplicate reference number 'QDe.900' (first on entity 1)"),
    ]


def test_un_2017_consolidated_list():
    parsed = parse_file(UN_2017.read_bytes(), filename=UN_2017.name, fmt="un-xml")
    assert len(parsed.entries) == 371
    entry = next(e for e in parsed.entries if e.entry_id == "QDe.115")
    assert entry.primary_name == "AL-QAIDA IN IRAQ"
    assert entry.listed_on == date(2004, 10, 18)
    assert entry.extra == {
        "un_reference": "QDe.115",
        "un_list_type": "Al-Qaida",
        "dataid": "113966",
    }
    assert entry.names[1] == ParsedName("القاعده في العراق", "alias", "ar")
    aliases = [n.text for n in entry.names[2:]]
    assert len(aliases) == 16
    assert aliases[:2] == ["AQI", "al-Tawhid"]
    assert "Islamic State in Iraq and the Levant" in aliases


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<CONSOLIDATED_LIST>&lol3;</CONSOLIDATED_LIST>
"""


@pytest.mark.parametrize(
    "text",
    [
        BILLION_LAUGHS,
        '<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://evil/x.dtd"><CONSOLIDATED_LIST/>',
        "<!DOCTYPE CONSOLIDATED_LIST><CONSOLIDATED_LIST/>",
    ],
)
def test_xml_with_dtd_or_entities_is_refused(text):
    found = only_problem(text, "un-xml")
    assert (found.line, found.reason) == (0, "XML with a DTD or entities is refused")


def test_xml_that_is_broken_or_not_xml_or_not_a_un_list():
    broken = only_problem("<CONSOLIDATED_LIST><ENTITIES>", "un-xml")
    assert broken.reason.startswith("not well-formed XML: ")
    assert only_problem("entry_id,name\n", "un-xml").reason == (
        "file is not XML: it looks like a text file"
    )
    other = only_problem("<html><body/></html>", "un-xml")
    assert other.reason == "not a UN consolidated list (the root element is <html>)"


# --- followthemoney JSON lines -------------------------------------------------------------------


def ftm_line(schema: str = "Organization", entity_id: str | None = "kz-1", **props) -> str:
    data: dict = {"schema": schema, "properties": {k: list(v) for k, v in props.items()}}
    if entity_id is not None:
        data["id"] = entity_id
    return json.dumps(data, ensure_ascii=False)


def test_ftm_organization_is_mapped():
    line = ftm_line(
        name=["Исламское государство", "Islamic State"],
        alias=["ИГИЛ", "Daesh"],
        weakAlias=["IS"],
        previousName=["Исламское государство Ирака"],
        abbreviation=["ISIS"],
        notes=["first", "second"],
        sourceUrl=["https://example.org/is", "https://example.org/other"],
        createdAt=["2014-06-29T10:00:00"],
        description=["Terrorist organisation"],
        topics=["crime.terror"],
    )
    parsed = parse(f"\n{line}\n", "ftm")
    assert parsed.encoding == "utf-8"
    (entry,) = parsed.entries
    assert (entry.entry_id, entry.line) == ("kz-1", 2)
    assert [(n.text, n.kind, n.lang) for n in entry.names] == [
        ("Исламское государство", "name", "ru"),
        ("Islamic State", "alias", "en"),
        ("ИГИЛ", "alias", "ru"),
        ("Daesh", "alias", "en"),
        ("IS", "weak_alias", "en"),
        ("Исламское государство Ирака", "previous_name", "ru"),
        ("ISIS", "abbreviation", "en"),
    ]
    assert entry.notes == "first\nsecond"
    assert entry.source_url == "https://example.org/is"
    assert entry.listed_on == date(2014, 6, 29)
    assert entry.reasons == "Terrorist organisation"
    assert entry.category == "terrorist"


def test_ftm_extremist_topic_and_default_language():
    line = ftm_line(schema="Company", name=["Ақ орда"], topics=["extremist"])
    (entry,) = parse(line, "ftm", default_language="kk").entries
    assert entry.category == "extremist"
    assert entry.names == (ParsedName("Ақ орда", "name", "kk"),)


def test_ftm_problems():
    lines = [
        ftm_line(schema="Person", name=["John Smith"]),
        "{not json",
        "[1, 2]",
        ftm_line(schema="NoSuchSchema", name=["x"]),
        ftm_line(entity_id=None, name=["Alpha"]),
        ftm_line(alias=["Only an alias"]),
        ftm_line(entity_id="kz-2", name=["Beta"]),
        ftm_line(entity_id="kz-2", name=["Gamma"]),
    ]
    found = [(p.line, p.reason) for p in problems("\n".join(lines), "ftm")]
    assert found[0] == (1, "not an organisation (Person)")
    assert found[1][0] == 2
    assert found[1][1].startswith("not valid JSON: ")
    assert found[2] == (3, "not a JSON object")
    assert found[3][0] == 4
    assert found[3][1].startswith("not a followthemoney entity: ")
    assert found[4:] == [
        (5, "entity has no id"),
        (6, "empty name"),
        (8, "duplicate entry_id 'kz-2' (first on line 7)"),
    ]


def test_ftm_that_is_not_json_lines():
    assert only_problem("entry_id,name\n1,a\n", "ftm").reason == (
        "file is not FtM JSON lines: it looks like a text file"
    )
    assert only_problem(b"PK\x03\x04", "ftm").reason == (
        "file is not FtM JSON lines: it looks like an XLSX/zip file"
    )


# --- Formats -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("list.csv", "csv"),
        ("Список.XLSX", "xlsx"),
        ("consolidated.xml", "un-xml"),
        ("entities.json", "ftm"),
        ("entities.jsonl", "ftm"),
        ("entities.ftm", "ftm"),
        ("list.xls", None),
        ("README", None),
    ],
)
def test_format_from_filename(name, fmt):
    assert format_from_filename(name) == fmt
    assert fmt is None or fmt in FORMATS
