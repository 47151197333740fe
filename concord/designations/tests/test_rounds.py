"""Services of the harmonisation procedure: rounds and their answers, consensus, and the
immutable published versions of the single list."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from concord.core import audit
from concord.designations import services, snapshots
from concord.designations.models import Answer, Publication, RoundAnswer, RoundItem
from concord.designations.tests.factories import events, org_of

pytestmark = pytest.mark.django_db


# --- rounds --------------------------------------------------------------------------------------


@pytest.fixture
def open_round(imported, secretariat_user):
    services.harmonise(acting_user=None)
    return services.round_open(acting_user=secretariat_user, title="Round of 2026")


def item_for(uid: str) -> RoundItem:
    return next(i for i in RoundItem.objects.all() if uid in i.entry_uids)


def test_round_open_puts_every_gap(open_round):
    items = sorted(
        RoundItem.objects.values_list("entry_uids", "listed_by", "missing"), key=lambda i: i[0]
    )

    assert (open_round.number, open_round.title, open_round.is_open) == (1, "Round of 2026", True)
    assert items == [
        (["kz:KZ-2"], ["KZ"], ["RU"]),
        (["kz:KZ-3"], ["KZ"], ["RU"]),
        (["ru:RU-2"], ["RU"], ["KZ"]),
        (["ru:RU-3"], ["RU"], ["KZ"]),
    ]
    assert events("designations.round.open") == [{"number": 1, "items": 4}]


def test_only_one_round_is_open_and_only_the_secretariat_opens(
    open_round, secretariat_user, kz_coordinator
):
    with pytest.raises(ValidationError, match="a round is already open"):
        services.round_open(acting_user=secretariat_user)
    with pytest.raises(PermissionDenied, match="only the Secretariat"):
        services.round_close(acting_user=kz_coordinator, harmonisation_round=open_round)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [(Answer.AGREE, ""), (Answer.PROCEDURE, ""), (Answer.OBJECT, "no court decision in Russia")],
)
def test_a_coordinator_of_a_missing_state_answers(open_round, ru_coordinator, answer, reason):
    item = item_for("kz:KZ-2")

    saved = services.round_answer(
        acting_user=ru_coordinator, item=item, answer=answer, reason=reason
    )

    assert (saved.state.code, saved.answer, saved.reason, saved.user) == (
        "RU",
        answer,
        reason,
        ru_coordinator,
    )
    assert events("designations.round.answer") == [
        {"round": 1, "organisation": item.organisation_id, "state": "RU", "answer": answer}
    ]


def test_an_objection_needs_a_reason(open_round, ru_coordinator):
    with pytest.raises(ValidationError, match="an objection needs a reason"):
        services.round_answer(
            acting_user=ru_coordinator, item=item_for("kz:KZ-2"), answer="object", reason="  "
        )

    assert RoundAnswer.objects.count() == 0


@pytest.mark.parametrize(
    ("persona", "message"),
    [
        ("kz_coordinator", "KZ already lists this organisation"),
        ("ru_analyst", "only a member state's coordinator answers"),
        ("secretariat_user", "only a member state's coordinator answers"),
    ],
    ids=["listing-state", "analyst", "secretariat"],
)
def test_others_do_not_answer(open_round, request, persona, message):
    with pytest.raises(PermissionDenied, match=message):
        services.round_answer(
            acting_user=request.getfixturevalue(persona), item=item_for("kz:KZ-2"), answer="agree"
        )

    assert RoundAnswer.objects.count() == 0


def test_no_answer_after_the_round_is_closed(open_round, secretariat_user, ru_coordinator):
    services.round_close(acting_user=secretariat_user, harmonisation_round=open_round)

    with pytest.raises(ValidationError, match="this round is closed"):
        services.round_answer(acting_user=ru_coordinator, item=item_for("kz:KZ-2"), answer="agree")

    assert RoundAnswer.objects.count() == 0


def test_agreement_of_every_missing_state_puts_it_in_the_single_list(
    open_round, ru_coordinator, secretariat_user
):
    services.round_answer(acting_user=ru_coordinator, item=item_for("kz:KZ-2"), answer="agree")
    services.round_answer(acting_user=ru_coordinator, item=item_for("kz:KZ-3"), answer="procedure")

    taliban, branch = org_of("kz:KZ-2"), org_of("kz:KZ-3")

    assert (taliban.in_single_list, taliban.agreed) == (True, {"RU"})
    assert (branch.in_single_list, branch.agreed) == (False, set())
    services.round_close(acting_user=secretariat_user, harmonisation_round=open_round)
    second = services.round_open(acting_user=secretariat_user)
    assert sorted(second.items.values_list("entry_uids", flat=True)) == [
        ["kz:KZ-3"],
        ["ru:RU-2"],
        ["ru:RU-3"],
    ]


# --- publishing ----------------------------------------------------------------------------------


def test_publish_freezes_the_list_with_the_audit_head(imported, secretariat_user):
    services.harmonise(acting_user=None)
    head = audit.head()

    publication = services.publish(acting_user=secretariat_user)

    assert (publication.number, publication.audit_seq, publication.audit_hash) == (1, *head)
    assert publication.content["audit_head"] == {"seq": head[0], "hash": head[1]}
    assert publication.content_hash == snapshots.content_hash(publication.content)
    assert publication.organisation_count == 1
    assert publication.content["states"] == ["KZ", "RU"]
    assert len(publication.content["organisations"]) == 5
    isil = next(o for o in publication.content["organisations"] if o["in_single_list"])
    assert publication.diff == {
        "added": [{"id": isil["id"], "name_ru": isil["name_ru"], "name_en": isil["name_en"]}],
        "removed": [],
        "changed": [],
        "counts": {"added": 1, "removed": 0, "changed": 0, "total": 1},
    }
    assert events("designations.publish") == [
        {
            "version": 1,
            "content_hash": publication.content_hash,
            "organisations": 1,
            "added": 1,
            "removed": 0,
            "changed": 0,
            "total": 1,
        }
    ]
    assert audit.verify().ok is True


def test_a_publication_is_immutable(imported, secretariat_user):
    publication = services.publish(acting_user=secretariat_user)

    with pytest.raises(ValueError, match="immutable"):
        publication.save()
    with pytest.raises(ValueError, match="immutable"):
        publication.delete()

    assert Publication.objects.count() == 1


def test_second_publication_is_diffed_against_the_first(
    open_round, ru_coordinator, secretariat_user
):
    first = services.publish(acting_user=secretariat_user)
    services.round_answer(acting_user=ru_coordinator, item=item_for("kz:KZ-2"), answer="agree")

    second = services.publish(acting_user=secretariat_user)

    taliban = org_of("kz:KZ-2")
    assert (first.number, second.number, second.organisation_count) == (1, 2, 2)
    assert second.diff == {
        "added": [{"id": taliban.id, "name_ru": "Талибан", "name_en": "Taliban"}],
        "removed": [],
        "changed": [],
        "counts": {"added": 1, "removed": 0, "changed": 0, "total": 2},
    }
    assert second.audit_seq > first.audit_seq


def test_only_the_secretariat_publishes(imported, kz_coordinator):
    with pytest.raises(PermissionDenied, match="only the Secretariat"):
        services.publish(acting_user=kz_coordinator)

    assert Publication.objects.count() == 0
