"""The registry index: exact-host, path-prefix and account rules, errors per item, rebuilds."""

from __future__ import annotations

import pytest

from concord.cyber.canon import CanonError, canonical, canonical_host
from concord.cyber.lookup import RegistryIndex, account_canonical, account_of

ENTRIES = [
    (1, "host", canonical_host("Evil.com").value),
    (2, "url", canonical("url", "http://bad.org/a/b").value),
    (3, "url", canonical("url", "https://bad.org/x?id=1").value),
    (4, "account", "telegram:badchan"),
    (5, "host", canonical_host("[2001:DB8::1]").value),
    (6, "url", canonical("url", "http://root.example/").value),
    (7, "host", "vercel.app"),
    (8, "url", canonical("url", "http://bad.org/dir/").value),
    (9, "host", "bad.org"),
    (10, "account", "youtube:badtube"),
    (11, "host", "192.0.2.7"),
    (12, "url", canonical("url", "http://evil.com/a/b").value),
    (13, "account", "ok:group/123"),
    (14, "host", canonical_host("пример.рф").value),
]


@pytest.fixture
def index():
    return RegistryIndex(ENTRIES)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # host resources: exactly that host, any scheme, port and path
        ("evil.com", [1]),
        ("EVIL.COM.", [1]),
        ("https://evil.com:8443/login?x=1", [1]),
        ("http://evil.com/a/b/c", [1, 12]),
        ("sub.evil.com", []),
        ("http://www.evil.com/", []),
        ("evil.vercel.app", []),
        ("vercel.app", [7]),
        ("http://[2001:db8::1]:8080/x", [5]),
        ("http://192.0.2.7/x", [11]),
        ("http://0xc0.0.2.7/", [11]),
        ("http://пример.рф/путь", [14]),
        ("http://xn--e1afmkfd.xn--p1ai/", [14]),
        ("hxxp://evil[.]com/x", [1]),
        # URL resources: same host, path prefix on a segment boundary
        ("http://bad.org/a/b", [2, 9]),
        ("https://bad.org/a/b", [2, 9]),
        ("bad.org/a/b/", [2, 9]),
        ("bad.org/a/b/c/d.php", [2, 9]),
        ("bad.org/a/b?x=1", [2, 9]),
        ("bad.org/a/bc", [9]),
        ("bad.org/a", [9]),
        ("bad.org/a/./b/../b/c", [2, 9]),
        ("bad.org/%61/b", [2, 9]),
        ("bad.org/dir", [9]),
        ("bad.org/dir/", [8, 9]),
        ("bad.org/dir/file", [8, 9]),
        # a URL resource with a query: the same query, or more parameters after it
        ("bad.org/x?id=1", [3, 9]),
        ("bad.org/x?id=1&y=2", [3, 9]),
        ("bad.org/x?id=12", [9]),
        ("bad.org/x", [9]),
        ("bad.org/x/y?id=1", [9]),
        ("sub.bad.org/a/b", []),
        # a root URL resource covers its host
        ("root.example", [6]),
        ("http://root.example/anything?at=all", [6]),
        # accounts: URLs of the account on its platform, or typed as platform:handle
        ("https://t.me/BadChan", [4]),
        ("https://telegram.me/badchan/42", [4]),
        ("t.me/s/badchan", [4]),
        ("telegram:@BadChan", [4]),
        ("tg:badchan", [4]),
        ("https://t.me/badchannel", []),
        ("https://www.youtube.com/@BadTube/videos", [10]),
        ("https://youtube.com/badtube", []),
        ("https://ok.ru/group/123", [13]),
        ("https://t.me.evil.com/badchan", []),
        ("nothing.example", []),
    ],
)
def test_match(index, query, expected):
    assert index.match(query) == expected
    assert index.match_one(query) == (expected, None)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("http://user:pass@evil.com/", "credentials"),
        ("http://evil.com/" + "a" * 2040, "too_long"),
        ("http://evil.com/a b", "control_chars"),
        ("javascript:alert(1)", "bad_scheme"),
        ("http://evil.com:0/", "bad_port"),
        ("", "empty"),
        ("telegram:bad/handle", "bad_scheme"),
        ("telegram:Bad Chan", "bad_account"),
        ("myspace:someone", "bad_scheme"),
    ],
)
def test_bad_queries_return_an_error_code_instead_of_raising(index, query, code):
    assert index.match_one(query) == ([], code)
    assert index.match(query) == []


def test_match_many_keeps_the_order_and_reports_nothing_for_bad_items(index):
    assert index.match_many(["evil.com", "http://u:p@evil.com/", "bad.org/a/b/c", "x.example"]) == [
        [1],
        [],
        [2, 9],
        [],
    ]


def test_one_key_held_by_several_resources_returns_them_all():
    index = RegistryIndex(
        [(3, "host", "dup.example"), (1, "host", "dup.example"), (2, "url", "http://dup.example/")]
    )
    assert index.match("dup.example/x") == [1, 2, 3]
    assert len(index) == 3


def test_the_same_entry_twice_is_stored_once():
    index = RegistryIndex([(1, "host", "once.example"), (1, "host", "once.example")])
    assert index.match("once.example") == [1]


def test_rebuild_replaces_the_contents():
    index = RegistryIndex([(1, "host", "old.example")])
    index.rebuild([(2, "host", "new.example"), (3, "url", "http://new.example/p")])
    assert (index.match("old.example"), index.match("new.example/p/q"), len(index)) == (
        [],
        [2, 3],
        2,
    )


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown resource kind 'phone'"):
        RegistryIndex([(1, "phone", "+7 700 000 00 00")])


def test_a_url_entry_must_be_canonical():
    with pytest.raises(ValueError, match=r"'evil\.com/x' is not a canonical URL"):
        RegistryIndex([(1, "url", "evil.com/x")])


def test_memory_is_reported_and_grows_with_entries():
    small = RegistryIndex([(1, "host", "a.example")]).memory_bytes()
    large = RegistryIndex([(i, "host", f"h{i}.example") for i in range(1000)]).memory_bytes()
    assert 0 < small < large


@pytest.mark.parametrize(
    ("host", "path", "expected"),
    [
        ("t.me", "/BadChan", "telegram:badchan"),
        ("t.me", "/s/badchan?before=5", "telegram:badchan"),
        ("telegram.me", "/badchan/12", "telegram:badchan"),
        ("t.me", "/joinchat/AAAA", None),
        ("t.me", "/+AbCdEf", None),
        ("t.me", "/", None),
        ("vk.com", "/Club123", "vk:club123"),
        ("m.vk.com", "/durov", "vk:durov"),
        ("vk.com", "/feed", None),
        ("instagram.com", "/Someone/", "instagram:someone"),
        ("www.instagram.com", "/stories/someone/123", "instagram:someone"),
        ("instagram.com", "/p/Cx1", None),
        ("www.youtube.com", "/@Handle", "youtube:handle"),
        ("youtube.com", "/watch?v=x", None),
        ("x.com", "/Jack/status/20", "x:jack"),
        ("twitter.com", "/jack", "x:jack"),
        ("x.com", "/home", None),
        ("www.tiktok.com", "/@Someone/video/1", "tiktok:someone"),
        ("tiktok.com", "/foryou", None),
        ("ok.ru", "/group/123", "ok:group/123"),
        ("ok.ru", "/profile/55", "ok:profile/55"),
        ("ok.ru", "/somebody", "ok:somebody"),
        ("ok.ru", "/group/abc", None),
        ("evil.com", "/badchan", None),
        ("t.me.evil.com", "/badchan", None),
    ],
)
def test_account_of(host, path, expected):
    assert account_of(host, path) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("telegram:@BadChan", "telegram:badchan"),
        ("tg:badchan", "telegram:badchan"),
        ("Twitter:Jack", "x:jack"),
        ("https://t.me/BadChan", "telegram:badchan"),
        ("vk.com/durov", "vk:durov"),
    ],
)
def test_account_canonical(text, expected):
    assert account_canonical(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("myspace:someone", "unknown platform myspace"),
        ("telegram:@", "the handle is invalid"),
        ("https://evil.com/badchan", "not an account URL of a known platform"),
    ],
)
def test_account_canonical_refusals(text, reason):
    with pytest.raises(CanonError, match=reason):
        account_canonical(text)
