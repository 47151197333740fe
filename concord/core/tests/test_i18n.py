"""Languages: Russian by default and as the fallback, English on request, and catalogues that are
complete (every Russian message translated, none fuzzy) and compiled (the .mo says what the .po
says)."""

from __future__ import annotations

import ast
import gettext as gnu_gettext
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from concord.core.demo import load_countries, load_organisation
from concord.core.models import Role

LOCALE = Path(__file__).resolve().parent.parent / "locale"
RU_PLURAL_FORMS = (
    "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
    "(n%100<10 || n%100>=20) ? 1 : 2);"
)


@pytest.fixture
def organisation():
    load_countries()
    load_organisation()


def _home(client, **headers) -> str:
    response = client.get("/", **headers)
    assert response.status_code == 200
    return response.content.decode()


def _assert_russian(html: str) -> None:
    assert '<html lang="ru">' in html
    assert "<h2>Председательство</h2>" in html
    assert "Казахстан, 2018" in html
    assert "<li>Совместное реагирование государств-членов на угрозы кибербезопасности</li>" in html
    assert "6 государств-членов" in html
    assert "Решение принято: Юбилейная сессия Совета коллективной безопасности, Минск" in html
    assert "30 ноября 2017" in html
    assert "<h3>Приоритеты</h3>" in html
    assert "kz-analyst · аналитик" in html
    assert settings.CONCORD_ORGANISATION["name_ru"] in html
    assert "Chairmanship" not in html


def _assert_english(html: str) -> None:
    assert '<html lang="en">' in html
    assert "<h2>Chairmanship</h2>" in html
    assert "Kazakhstan, 2018" in html
    assert "<li>Joint responses of member states to cybersecurity threats</li>" in html
    assert "6 member states" in html
    assert "Decided: Anniversary session of the Collective Security Council, Minsk" in html
    assert "kz-analyst · analyst" in html
    assert settings.CONCORD_ORGANISATION["name_en"] in html
    assert "Председательство" not in html


# --- Which language a page is in -----------------------------------------------------------


@pytest.mark.django_db
def test_home_is_in_russian_by_default(organisation, client_for, kz_analyst):
    _assert_russian(_home(client_for(kz_analyst)))


@pytest.mark.django_db
def test_choosing_english_switches_the_pages_and_back(organisation, client_for, kz_analyst):
    client = client_for(kz_analyst)

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    _assert_english(_home(client))

    client.post("/i18n/setlang/", {"language": "ru", "next": "/"})

    _assert_russian(_home(client))


@pytest.mark.django_db
def test_unknown_language_in_the_cookie_falls_back_to_russian(organisation, client_for, kz_analyst):
    client = client_for(kz_analyst)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"

    _assert_russian(_home(client, HTTP_ACCEPT_LANGUAGE="en"))


@pytest.mark.django_db
def test_an_unoffered_browser_language_falls_back_to_russian(organisation, client_for, kz_analyst):
    _assert_russian(_home(client_for(kz_analyst), HTTP_ACCEPT_LANGUAGE="de"))


@pytest.mark.django_db
def test_browser_asking_for_english_gets_english(organisation, client_for, kz_analyst):
    _assert_english(_home(client_for(kz_analyst), HTTP_ACCEPT_LANGUAGE="en"))


@pytest.mark.django_db
def test_sign_in_page_is_in_russian_by_default(client):
    html = client.get("/account/login/").content.decode()

    assert "Имя пользователя" in html
    assert "Пароль" in html
    assert "Войти" in html


# --- The catalogues ------------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str
    msgid_plural: str | None
    msgstrs: list[str]
    flags: set[str]


def _unquote(literal: str) -> str:
    value = ast.literal_eval(literal)
    assert isinstance(value, str)
    return value


def parse_po(path: Path) -> tuple[Entry, list[Entry]]:
    """The header entry and the live entries of a .po file (obsolete `#~` entries are skipped).

    Just enough of the format for the catalogues makemessages writes: flags, msgid, msgid_plural
    and msgstr / msgstr[N], each possibly continued on following quoted lines.
    """
    entries: list[Entry] = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip()):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        if not lines:
            continue
        flags: set[str] = set()
        fields: dict[str, str] = {}
        current = None
        for line in lines:
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                assert current is not None, f"{path}: continuation without a keyword: {line}"
                fields[current] += _unquote(line)
            else:
                keyword, _, literal = line.partition(" ")
                current = keyword
                fields[current] = _unquote(literal)
        if "msgid" not in fields:
            continue
        if "msgid_plural" in fields:
            msgstrs = [fields[key] for key in sorted(k for k in fields if k.startswith("msgstr["))]
        else:
            msgstrs = [fields["msgstr"]]
        entries.append(Entry(fields["msgid"], fields.get("msgid_plural"), msgstrs, flags))
    assert entries, f"{path} has no entries"
    header, *rest = entries
    assert header.msgid == "", f"{path} does not start with a header"
    return header, rest


def _po(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def _mo(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.mo"


def test_russian_catalogue_is_complete_and_not_fuzzy():
    header, entries = parse_po(_po("ru"))

    assert "fuzzy" not in header.flags
    assert RU_PLURAL_FORMS in header.msgstrs[0].replace("\n", "")
    assert len(entries) > 100
    untranslated = [e.msgid for e in entries if not all(s.strip() for s in e.msgstrs)]
    assert untranslated == []
    assert [e.msgid for e in entries if "fuzzy" in e.flags] == []
    for entry in entries:
        if entry.msgid_plural is not None:
            assert len(entry.msgstrs) == 3, entry.msgid


def test_russian_catalogue_keeps_the_placeholders():
    _, entries = parse_po(_po("ru"))
    placeholder = re.compile(r"%\(\w+\)[sd]|\{\w*\}")

    for entry in entries:
        wanted = sorted(placeholder.findall(entry.msgid))
        for msgstr in entry.msgstrs:
            assert sorted(placeholder.findall(msgstr)) == wanted, entry.msgid


def test_english_catalogue_exists_has_the_same_messages_and_no_fuzzy():
    en_header, en_entries = parse_po(_po("en"))
    _, ru_entries = parse_po(_po("ru"))

    assert "fuzzy" not in en_header.flags
    assert [e.msgid for e in en_entries if "fuzzy" in e.flags] == []
    assert {e.msgid for e in en_entries} <= {e.msgid for e in ru_entries}
    assert _mo("en").is_file()


@pytest.mark.parametrize("language", ["ru", "en"])
def test_compiled_catalogue_matches_the_po(language):
    """The .mo (committed, so no machine needs gettext) holds exactly the .po's translations."""
    _, entries = parse_po(_po(language))
    with _mo(language).open("rb") as handle:
        compiled = gnu_gettext.GNUTranslations(handle)
    catalog = compiled._catalog  # type: ignore[attr-defined]

    expected: dict[object, str] = {}
    for entry in entries:
        if entry.msgid_plural is None:
            if entry.msgstrs[0]:
                expected[entry.msgid] = entry.msgstrs[0]
        elif all(entry.msgstrs):
            for index, msgstr in enumerate(entry.msgstrs):
                expected[(entry.msgid, index)] = msgstr
    actual = {key: value for key, value in catalog.items() if key != ""}

    assert actual == expected


def _translate(language: str, msgid: str) -> str:
    """gettext in `language`. Tests pass msgids through here (never as literals to gettext) so
    that makemessages, which also reads this directory, does not collect them from the tests."""
    with translation.override(language):
        return translation.gettext(msgid)


def _member_states(language: str, n: int) -> str:
    singular, plural = "%(n)s member state", "%(n)s member states"
    with translation.override(language):
        return translation.ngettext(singular, plural, n) % {"n": n}


def test_russian_translations_are_active():
    assert _translate("ru", "Chairmanship") == "Председательство"
    assert _translate("ru", "Member states") == "Государства-члены"
    assert _translate("ru", "TLP:AMBER") == "TLP:AMBER"
    assert _translate("ru", "Russian") == "Русский"
    assert _translate("ru", "English") == "Английский"
    with translation.override("ru"):
        assert str(Role.COORDINATOR.label) == "координатор"
    forms = {n: _member_states("ru", n) for n in (1, 2, 5, 11, 21, 22, 25, 111, 112)}
    assert forms == {
        1: "1 государство-член",
        2: "2 государства-члена",
        5: "5 государств-членов",
        11: "11 государств-членов",
        21: "21 государство-член",
        22: "22 государства-члена",
        25: "25 государств-членов",
        111: "111 государств-членов",
        112: "112 государств-членов",
    }


def test_english_falls_back_to_the_msgids():
    assert _translate("en", "Chairmanship") == "Chairmanship"
    assert _translate("en", "Russian") == "Russian"
    with translation.override("en"):
        assert str(Role.COORDINATOR.label) == "coordinator"
    assert _member_states("en", 1) == "1 member state"
    assert _member_states("en", 6) == "6 member states"
