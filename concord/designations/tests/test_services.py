"""Services: imports and their versions, judgements and organisations, harmonisation, rounds,
publishing, the alias store and the screening log — each with its audit event."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction

from concord.core import audit
from concord.core.models import AuditEvent, Role
from concord.core.tests.factories import UserFactory
from concord.designations import queries, services
from concord.designations.models import (
    AliasName,
    Candidate,
    Entry,
    EntryRevision,
    Judgement,
    ListVersion,
    Publication,
)
from concord.designations.tests.factories import (
    KZ_BASIS,
    RU_BASIS,
    alias_group,
    events,
    import_rows,
    isil_group,
    kz_rows,
    org_of,
    parsed_list,
    row,
)

pytestmark = pytest.mark.django_db

NO_CHANGES = {
    "added": [],
    "removed": [],
    "renamed": [],
    "basis_changed": [],
    "changed": [],
    "returned": [],
}


def uid_groups() -> list[list[str]]:
    return sorted(o.uids for o in queries.organisations())


# --- imports -------------------------------------------------------------------------------------


def test_first_import_creates_version_one(lists, kz_coordinator):
    result = import_rows("KZ", kz_rows(), acting_user=kz_coordinator, file="kz-2015.csv")

    version = result.version
    assert (result.unchanged, result.dry_run) == (False, False)
    assert (version.number, version.entry_count, version.filename, version.format) == (
        1,
        3,
        "kz-2015.csv",
        "csv",
    )
    assert version.summary == {**NO_CHANGES, "added": ["KZ-1", "KZ-2", "KZ-3"], "unchanged": 0}
    assert version.content_hash == parsed_list(kz_rows()).content_hash()
    assert version.created_by == kz_coordinator
    entry = Entry.objects.get(uid="kz:KZ-1")
    assert (entry.listed_on, entry.legal_basis, entry.present, entry.first_version) == (
        date(2015, 10, 15),
        KZ_BASIS,
        True,
        version,
    )
    assert [(n.text, n.kind, n.lang) for n in entry.names.all()] == [
        ("Исламское государство", "name", "ru"),
        ("ИГИЛ", "alias", "ru"),
    ]
    assert list(EntryRevision.objects.values_list("entry__uid", "changes")) == [
        ("kz:KZ-1", ["added"]),
        ("kz:KZ-2", ["added"]),
        ("kz:KZ-3", ["added"]),
    ]


def test_import_is_audited(lists, kz_coordinator):
    result = import_rows("KZ", kz_rows(), acting_user=kz_coordinator, file="kz-2015.csv")

    event = AuditEvent.objects.get(action="designations.import")
    assert (event.actor_username, event.object_type, event.object_id) == (
        "kz-coordinator",
        "designations.listversion",
        str(result.version.pk),
    )
    assert json.loads(event.summary) == {
        "list": "KZ",
        "version": 1,
        "file": "kz-2015.csv",
        "format": "csv",
        "entries": 3,
        "content_hash": result.version.content_hash,
        "added": 3,
        "removed": 0,
        "renamed": 0,
        "basis_changed": 0,
        "changed": 0,
        "returned": 0,
    }
    assert audit.verify().ok is True


def test_identical_reimport_creates_no_version(lists):
    import_rows("KZ", kz_rows())

    again = import_rows("KZ", kz_rows())

    assert (again.unchanged, again.version) == (True, None)
    assert again.diff.as_dict() == {**NO_CHANGES, "unchanged": 3}
    assert ListVersion.objects.count() == 1
    assert len(events("designations.import")) == 1


def test_reimport_records_each_kind_of_change(lists):
    first = import_rows("KZ", kz_rows())
    changed = [
        row(
            "KZ-1",
            "Исламское государство",
            "ИГИЛ",
            listed_on=date(2015, 10, 15),
            legal_basis="Новое решение",
        ),
        row("KZ-2", "Движение Талибан", listed_on=date(2015, 10, 15), legal_basis=KZ_BASIS),
        row("KZ-4", "Джабхат ан-Нусра"),
    ]

    second = import_rows("KZ", changed)

    assert second.version.number == 2
    assert second.version.summary == {
        **NO_CHANGES,
        "added": ["KZ-4"],
        "removed": ["KZ-3"],
        "renamed": ["KZ-2"],
        "basis_changed": ["KZ-1"],
        "unchanged": 0,
    }
    removed = Entry.objects.get(uid="kz:KZ-3")
    assert (removed.present, removed.last_version_id) == (False, first.version.pk)
    assert [n.text for n in Entry.objects.get(uid="kz:KZ-2").names.all()] == ["Движение Талибан"]
    assert list(
        EntryRevision.objects.filter(version=second.version)
        .order_by("entry__entry_id")
        .values_list("entry__entry_id", "changes")
    ) == [
        ("KZ-1", ["basis_changed"]),
        ("KZ-2", ["renamed"]),
        ("KZ-3", ["removed"]),
        ("KZ-4", ["added"]),
    ]


def test_an_entry_that_comes_back_is_returned(lists):
    import_rows("KZ", kz_rows())
    import_rows("KZ", kz_rows()[:2])

    third = import_rows("KZ", kz_rows())

    assert third.version.summary == {**NO_CHANGES, "returned": ["KZ-3"], "unchanged": 2}
    assert Entry.objects.get(uid="kz:KZ-3").present is True
    assert list(
        EntryRevision.objects.filter(entry__uid="kz:KZ-3").values_list("version__number", "changes")
    ) == [(1, ["added"]), (2, ["removed"]), (3, ["returned"])]


def test_dry_run_applies_nothing(lists):
    import_rows("KZ", kz_rows())
    audit_before = audit.head()

    result = import_rows("KZ", kz_rows()[:1], dry_run=True)

    assert (result.dry_run, result.version, result.unchanged) == (True, None, False)
    assert result.diff.removed == ["KZ-2", "KZ-3"]
    assert ListVersion.objects.count() == 1
    assert Entry.objects.present().count() == 3
    assert audit.head() == audit_before


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("kz_coordinator", "RU"),
        ("kz_analyst", "KZ"),
        ("kz_coordinator", "UN"),
        ("secretariat_user", "KZ"),
    ],
    ids=["other-state", "analyst", "un-by-coordinator", "state-list-by-secretariat"],
)
def test_only_the_list_owner_imports(lists, request, persona, code):
    user = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied, match=f"only a coordinator of {code} may change"):
        import_rows(code, kz_rows(), acting_user=user)

    assert (ListVersion.objects.count(), Entry.objects.count(), AuditEvent.objects.count()) == (
        0,
        0,
        0,
    )


def test_secretariat_imports_the_un_list(lists, secretariat_user):
    result = import_rows(
        "UN",
        [row("QDe.115", "Islamic State in Iraq and the Levant", lang="en")],
        acting_user=secretariat_user,
    )

    assert (result.national_list.code, result.version.number) == ("UN", 1)
    assert Entry.objects.get().uid == "un:QDe.115"


def test_unknown_list_is_refused(lists):
    with pytest.raises(ValidationError, match=r"unknown list XX \(known: KZ, RU, UN\)"):
        services.get_list("XX")


# --- judgements and organisations ----------------------------------------------------------------


def test_positive_judgement_merges_and_undo_splits(imported, kz_analyst):
    judgement = services.judge(
        acting_user=kz_analyst, left_uid="ru:RU-2", right_uid="kz:KZ-2", verdict="positive"
    )
    merged = org_of("kz:KZ-2")

    services.undo_judgement(acting_user=kz_analyst, judgement=judgement)

    assert (judgement.left_uid, judgement.right_uid) == ("kz:KZ-2", "ru:RU-2")
    assert (merged.uids, merged.listed_by, merged.missing) == (
        ["kz:KZ-2", "ru:RU-2"],
        ["KZ", "RU"],
        [],
    )
    assert (merged.name_ru, merged.name_en) == ("Талибан", "Taleban")
    assert org_of("kz:KZ-2").uids == ["kz:KZ-2"]
    assert org_of("ru:RU-2").uids == ["ru:RU-2"]
    kept = Judgement.objects.get()
    assert (kept.deleted_by, kept.deleted_at is not None) == (kz_analyst, True)
    assert Judgement.objects.current().count() == 0
    assert [e["verdict"] for e in events("designations.judge")] == ["positive"]
    assert events("designations.judge.undo") == [{"left": "kz:KZ-2", "right": "ru:RU-2"}]


def test_a_new_judgement_replaces_the_pairs_previous_one(imported, kz_analyst):
    services.judge(
        acting_user=kz_analyst, left_uid="kz:KZ-2", right_uid="ru:RU-2", verdict="unsure"
    )

    services.judge(
        acting_user=kz_analyst, left_uid="kz:KZ-2", right_uid="ru:RU-2", verdict="positive"
    )

    rows = Judgement.objects.order_by("id")
    assert [(j.verdict, j.deleted_at is None) for j in rows] == [
        ("unsure", False),
        ("positive", True),
    ]


def test_undoing_twice_is_refused(imported, kz_analyst):
    judgement = services.judge(
        acting_user=kz_analyst, left_uid="kz:KZ-2", right_uid="ru:RU-2", verdict="positive"
    )
    services.undo_judgement(acting_user=kz_analyst, judgement=judgement)

    with pytest.raises(ValidationError, match="already undone"):
        services.undo_judgement(acting_user=kz_analyst, judgement=judgement)


@pytest.mark.parametrize(
    ("left", "right", "verdict", "message"),
    [
        ("kz:KZ-1", "kz:KZ-1", "positive", "cannot be judged against itself"),
        ("kz:KZ-1", "ru:RU-9", "positive", "unknown entry in the pair"),
        ("kz:KZ-1", "ru:RU-1", "maybe", "unknown judgement maybe"),
    ],
    ids=["itself", "unknown-entry", "unknown-verdict"],
)
def test_bad_judgements_are_refused(imported, kz_analyst, left, right, verdict, message):
    with pytest.raises(ValidationError, match=message):
        services.judge(acting_user=kz_analyst, left_uid=left, right_uid=right, verdict=verdict)

    assert Judgement.objects.count() == 0


def test_a_negative_link_blocks_joining_through_a_third_entry(imported, lists, kz_analyst):
    import_rows("UN", [row("TAe.010", "Taliban", lang="en")])
    services.judge(
        acting_user=kz_analyst, left_uid="kz:KZ-2", right_uid="ru:RU-2", verdict="negative"
    )
    services.judge(
        acting_user=kz_analyst, left_uid="ru:RU-2", right_uid="un:TAe.010", verdict="positive"
    )

    with pytest.raises(ValidationError, match="contain entries judged different"):
        services.judge(
            acting_user=kz_analyst, left_uid="kz:KZ-2", right_uid="un:TAe.010", verdict="positive"
        )

    assert Judgement.objects.current().count() == 2
    assert org_of("kz:KZ-2").uids == ["kz:KZ-2"]


def test_a_negative_judgement_can_be_replaced_by_a_positive_one(imported, kz_analyst):
    services.judge(
        acting_user=kz_analyst, left_uid="kz:KZ-2", right_uid="ru:RU-2", verdict="negative"
    )

    services.judge(
        acting_user=kz_analyst, left_uid="kz:KZ-2", right_uid="ru:RU-2", verdict="positive"
    )

    assert org_of("kz:KZ-2").uids == ["kz:KZ-2", "ru:RU-2"]


def test_viewers_do_not_judge(imported, agency_kz):
    viewer = UserFactory(username="kz-viewer", agency=agency_kz, role=Role.VIEWER)

    with pytest.raises(PermissionDenied):
        services.judge(
            acting_user=viewer, left_uid="kz:KZ-2", right_uid="ru:RU-2", verdict="positive"
        )

    assert Judgement.objects.count() == 0


# --- harmonisation -------------------------------------------------------------------------------


def test_harmonise_merges_obvious_pairs_and_queues_the_rest(imported):
    report = services.harmonise(acting_user=None)

    assert (report.entries, report.pairs, report.auto_merged, report.queued, report.blocked) == (
        6,
        3,
        1,
        2,
        0,
    )
    assert list(
        Judgement.objects.values_list("left_uid", "right_uid", "verdict", "score", "auto")
    ) == [("kz:KZ-1", "ru:RU-1", "positive", 1.0, True)]
    assert list(Candidate.objects.values_list("left_uid", "right_uid", "score")) == [
        ("kz:KZ-2", "ru:RU-2", 0.81),
        ("kz:KZ-3", "ru:RU-3", 0.5),
    ]
    mismatch = Candidate.objects.get(left_uid="kz:KZ-3")
    assert mismatch.features["qualifier_mismatch"] == [["caucasus"], ["yemen"]]
    assert (mismatch.features["query"], mismatch.features["matched"]) == (
        "ISIL – Caucasus Province",
        "ISIL – Yemen Province",
    )
    assert uid_groups() == [
        ["kz:KZ-1", "ru:RU-1"],
        ["kz:KZ-2"],
        ["kz:KZ-3"],
        ["ru:RU-2"],
        ["ru:RU-3"],
    ]
    assert events("designations.harmonise") == [
        {"entries": 6, "pairs": 3, "auto_merged": 1, "queued": 2, "auto_threshold": 0.9}
    ]


def test_harmonise_never_merges_a_qualifier_mismatch_even_with_a_low_threshold(imported):
    isil_group()

    report = services.harmonise(acting_user=None, auto_threshold=0.3)

    assert report.auto_merged == 2
    assert set(Judgement.objects.values_list("left_uid", "right_uid")) == {
        ("kz:KZ-1", "ru:RU-1"),
        ("kz:KZ-2", "ru:RU-2"),
    }
    assert list(Candidate.objects.values_list("left_uid", "right_uid", "score")) == [
        ("kz:KZ-3", "ru:RU-3", 0.5)
    ]
    assert Candidate.objects.get().features["qualifier_mismatch"] == [["caucasus"], ["yemen"]]
    assert org_of("kz:KZ-3").uids == ["kz:KZ-3"]
    assert org_of("ru:RU-3").uids == ["ru:RU-3"]


def test_harmonise_skips_judged_pairs_and_counts_blocked_ones(imported, lists, kz_analyst):
    import_rows("UN", [row("QDe.115", "Исламское государство")])
    services.judge(
        acting_user=kz_analyst, left_uid="kz:KZ-1", right_uid="ru:RU-1", verdict="negative"
    )
    services.judge(
        acting_user=kz_analyst, left_uid="ru:RU-1", right_uid="un:QDe.115", verdict="positive"
    )

    report = services.harmonise(acting_user=kz_analyst)

    assert (report.auto_merged, report.blocked) == (0, 1)
    assert org_of("kz:KZ-1").uids == ["kz:KZ-1"]
    assert org_of("un:QDe.115").uids == ["ru:RU-1", "un:QDe.115"]
    assert Judgement.objects.current().count() == 2


def test_harmonise_reports_only_the_pairs_it_queued(lists):
    import_rows("KZ", [row("KZ-1", "Taliban", lang="en")])
    import_rows("RU", [row("RU-1", "Taleban", lang="en")])
    import_rows("UN", [row("TAe.010", "Taliban", "Taleban", lang="en")])

    report = services.harmonise(acting_user=None)

    assert (report.pairs, report.auto_merged) == (3, 2)
    assert Candidate.objects.count() == 0  # KZ-1 ~ RU-1 ended up in one organisation
    assert report.queued == 0


def test_harmonise_needs_a_reviewer(imported, agency_kz):
    viewer = UserFactory(username="kz-viewer", agency=agency_kz, role=Role.VIEWER)

    with pytest.raises(PermissionDenied):
        services.harmonise(acting_user=viewer)

    assert (Judgement.objects.count(), Candidate.objects.count()) == (0, 0)


# --- recognition matrix --------------------------------------------------------------------------


def test_recognition_matrix_cells(imported, kz_analyst):
    services.harmonise(acting_user=None)
    orgs = queries.organisations()

    isil = org_of("kz:KZ-1")
    taliban = org_of("kz:KZ-2")

    assert isil.recognition == {
        "KZ": {
            "listed": True,
            "entry_id": "KZ-1",
            "listed_on": "2015-10-15",
            "legal_basis": KZ_BASIS,
            "status": "listed",
            "delisted_on": None,
        },
        "RU": {
            "listed": True,
            "entry_id": "RU-1",
            "listed_on": "2014-12-29",
            "legal_basis": RU_BASIS,
            "status": "listed",
            "delisted_on": None,
        },
    }
    assert taliban.recognition["RU"] == {"listed": False}
    assert (taliban.listed_by, taliban.missing, taliban.is_gap) == (["KZ"], ["RU"], True)
    assert [o.uids for o in queries.recognised_by_all(orgs)] == [["kz:KZ-1", "ru:RU-1"]]
    assert sorted(o.uids[0] for o in queries.gaps(orgs)) == [
        "kz:KZ-2",
        "kz:KZ-3",
        "ru:RU-2",
        "ru:RU-3",
    ]
    assert sorted(o.uids[0] for o in queries.gaps(orgs, state="KZ")) == ["ru:RU-2", "ru:RU-3"]
    assert isil.in_single_list is True
    assert taliban.in_single_list is False


def test_a_delisted_entry_is_not_a_listing(lists):
    import_rows("KZ", [row("KZ-2", "Талибан", status="delisted")])
    import_rows("RU", [row("RU-2", "Талибан")])
    services.harmonise(acting_user=None)

    org = org_of("kz:KZ-2")

    assert (org.uids, org.listed_by, org.missing) == (["kz:KZ-2", "ru:RU-2"], ["RU"], ["KZ"])
    assert org.recognition["KZ"]["status"] == "delisted"


# --- alias store and screening log ---------------------------------------------------------------


def test_alias_name_add_is_audited(db, kz_analyst):
    group = isil_group()

    name = services.alias_name_add(
        acting_user=kz_analyst, group=group, text=" Islamic  State of Iraq ", lang="en"
    )

    assert (name.text, name.lang, name.kind, name.added_by) == (
        "Islamic State of Iraq",
        "en",
        "name",
        kz_analyst,
    )
    assert events("designations.alias.add") == [
        {"group": "isil", "name": "Islamic State of Iraq", "lang": "en", "kind": "name"}
    ]


def test_a_name_of_another_group_is_refused(db, kz_analyst):
    isil_group()
    nusra = alias_group("nusra", "Джабхат ан-Нусра", "Jabhat al-Nusra", [("Jabhat al-Nusra", "en")])

    with pytest.raises(
        ValidationError, match="Исламского государства is already a name of Islamic State"
    ):
        services.alias_name_add(
            acting_user=kz_analyst, group=nusra, text="Исламского государства", lang="ru"
        )

    assert AliasName.objects.filter(group=nusra).count() == 1
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "lang", "kind", "message"),
    [
        ("  ", "en", "name", "an alias needs a name"),
        ("ISIS", "xx", "name", "unknown language xx"),
        ("ISIS", "en", "nick", "unknown name type nick"),
    ],
    ids=["empty", "language", "kind"],
)
def test_bad_alias_names_are_refused(db, kz_analyst, text, lang, kind, message):
    group = isil_group()

    with pytest.raises(ValidationError, match=message):
        services.alias_name_add(
            acting_user=kz_analyst, group=group, text=text, lang=lang, kind=kind
        )


def test_screening_is_logged_without_names(db, kz_analyst):
    services.screening_logged(acting_user=kz_analyst, channel="api", count=3, matched=1)

    event = AuditEvent.objects.get()
    assert (event.action, event.actor_username, event.object_type) == (
        "designations.screen",
        "kz-analyst",
        "designations.screening",
    )
    assert json.loads(event.summary) == {"channel": "api", "queries": 3, "matched": 1}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL triggers")
@pytest.mark.parametrize("operation", ["update", "delete"])
def test_postgres_refuses_changing_a_publication_behind_the_model(
    imported, secretariat_user, operation
):
    count = services.publish(acting_user=secretariat_user).organisation_count
    rows = Publication.objects.filter(number=1)
    change = {
        "update": lambda: rows.update(organisation_count=count + 1),
        "delete": rows.delete,
    }[operation]
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        change()
    assert Publication.objects.get(number=1).organisation_count == count


def test_warm_up_builds_the_screener_before_the_first_request(imported):
    from concord.designations import screening

    screening.warm_up()

    assert queries._screener_cache["generation"] == queries.generation()
    assert queries.screener() is queries._screener_cache["screener"]
