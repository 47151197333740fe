"""Pages of the designations module: who may open and use them, and what they show."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from concord.core.models import Role
from concord.core.tests.factories import UserFactory
from concord.core.tests.matrix import Endpoint, assert_matrix
from concord.designations import parsers, services, tasks
from concord.designations.models import (
    AliasGroup,
    AliasName,
    Judgement,
    ListVersion,
    Publication,
    RoundAnswer,
    ScreeningRun,
)

pytestmark = pytest.mark.django_db

HEADER = "entry_id,name,aliases,language,category,listed_on,legal_basis,status"
KZ_CSV = "\n".join(
    [
        HEADER,
        "KZ-001,Аль-Каида,Al-Qaida@en,ru,terrorist,2004-10-15,Суд KZ,listed",
        "KZ-002,Исламское движение Узбекистана,ИДУ@ru,ru,terrorist,2004-10-15,Суд KZ,listed",
        "KZ-003,Исламская партия Восточного Туркестана,,ru,terrorist,2006-02-14,Суд KZ,listed",
        "KZ-004,Братья-мусульмане,,ru,terrorist,2006-02-14,Суд KZ,listed",
    ]
)
RU_CSV = "\n".join(
    [
        HEADER,
        "RU-001,«Аль-Каида»,Al-Qaeda@en,ru,terrorist,2003-02-14,ВС РФ,listed",
        "RU-002,Исламская партия Туркестана,,ru,terrorist,2006-06-02,ВС РФ,listed",
        "RU-003,Братья мусульмане (Аль-Ихван аль-Муслимун),,ru,terrorist,2003-02-14,ВС РФ,listed",
    ]
)


def _import(code: str, text: str) -> None:
    parsed = parsers.parse_file(text.encode(), filename=f"{code}.csv", fmt="csv")
    services.import_list(acting_user=None, national_list=services.get_list(code), parsed=parsed)


@pytest.fixture
def lists(state_kz, state_ru):
    services.ensure_lists()
    _import("KZ", KZ_CSV)
    _import("RU", RU_CSV)
    group = AliasGroup.objects.create(
        key="al-qaida", label_ru="Аль-Каида", label_en="Al-Qaida", source="UN QDe.004"
    )
    AliasName.objects.create(group=group, text="Аль-Каида", lang="ru")
    AliasName.objects.create(group=group, text="Al-Qaida", lang="en")
    services.bump_generation()
    return services.harmonise(acting_user=None)


@pytest.fixture
def client_for(client_for):
    """Core's `client_for`, asking for the English UI unless told otherwise: the pages render in
    Russian by default, and most assertions below read the English text. `language=None` sends
    no Accept-Language at all (the site's default, Russian)."""

    def make(user, language: str | None = "en"):
        client = client_for(user)
        if language is not None:
            client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
        return client

    return make


@pytest.fixture
def kz_viewer(agency_kz):
    return UserFactory(username="kz-viewer", agency=agency_kz, role=Role.VIEWER)


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _upload(text: str, name: str = "KZ.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


# --- pages -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "args", "expected"),
    [
        pytest.param(
            "designations:home",
            [],
            [
                "<strong>5</strong><span>organisations</span>",
                "<strong>2</strong><span>recognised by all states</span>",
                "<strong>3</strong><span>gaps between lists</span>",
                "<strong>2</strong><span>in the single list</span>",
                "<strong>1</strong><span>pairs to review</span>",
                "<strong>1</strong><span>listed by others, not by KZ</span>",
            ],
            id="home",
        ),
        pytest.param("designations:lists", [], ['<a href="/designations/lists/KZ/">'], id="lists"),
        pytest.param(
            "designations:list",
            ["kz"],
            ['<tr id="entry-KZ-002">', "Исламское движение Узбекистана", "Суд KZ"],
            id="list",
        ),
        pytest.param(
            "designations:organisations",
            [],
            ["5 organisations", ">Al-Qaida</a>", ">Islamskaya partiya Turkestana</a>"],
            id="matrix",
        ),
        pytest.param(
            "designations:review",
            [],
            ['data-left="kz:KZ-003" data-right="ru:RU-002"', 'data-shortcut="s"'],
            id="review",
        ),
        pytest.param("designations:rounds", [], ["No rounds yet."], id="rounds"),
        pytest.param("designations:publications", [], ["Nothing published yet."], id="published"),
        pytest.param(
            "designations:screen", [], ['id="screen-one"', 'id="screen-file"'], id="screen"
        ),
        pytest.param(
            "designations:aliases",
            [],
            ['id="group-al-qaida"', "UN QDe.004", '<span class="badge lang">en</span>'],
            id="aliases",
        ),
    ],
)
def test_pages_show_the_lists_to_an_analyst(
    lists, client_for, kz_analyst, url_name, args, expected
):
    html = _html(client_for(kz_analyst).get(reverse(url_name, args=args)))

    for text in expected:
        assert text in html


def test_anonymous_visitor_is_sent_to_sign_in(lists, client):
    response = client.get(reverse("designations:home"))

    assert response.status_code == 302
    assert response["Location"] == "/account/login/?next=/designations/"


def test_matrix_views_and_own_state_tab(lists, client_for, kz_coordinator):
    client = client_for(kz_coordinator)
    url = reverse("designations:organisations")

    recognised = _html(client.get(url, {"view": "recognised"}))
    own_gaps = _html(client.get(url, {"view": "gaps", "state": "KZ"}))

    assert "2 organisations" in recognised
    assert ">Al-Qaida</a>" in recognised
    assert "Islamskaya partiya Turkestana" not in recognised
    assert "1 organisation<" in own_gaps
    assert ">Islamskaya partiya Turkestana</a>" in own_gaps
    assert 'class="current" aria-current="page">Listed by others, not by KZ</a>' in own_gaps


def test_organisation_page_shows_names_and_recognition(lists, client_for, kz_analyst):
    html = _html(client_for(kz_analyst).get(reverse("designations:organisations")))
    org_id = html.split('href="/designations/organisations/co-', 1)[1].split("/", 1)[0]

    page = _html(
        client_for(kz_analyst).get(reverse("designations:organisation", args=[f"co-{org_id}"]))
    )

    assert 'lang="en">Al-Qaida</td>' in page
    assert "Суд KZ" in page
    assert "ВС РФ" in page
    assert (
        client_for(kz_analyst)
        .get(reverse("designations:organisation", args=["co-nothing"]))
        .status_code
        == 404
    )


# --- Russian, the default language -------------------------------------------------------------


def test_overview_and_organisations_are_in_russian_by_default(lists, client_for, kz_analyst):
    client = client_for(kz_analyst, language=None)

    home = _html(client.get(reverse("designations:home")))
    matrix = _html(client.get(reverse("designations:organisations")))

    assert '<html lang="ru">' in home
    assert "<h1>Единый список террористических организаций</h1>" in home
    for text in [
        "<strong>5</strong><span>организации</span>",
        "<strong>2</strong><span>признаны всеми государствами</span>",
        "<strong>3</strong><span>расхождения между перечнями</span>",
        "<strong>2</strong><span>в едином списке</span>",
        "<strong>1</strong><span>пары в очереди проверки</span>",
        "<strong>1</strong><span>включены другими государствами, но не KZ</span>",
    ]:
        assert text in home
    assert ">Аль-Каида</a>" in matrix
    assert ">Исламская партия Туркестана</a>" in matrix
    assert "Islamskaya partiya Turkestana" not in matrix


def test_review_queue_and_its_buttons_are_in_russian(lists, client_for, kz_analyst):
    html = _html(client_for(kz_analyst, language="ru").get(reverse("designations:review")))

    assert "<h1>Очередь проверки</h1>" in html
    assert (
        '<button type="submit" name="verdict" value="positive" data-shortcut="s" '
        'class="verdict-positive">Одна и та же <kbd>s</kbd></button>'
        '<button type="submit" name="verdict" value="negative" data-shortcut="d" '
        'class="verdict-negative">Разные <kbd>d</kbd></button>'
        '<button type="submit" name="verdict" value="unsure" data-shortcut="u" '
        'class="verdict-unsure">Не уверен <kbd>u</kbd></button>'
    ) in html


@pytest.mark.parametrize(
    ("language", "head", "badge"),
    [
        pytest.param(
            "ru",
            "<th>Раунд</th><th>Название</th><th>Дата открытия</th><th>Позиции</th><th>Статус</th>",
            '<span class="badge ok">открыт</span>',
            id="ru",
        ),
        pytest.param(
            "en",
            "<th>Round</th><th>Title</th><th>Opened</th><th>Items</th><th>Status</th>",
            '<span class="badge ok">open</span>',
            id="en",
        ),
    ],
)
def test_rounds_table_calls_the_open_or_closed_column_status(
    lists, client_for, secretariat_user, kz_analyst, language, head, badge
):
    services.round_open(acting_user=secretariat_user)

    html = _html(client_for(kz_analyst, language=language).get(reverse("designations:rounds")))

    table = html.split('<table class="data" id="rounds">', 1)[1].split("</table>", 1)[0]
    assert f"<thead><tr>{head}</tr></thead>" in table
    assert badge in table
    assert "Государство" not in table


# --- imports -----------------------------------------------------------------------------------


def test_only_the_states_coordinator_sees_the_import_form(lists, client_for, kz_coordinator):
    client = client_for(kz_coordinator)

    kz = _html(client.get(reverse("designations:list", args=["KZ"])))
    ru = _html(client.get(reverse("designations:list", args=["RU"])))

    assert 'action="/designations/lists/KZ/import/"' in kz
    assert 'id="import"' not in ru


def test_import_into_another_states_list_is_refused(lists, client_for, kz_coordinator):
    response = client_for(kz_coordinator).post(
        reverse("designations:list_import", args=["RU"]), {"file": _upload(RU_CSV, "RU.csv")}
    )

    assert response.status_code == 403
    assert ListVersion.objects.filter(national_list__code="RU").count() == 1


NEXT_KZ_CSV = "\n".join(
    [
        HEADER,
        "KZ-001,Аль-Каида,Al-Qaida@en,ru,terrorist,2004-10-15,Суд KZ (новая редакция),listed",
        "KZ-002,Исламское движение Узбекистана,ИДУ@ru;IMU@en,ru,terrorist,2004-10-15,Суд KZ,listed",
        "KZ-004,Братья-мусульмане,,ru,terrorist,2006-02-14,Суд KZ,listed",
        "KZ-005,Хизб ут-Тахрир,,ru,extremist,2005-03-28,Суд KZ,listed",
    ]
)


def test_preview_shows_the_diff_then_apply_makes_a_version(lists, client_for, kz_coordinator):
    client = client_for(kz_coordinator)

    preview = _html(
        client.post(
            reverse("designations:list_import", args=["KZ"]),
            {"file": _upload(NEXT_KZ_CSV), "as_of": "2025-01-31"},
        )
    )
    assert ListVersion.objects.filter(national_list__code="KZ").count() == 1
    sha = preview.split('name="sha256" value="', 1)[1].split('"', 1)[0]
    response = client.post(reverse("designations:list_import_apply", args=["KZ"]), {"sha256": sha})

    for change, count in [
        ("added", 1), ("removed", 1), ("renamed", 1), ("basis_changed", 1), ("changed", 0),
        ("returned", 0),
    ]:  # fmt: skip
        assert f'<li data-change="{change}">' in preview
        assert (
            preview.split(f'<li data-change="{change}">', 1)[1]
            .split("</li>")[0]
            .endswith(f"<strong>{count}</strong>")
        )
    assert "<code>KZ-005</code> Хизб ут-Тахрир" in preview
    assert "<code>KZ-003</code> Исламская партия Восточного Туркестана" in preview
    assert response.status_code == 302
    version = ListVersion.objects.get(national_list__code="KZ", number=2)
    assert (version.entry_count, str(version.as_of), version.created_by) == (
        4,
        "2025-01-31",
        kz_coordinator,
    )
    assert version.summary["added"] == ["KZ-005"]
    assert "designations_import" not in client.session


def test_apply_without_a_preview_changes_nothing(lists, client_for, kz_coordinator):
    response = client_for(kz_coordinator).post(
        reverse("designations:list_import_apply", args=["KZ"]), {"sha256": "0" * 64}
    )

    assert response.status_code == 302
    assert ListVersion.objects.filter(national_list__code="KZ").count() == 1


def test_refused_file_names_the_line_and_the_reason(lists, client_for, kz_coordinator):
    bad = HEADER + "\nKZ-009,,,ru,terrorist,2004-10-15,x,listed\n"

    response = client_for(kz_coordinator).post(
        reverse("designations:list_import", args=["KZ"]), {"file": _upload(bad)}
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "The file was refused" in html
    row = html.split("<tbody><tr>", 1)[1].split("</tr>", 1)[0]
    assert row.startswith("<td>2</td><td>name</td><td>")
    assert 'name="sha256"' not in html
    assert ListVersion.objects.filter(national_list__code="KZ").count() == 1


# --- review ------------------------------------------------------------------------------------


def test_judging_over_htmx_returns_the_next_pair_and_undo_soft_deletes(
    lists, client_for, kz_analyst
):
    client = client_for(kz_analyst)
    data = {"left_uid": "ru:RU-002", "right_uid": "kz:KZ-003", "verdict": "negative"}

    html = _html(client.post(reverse("designations:judge"), data, HTTP_HX_REQUEST="true"))
    judgement = Judgement.objects.current().get(left_uid="kz:KZ-003")
    undone = client.post(reverse("designations:undo", args=[judgement.pk]))

    assert (judgement.right_uid, judgement.verdict, judgement.user) == (
        "ru:RU-002",
        "negative",
        kz_analyst,
    )
    assert judgement.score == 0.5
    assert html.startswith('\n<div id="review-panel">')
    assert "<html" not in html
    assert 'id="queue-empty"' in html
    assert undone.status_code == 302
    assert undone["Location"] == reverse("designations:review")
    judgement.refresh_from_db()
    assert (judgement.deleted_at is not None, judgement.deleted_by) == (True, kz_analyst)


def test_judging_without_htmx_redirects_to_the_queue(lists, client_for, secretariat_user):
    data = {"left_uid": "kz:KZ-003", "right_uid": "ru:RU-002", "verdict": "positive"}

    response = client_for(secretariat_user).post(reverse("designations:judge"), data)

    assert response.status_code == 302
    assert response["Location"] == reverse("designations:review")
    assert Judgement.objects.current().filter(left_uid="kz:KZ-003", verdict="positive").count() == 1


def test_viewer_sees_the_queue_but_cannot_judge(lists, client_for, kz_viewer):
    client = client_for(kz_viewer)
    data = {"left_uid": "kz:KZ-003", "right_uid": "ru:RU-002", "verdict": "positive"}

    page = _html(client.get(reverse("designations:review")))
    response = client.post(reverse("designations:judge"), data)

    assert 'id="cannot-review"' in page
    assert 'data-shortcut="s"' not in page
    assert response.status_code == 403
    assert Judgement.objects.filter(user=kz_viewer).count() == 0


def test_write_endpoints_authorization_matrix(lists, personas, client_for):
    judge = {"left_uid": "kz:KZ-003", "right_uid": "ru:RU-002", "verdict": "unsure"}
    assert_matrix(
        personas,
        client_for,
        [
            Endpoint("POST", reverse("designations:judge"), {"anonymous": 302, "admin": 403},
                     default=302, data=judge, json_body=False),
            Endpoint("POST", reverse("designations:publish"), {"secretariat": 302,
                     "anonymous": 302}, default=403),
            Endpoint("POST", reverse("designations:round_open"), {"secretariat": 302,
                     "anonymous": 302}, default=403),
            Endpoint("POST", reverse("designations:list_import", args=["KZ"]),
                     {"anonymous": 302}, default=403, data={}, json_body=False),
        ],
    )  # fmt: skip


# --- alias store -------------------------------------------------------------------------------


def test_reviewer_adds_and_removes_an_alias_name(lists, client_for, kz_analyst):
    client = client_for(kz_analyst)
    group = AliasGroup.objects.get(key="al-qaida")

    client.post(
        reverse("designations:alias_name_add", args=[group.pk]),
        {"text": "Әл-Қаида", "lang": "kk", "kind": "name"},
    )
    added = AliasName.objects.get(text="Әл-Қаида")
    response = client.post(reverse("designations:alias_name_remove", args=[added.pk]))

    assert (added.lang, added.added_by) == ("kk", kz_analyst)
    assert response["Location"] == "/designations/aliases/#group-al-qaida"
    assert not AliasName.objects.filter(text="Әл-Қаида").exists()


def test_alias_group_needs_a_source(lists, client_for, kz_analyst):
    data = {"key": "imu", "label_ru": "ИДУ", "label_en": "IMU", "source": ""}

    response = client_for(kz_analyst).post(reverse("designations:alias_group_create"), data)

    assert response.status_code == 302
    assert not AliasGroup.objects.filter(key="imu").exists()


# --- rounds ------------------------------------------------------------------------------------


def test_round_opened_answered_and_shown_on_the_board(
    lists, client_for, secretariat_user, kz_coordinator
):
    opened = client_for(secretariat_user).post(
        reverse("designations:round_open"), {"title": "Spring"}
    )
    board_before = _html(client_for(kz_coordinator).get(reverse("designations:round", args=[1])))
    item_id = int(board_before.split('action="/designations/rounds/items/', 1)[1].split("/")[0])
    answered = client_for(kz_coordinator).post(
        reverse("designations:round_answer", args=[item_id]),
        {"answer": "object", "reason": "Нет решения суда"},
    )
    board = _html(client_for(secretariat_user).get(reverse("designations:round", args=[1])))

    assert opened["Location"] == reverse("designations:round", args=[1])
    assert board_before.count('class="inline-form answer-form"') == 1
    assert answered.status_code == 302
    answer = RoundAnswer.objects.get()
    assert (answer.state.code, answer.answer, answer.reason) == ("KZ", "object", "Нет решения суда")
    assert "1 of 3 answers given" in board
    assert '<span class="answer answer-object">object</span> — <q>Нет решения суда</q>' in board
    assert "answer-form" not in board
    assert 'id="close-round"' in board


def test_coordinator_cannot_answer_for_a_state_that_lists_the_organisation(
    lists, client_for, secretariat_user, kz_coordinator
):
    services.round_open(acting_user=secretariat_user)
    item = next(i for i in services.Round.objects.get().items.all() if "KZ" not in i.missing)

    response = client_for(kz_coordinator).post(
        reverse("designations:round_answer", args=[item.pk]), {"answer": "agree"}
    )

    assert response.status_code == 403
    assert RoundAnswer.objects.count() == 0


# --- publications ------------------------------------------------------------------------------


def test_publish_then_download_every_format(lists, client_for, secretariat_user, kz_analyst):
    response = client_for(secretariat_user).post(reverse("designations:publish"))
    publication = Publication.objects.get()
    client = client_for(kz_analyst)
    page = _html(client.get(reverse("designations:publication", args=[1])))

    assert response["Location"] == reverse("designations:publication", args=[1])
    assert (publication.number, publication.organisation_count) == (1, 2)
    assert '<span data-count="added">added: 2</span>' in page
    assert 'href="/designations/published/1/download/pdf/?lang=en"' in page
    for fmt, content_type in [
        ("csv", "text/csv; charset=utf-8"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("ftm", "application/x-ndjson; charset=utf-8"),
        ("json", "application/json; charset=utf-8"),
        ("pdf", "application/pdf"),
    ]:
        download = client.get(reverse("designations:download", args=[1, fmt]), {"lang": "en"})
        assert (download.status_code, download["Content-Type"]) == (200, content_type)
    assert client.get(reverse("designations:download", args=[1, "doc"])).status_code == 404
    assert (
        client.get(reverse("designations:download", args=[1, "csv"]), {"lang": "kk"}).status_code
        == 400
    )


# --- screening ---------------------------------------------------------------------------------


def test_screening_one_name_shows_the_match(lists, client_for, kz_analyst):
    response = client_for(kz_analyst).post(
        reverse("designations:screen"),
        {"name": "Al-Qaida", "threshold": "0.7"},
        HTTP_HX_REQUEST="true",
    )

    html = _html(response)
    assert html.startswith('\n<section id="results">')
    assert '<span class="badge warn">Match</span>' in html
    row = html.split('<tr class="hit">', 1)[1].split("</tr>", 1)[0]
    assert ">Al-Qaida</a></td><td>Аль-Каида</td>" in row
    assert "<dt>Both names are in the alias group</dt><dd>al-qaida</dd>" in row
    assert '<span class="flag">KZ</span> <span class="flag">RU</span>' in row


def test_screening_a_file_in_the_background(
    lists, client_for, kz_analyst, ru_analyst, django_capture_on_commit_callbacks
):
    client = client_for(kz_analyst)
    upload = SimpleUploadedFile("names.csv", b"name\nAl-Qaida\nNobody at all\n")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("designations:screen_file"), {"file": upload, "threshold": "0.7"}
        )
    run = ScreeningRun.objects.get()
    progress = _html(client.get(reverse("designations:run", args=[run.pk]), HTTP_HX_REQUEST="true"))
    download = client.get(reverse("designations:run_download", args=[run.pk]))

    assert response["Location"] == reverse("designations:run", args=[run.pk])
    assert (run.state, run.total, run.done, run.matched) == ("done", 2, 2, 1)
    assert 'hx-trigger="every 1s"' not in progress
    assert 'id="download"' in progress
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    lines = download.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("name,match,score,organisation_id")
    assert lines[1].startswith("Al-Qaida,True,")
    assert client_for(ru_analyst).get(reverse("designations:run", args=[run.pk])).status_code == 404
    assert (
        client_for(ru_analyst).get(reverse("designations:run_download", args=[run.pk])).status_code
        == 404
    )


def test_queued_run_polls_every_second(lists, client_for, kz_analyst):
    run = ScreeningRun.objects.create(user=kz_analyst, filename="x.txt", threshold=0.7, source=b"a")

    html = _html(client_for(kz_analyst).get(reverse("designations:run", args=[run.pk])))

    assert 'hx-trigger="every 1s"' in html
    assert (
        client_for(kz_analyst).get(reverse("designations:run_download", args=[run.pk])).status_code
        == 404
    )


def test_screening_file_with_too_many_names_is_refused(lists, client_for, kz_analyst):
    text = "\n".join(f"name {i}" for i in range(100_001))
    upload = SimpleUploadedFile("names.txt", text.encode())

    response = client_for(kz_analyst).post(reverse("designations:screen_file"), {"file": upload})

    assert response.status_code == 400
    assert "At most 100,000 names per file." in response.content.decode()
    assert ScreeningRun.objects.count() == 0


def test_a_run_whose_file_cannot_be_read_fails_with_the_reason(kz_analyst):
    run = ScreeningRun.objects.create(
        user=kz_analyst, filename="names.xlsx", threshold=0.7, source=b"not a workbook"
    )

    tasks.screen_file.enqueue(run.pk)

    run.refresh_from_db()
    assert (run.state, run.error) == ("failed", "BadZipFile: File is not a zip file")
    assert run.finished_at is not None


def test_screening_form_errors_come_back_in_the_htmx_partial(client_for, kz_analyst):
    response = client_for(kz_analyst).post(
        reverse("designations:screen"),
        {"name": "", "threshold": "2"},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    html = _html(response)
    assert html.startswith('\n<section id="results">\n  <ul class="error" role="alert">')
    assert html.count("<li>") == 2
    assert "<li>Name: This field is required.</li>" in html
    assert "<li>Threshold: Ensure this value is less than or equal to 1.0.</li>" in html
    assert ScreeningRun.objects.count() == 0


def test_alias_group_with_equal_labels_is_refused_not_crashed(lists, client_for, kz_analyst):
    data = {"key": "hamas", "label_ru": "HAMAS", "label_en": "HAMAS", "source": "press"}

    response = client_for(kz_analyst).post(reverse("designations:alias_group_create"), data)

    assert response.status_code == 302
    assert not AliasGroup.objects.filter(key="hamas").exists()
