"""Pulling a peer's TAXII collection: the peer is our own live server on the loopback (so the
pull goes through the hardened client and a real TAXII server), the target another collection."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from concord.core.markings import Tlp
from concord.core.models import AuditEvent
from concord.core.tests.test_e2e import loopback
from concord.cyber import queries_taxii
from concord.cyber.models import StixObject, Subscription
from concord.cyber.tasks import pull_due_subscriptions, pull_one_subscription
from concord.cyber.taxii_pull import pull_subscription
from concord.cyber.tests.taxii_data import make_collection, stored, token_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _loopback_peer_allowed(settings):
    settings.CONCORD_HTTP_ALLOW_PRIVATE = True
    settings.TAXII_PAGE_SIZE = 2


@pytest.fixture
def feed(kz_analyst):
    """The peer's collection: three AMBER objects of Kazakhstan and one RED one."""
    source = make_collection(kz_analyst, alias="feed", tlp=Tlp.GREEN)
    for n in range(3):
        stored(source, kz_analyst, n=n, tlp=Tlp.AMBER)
    stored(source, kz_analyst, n=3, tlp=Tlp.RED)
    return source


@pytest.fixture
def subscription(live_server, feed, kz_cert_analyst, ru_analyst):
    mirror = make_collection(ru_analyst, alias="mirror", tlp=Tlp.AMBER)
    return Subscription.objects.create(
        name="KZ CERT feed",
        api_root_url=loopback(live_server.url) + "/taxii2/api1/",
        collection_id=str(feed.uid),
        authorization=f"Bearer {token_for(kz_cert_analyst)}",
        target=mirror,
        owner_agency=ru_analyst.agency,
    )


def mirrored(subscription) -> list[str]:
    return list(
        StixObject.objects.filter(collection=subscription.target)
        .order_by("date_added")
        .values_list("stix_id", flat=True)
    )


def test_pull_follows_pages_and_stores_the_cursor(subscription, feed, ru_analyst):
    expected = list(
        StixObject.objects.filter(collection=feed, tlp=Tlp.AMBER)
        .order_by("date_added")
        .values_list("stix_id", flat=True)
    )

    report = pull_subscription(subscription=subscription)

    assert (report.error, report.pages, report.received, report.added) == ("", 2, 3, 3)
    assert report.cursor == "2024-05-01T10:00:02.000000Z"
    assert mirrored(subscription) == expected  # the RED object stayed with the peer
    assert set(
        StixObject.objects.filter(collection=subscription.target).values_list("author", flat=True)
    ) == {ru_analyst.pk}
    subscription.refresh_from_db()
    assert (subscription.added_after, subscription.last_error) == (report.cursor, "")
    assert subscription.last_pulled_at is not None
    event = AuditEvent.objects.filter(action="cyber.subscription.pull").get()
    assert json.loads(event.summary) == {
        "pages": 2,
        "received": 3,
        "added": 3,
        "failed": 0,
        "cursor": "2024-05-01T10:00:02.000000Z",
        "error": "",
    }


def test_next_pull_takes_only_what_was_added_since(subscription, feed, kz_analyst):
    pull_subscription(subscription=subscription)
    newer = stored(feed, kz_analyst, n=10, tlp=Tlp.GREEN)

    report = pull_subscription(subscription=subscription)

    assert (report.error, report.received, report.added) == ("", 1, 1)
    assert mirrored(subscription)[-1] == newer.stix_id
    assert report.cursor == "2024-05-01T10:00:10.000000Z"


def test_refused_credentials_are_recorded_and_the_cursor_kept(subscription):
    subscription.authorization = "Bearer cnc_not-a-token"
    subscription.added_after = "2024-05-01T10:00:00.000000Z"
    subscription.save()

    report = pull_subscription(subscription=subscription)

    assert report.error.startswith("the peer answered HTTP 401: ")
    assert '"error_code":"unauthorized"' in report.error
    subscription.refresh_from_db()
    assert subscription.last_error == report.error
    assert subscription.added_after == "2024-05-01T10:00:00.000000Z"
    assert mirrored(subscription) == []
    event = AuditEvent.objects.filter(action="cyber.subscription.pull").get()
    assert json.loads(event.summary)["error"] == report.error


def test_private_peer_is_refused_unless_allowed(subscription, settings):
    settings.CONCORD_HTTP_ALLOW_PRIVATE = False
    settings.CONCORD_HTTP_ALLOWED_HOSTS = []

    report = pull_subscription(subscription=subscription)

    assert report.error.startswith("refused to connect to 127.0.0.1 (127.0.0.1)")
    assert mirrored(subscription) == []


def test_a_peer_answer_that_is_not_an_envelope(subscription):
    subscription.api_root_url = subscription.api_root_url.replace("/api1/", "/nowhere/")
    subscription.save()

    report = pull_subscription(subscription=subscription)

    assert report.error.startswith("the peer answered HTTP 404")
    assert (report.pages, report.received) == (0, 0)


def test_due_subscriptions(subscription):
    now = timezone.now()
    assert queries_taxii.due_subscriptions(now=now) == [subscription]  # never pulled

    Subscription.objects.filter(pk=subscription.pk).update(
        last_pulled_at=now - timedelta(minutes=59)
    )
    assert queries_taxii.due_subscriptions(now=now) == []

    Subscription.objects.filter(pk=subscription.pk).update(
        last_pulled_at=now - timedelta(minutes=60)
    )
    assert queries_taxii.due_subscriptions(now=now) == [subscription]

    Subscription.objects.filter(pk=subscription.pk).update(enabled=False)
    assert queries_taxii.due_subscriptions(now=now) == []


def test_tasks_pull(subscription):
    one = pull_one_subscription.enqueue(subscription.pk)
    due = pull_due_subscriptions.enqueue()

    assert one.return_value is True
    assert due.return_value == 0  # pulled a moment ago: nothing due
    assert len(mirrored(subscription)) == 3


def test_command_pulls_one_or_all_due(subscription, capsys):
    call_command("taxii_pull", "--subscription", str(subscription.pk))
    first = capsys.readouterr().out
    call_command("taxii_pull", "--all-due")
    second = capsys.readouterr().out

    assert first == (
        f"{subscription.pk} KZ CERT feed: 2 page(s), 3 received, 3 added, 0 refused, "
        "cursor 2024-05-01T10:00:02.000000Z — ok\n"
    )
    assert second == ""


def test_command_fails_when_a_pull_fails(subscription, settings):
    settings.CONCORD_HTTP_ALLOW_PRIVATE = False

    with pytest.raises(CommandError, match="some pulls failed"):
        call_command("taxii_pull", "--all-due")
    with pytest.raises(CommandError, match="no subscription 999"):
        call_command("taxii_pull", "--subscription", "999")
