"""Situation reports: requesting one, generating it in the background (tasks run immediately in
tests), what it contains (exactly what its author may see), its marking, failures and retries.

The world (`build_world`, reused by test_sitrep_views and test_sitrep_pdf): a region of concern
in northern Afghanistan and events of January 2025 —

| event         | owner | TLP   | in region | start       | dead (best, per source)     |
|---------------|-------|-------|-----------|-------------|-----------------------------|
| kz_clash      | KZ    | AMBER | yes       | 5 Jan 2025  | national 5, open source 7   |
| kz_strike     | KZ    | AMBER | yes       | 15 Jan 2025 | national 10                 |
| open_protest  | RU    | GREEN | yes       | 20 Jan 2025 | —                           |
| ru_raid       | RU    | AMBER | yes       | 22 Jan 2025 | national 4                  |
| kz_outside    | KZ    | AMBER | no        | 10 Jan 2025 | —                           |
| kz_february   | KZ    | AMBER | yes       | 3 Feb 2025  | national 2                  |
| kz_cancelled  | KZ    | AMBER | yes       | 12 Jan 2025 | — (cancelled)               |

KZ's analyst sees kz_clash, kz_strike, open_protest: 3 events, 17 dead (7 + 10: an event's
dead is the largest figure among its sources). RU's analyst sees open_protest and ru_raid.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from concord.core.models import AuditEvent, User
from concord.crisis import access, sitrep_render, sitreps
from concord.crisis.models import (
    Crisis,
    Event,
    EventFigure,
    EventSource,
    Region,
    RegionMembership,
    Sitrep,
)
from concord.crisis.tests.factories import EventFactory

pytestmark = pytest.mark.django_db

JAN_1 = datetime(2025, 1, 1, tzinfo=UTC)
FEB_1 = datetime(2025, 2, 1, tzinfo=UTC)


@dataclass
class World:
    region: Region
    crisis: Crisis
    events: dict[str, Event]


def _event(
    name: str,
    author: User,
    day: datetime,
    *,
    tlp: str = "AMBER",
    dead: dict[str, int] | None = None,
) -> Event:
    event = EventFactory(author=author, title=name, starts_at=day, tlp=tlp)
    for kind, best in (dead or {}).items():
        source = EventSource.objects.create(
            event=event, kind=kind, name="Ministry" if kind == "national" else "Open media"
        )
        EventFigure.objects.create(source=source, figure="dead", best=best)
    return event


def _audit(action: str) -> dict:
    """The summary of the one audit event of `action`."""
    return json.loads(AuditEvent.objects.get(action=action).summary)


def build_world(kz_analyst: User, ru_analyst: User) -> World:
    region = Region.objects.create(
        slug="north-afg",
        kind=Region.Kind.ADMIN_AREAS,
        name_ru="Север Афганистана",
        name_en="Northern Afghanistan",
        definition={"pcodes": ["AF17"]},
        created_by=kz_analyst,
    )
    crisis = Crisis.objects.create(
        slug="kunduz-2025", name_ru="Кундуз 2025", name_en="Kunduz 2025", started_on=JAN_1.date()
    )

    def day(month: int, number: int) -> datetime:
        return datetime(2025, month, number, 6, 0, tzinfo=UTC)

    events = {
        "kz_clash": _event("kz_clash", kz_analyst, day(1, 5), dead={"national": 5, "open": 7}),
        "kz_strike": _event("kz_strike", kz_analyst, day(1, 15), dead={"national": 10}),
        "open_protest": _event("open_protest", ru_analyst, day(1, 20), tlp="GREEN"),
        "ru_raid": _event("ru_raid", ru_analyst, day(1, 22), dead={"national": 4}),
        "kz_outside": _event("kz_outside", kz_analyst, day(1, 10)),
        "kz_february": _event("kz_february", kz_analyst, day(2, 3), dead={"national": 2}),
        "kz_cancelled": _event("kz_cancelled", kz_analyst, day(1, 12)),
    }
    events["kz_cancelled"].cancelled_at = day(1, 13)
    events["kz_cancelled"].save()
    for name, event in events.items():
        if name != "kz_outside":
            RegionMembership.objects.create(region=region, event=event)
    Event.objects.filter(pk=events["open_protest"].pk).update(crisis=crisis)
    return World(region=region, crisis=crisis, events=events)


def request(capture, user: User, **kwargs: object) -> Sitrep:
    """Request a sitrep and run its generation (on commit, immediately in tests)."""
    fields: dict[str, object] = {
        "title": "Northern Afghanistan, January 2025",
        "period_start": JAN_1,
        "period_end": FEB_1,
        "language": "en",
        **kwargs,
    }
    with capture(execute=True):
        sitrep = sitreps.request_sitrep(acting_user=user, **fields)  # type: ignore[arg-type]
    sitrep.refresh_from_db()
    return sitrep


@pytest.fixture
def world(kz_analyst, ru_analyst) -> World:
    return build_world(kz_analyst, ru_analyst)


def test_sitrep_is_generated_with_the_authors_events(
    world, kz_analyst, django_capture_on_commit_callbacks
):
    sitrep = request(django_capture_on_commit_callbacks, kz_analyst, region=world.region)

    assert sitrep.state == Sitrep.State.DONE
    assert sitrep.progress == 100
    assert sitrep.progress_note == "ready"
    assert sitrep.error == ""
    assert sitrep.event_count == 3
    assert sitrep.tlp == "AMBER"
    assert sitrep.owner_agency == kz_analyst.agency
    assert sitrep.generated_at is not None
    assert bytes(sitrep.pdf).startswith(b"%PDF-")
    assert list(sitreps.sitrep_events(sitrep).values_list("title", flat=True)) == [
        "kz_clash",
        "kz_strike",
        "open_protest",
    ]
    assert "Events: 3. Dead: 17." in sitrep.html
    for title in ("kz_clash", "kz_strike", "open_protest"):
        assert f"<td>{title}</td>" in sitrep.html
    for title in ("ru_raid", "kz_outside", "kz_february", "kz_cancelled"):
        assert title not in sitrep.html


def test_request_is_audited_and_queued(world, kz_analyst):
    sitrep = sitreps.request_sitrep(
        acting_user=kz_analyst,
        title="  Weekly  ",
        period_start=JAN_1,
        period_end=FEB_1,
        crisis=world.crisis,
        tlp="tlp:green",
    )

    assert (sitrep.state, sitrep.progress, sitrep.title, sitrep.tlp) == (
        "queued",
        0,
        "Weekly",
        "GREEN",
    )
    assert AuditEvent.objects.get(action="crisis.sitrep.request").object_id == str(sitrep.pk)
    audit = _audit("crisis.sitrep.request")
    assert audit["crisis"] == "kunduz-2025"
    assert audit["region"] is None
    assert audit["tlp"] == "GREEN"


def test_sitrep_for_a_crisis(world, kz_analyst, django_capture_on_commit_callbacks):
    sitrep = request(
        django_capture_on_commit_callbacks, kz_analyst, crisis=world.crisis, tlp="GREEN"
    )

    assert sitrep.event_count == 1
    assert sitrep.tlp == "GREEN"  # its only event is GREEN: the marking asked is kept
    assert sitrep.progress_note == "ready"


def test_sitrep_of_everything_the_author_sees(
    world, kz_analyst, django_capture_on_commit_callbacks
):
    sitrep = request(django_capture_on_commit_callbacks, kz_analyst)

    # kz_outside is outside the region, but no region was asked for.
    assert sitrep.event_count == 4
    assert "kz_outside" in sitrep.html


def test_ru_sitrep_never_holds_kz_amber_events(
    world, ru_analyst, django_capture_on_commit_callbacks
):
    sitrep = request(django_capture_on_commit_callbacks, ru_analyst, region=world.region)

    assert sitrep.state == Sitrep.State.DONE
    assert sitrep.event_count == 2
    assert "Events: 2. Dead: 4." in sitrep.html
    assert "open_protest" in sitrep.html
    assert "ru_raid" in sitrep.html
    for title in ("kz_clash", "kz_strike", "kz_outside", "kz_february", "kz_cancelled"):
        assert title not in sitrep.html


def test_marking_is_raised_to_the_narrowest_event(
    world, kz_analyst, django_capture_on_commit_callbacks
):
    sitrep = request(
        django_capture_on_commit_callbacks, kz_analyst, region=world.region, tlp="GREEN"
    )

    assert sitrep.tlp == "AMBER"
    assert sitrep.progress_note == (
        "Marked TLP:AMBER, not TLP:GREEN as asked: it includes events marked so."
    )
    assert sitrep.progress_note in sitrep.html
    audit = _audit("crisis.sitrep.generate")
    assert audit["tlp"] == "AMBER"
    assert audit["asked_tlp"] == "GREEN"
    assert audit["events"] == 3


def test_a_narrower_marking_asked_is_kept(world, kz_analyst, django_capture_on_commit_callbacks):
    sitrep = request(
        django_capture_on_commit_callbacks, kz_analyst, region=world.region, tlp="AMBER+STRICT"
    )

    assert sitrep.tlp == "AMBER+STRICT"
    assert sitrep.progress_note == "ready"


def test_generation_error_leaves_the_sitrep_failed(
    world, kz_analyst, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(html: str) -> bytes:
        raise RuntimeError("the PDF renderer is out of fonts")

    monkeypatch.setattr(sitrep_render, "html_to_pdf", broken)

    sitrep = request(django_capture_on_commit_callbacks, kz_analyst, region=world.region)

    assert sitrep.state == Sitrep.State.FAILED
    assert sitrep.error == "RuntimeError: the PDF renderer is out of fonts"
    assert sitrep.progress == 90
    assert sitrep.progress_note == "failed"
    assert sitrep.pdf is None
    assert not AuditEvent.objects.filter(action="crisis.sitrep.generate").exists()

    # A retry, once the cause is gone, generates it.
    monkeypatch.undo()
    sitreps.generate(sitrep.pk)
    sitrep.refresh_from_db()
    assert (sitrep.state, sitrep.progress, sitrep.error) == ("done", 100, "")


def test_a_done_sitrep_is_left_alone(world, kz_analyst, django_capture_on_commit_callbacks):
    sitrep = request(django_capture_on_commit_callbacks, kz_analyst, region=world.region)
    generated_at = sitrep.generated_at
    EventFactory(author=kz_analyst, title="late", starts_at=datetime(2025, 1, 30, tzinfo=UTC))

    sitreps.generate(sitrep.pk)

    sitrep.refresh_from_db()
    assert sitrep.generated_at == generated_at
    assert sitrep.event_count == 3
    assert AuditEvent.objects.filter(action="crisis.sitrep.generate").count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        pytest.param({"title": " "}, "title", "a sitrep needs a title", id="no-title"),
        pytest.param(
            {"period_end": JAN_1}, "period_end", "the period must end after it starts", id="empty"
        ),
        pytest.param(
            {"period_start": datetime(2025, 1, 1)},  # noqa: DTZ001 (naive on purpose)
            "period_start",
            "the period's dates need a time zone (UTC offset)",
            id="naive",
        ),
        pytest.param({"language": "de"}, "language", "the language must be ru or en", id="de"),
        pytest.param({"tlp": "PURPLE"}, "tlp", "unknown TLP marking 'PURPLE'", id="tlp"),
    ],
)
def test_bad_requests_are_refused(world, kz_analyst, changes, field, message):
    fields = {"title": "Weekly", "period_start": JAN_1, "period_end": FEB_1, **changes}

    with pytest.raises(ValidationError) as refused:
        sitreps.request_sitrep(acting_user=kz_analyst, **fields)

    assert refused.value.message_dict[field][0].startswith(message)
    assert Sitrep.objects.count() == 0


def test_region_and_crisis_together_are_refused(world, kz_analyst):
    with pytest.raises(ValidationError, match="choose a region or a crisis, not both"):
        sitreps.request_sitrep(
            acting_user=kz_analyst,
            title="Weekly",
            period_start=JAN_1,
            period_end=FEB_1,
            region=world.region,
            crisis=world.crisis,
        )
    assert Sitrep.objects.count() == 0


def test_viewers_cannot_request(world, agency_kz):
    from concord.core.tests.factories import UserFactory

    viewer = UserFactory(username="kz-viewer", agency=agency_kz, role="viewer")

    with pytest.raises(PermissionDenied, match="your role cannot record events"):
        sitreps.request_sitrep(
            acting_user=viewer, title="Weekly", period_start=JAN_1, period_end=FEB_1
        )
    assert Sitrep.objects.count() == 0


def test_sharing_by_the_owners_editors(
    world,
    kz_analyst,
    kz_coordinator,
    ru_analyst,
    state_ru,
    agency_ru,
    django_capture_on_commit_callbacks,
):
    queued = sitreps.request_sitrep(
        acting_user=kz_analyst, title="Weekly", period_start=JAN_1, period_end=FEB_1
    )
    with pytest.raises(ValidationError, match="shared once it has been generated"):
        sitreps.share_sitrep(acting_user=kz_coordinator, sitrep=queued, agencies=[agency_ru])
    # Only the crisis's GREEN event: Russia's agency may see all of it.
    sitrep = request(django_capture_on_commit_callbacks, kz_analyst, crisis=world.crisis)
    assert not access.sitreps_for(ru_analyst).filter(pk=sitrep.pk).exists()

    with pytest.raises(PermissionDenied, match="only the owner agency's editors"):
        sitreps.share_sitrep(acting_user=ru_analyst, sitrep=sitrep, states=[state_ru])
    sitreps.share_sitrep(acting_user=kz_coordinator, sitrep=sitrep, agencies=[agency_ru])

    assert list(sitrep.shared_agencies.values_list("code", flat=True)) == ["RU-FSB"]
    assert access.sitreps_for(ru_analyst).filter(pk=sitrep.pk).exists()
    audit = _audit("crisis.sitrep.share")
    assert audit["shared_agencies"] == ["RU-FSB"]
    assert audit["tlp"] == "AMBER"


def test_a_share_that_would_show_unseen_events_is_refused(
    world, kz_analyst, agency_ru, state_ru, django_capture_on_commit_callbacks
):
    sitrep = request(django_capture_on_commit_callbacks, kz_analyst, region=world.region)
    assert sitrep.events.count() == sitrep.event_count == 3

    with pytest.raises(ValidationError, match=r"RU \(2\), RU-FSB \(2\) may not see every"):
        sitreps.share_sitrep(
            acting_user=kz_analyst, sitrep=sitrep, states=[state_ru], agencies=[agency_ru]
        )
    assert sitrep.shared_states.count() == sitrep.shared_agencies.count() == 0


def test_a_blind_share_given_at_request_is_withdrawn(
    world, kz_analyst, state_ru, django_capture_on_commit_callbacks
):
    sitrep = request(
        django_capture_on_commit_callbacks, kz_analyst, region=world.region, share_states=[state_ru]
    )
    assert sitrep.shared_states.count() == 0
    assert sitrep.progress_note == ("Not shared with RU: they may not see every event it includes.")


def test_shares_given_at_request(world, kz_analyst, state_ru):
    sitrep = sitreps.request_sitrep(
        acting_user=kz_analyst,
        title="Weekly",
        period_start=JAN_1,
        period_end=FEB_1,
        share_states=[state_ru],
    )

    assert list(sitrep.shared_states.values_list("code", flat=True)) == ["RU"]
    assert _audit("crisis.sitrep.request")["shared_states"] == ["RU"]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        pytest.param(
            "Northern Afghanistan, January 2025", "northern-afghanistan-january-2025", id="en"
        ),
        pytest.param('Север "Афганистана"', "", id="cyrillic"),
    ],
)
def test_pdf_file_name_is_safe(kz_analyst, title, expected):
    sitrep = Sitrep(title=title, period_start=JAN_1, period_end=FEB_1)

    name = sitreps.pdf_filename(sitrep)

    stem = "sitrep-2025-01-01"
    assert name == (f"{stem}-{expected}.pdf" if expected else f"{stem}-{str(sitrep.uid)[:8]}.pdf")
