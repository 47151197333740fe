"""Warninglists: exact-host hits and misses, address ranges, resolvers, shared-platform hosts."""

from __future__ import annotations

import pytest

from concord.cyber.canon import canonical
from concord.cyber.warninglists import BENIGN, SHARED_PLATFORM_HOST, Hit, check, lists


def codes(kind: str, value: str) -> list[tuple[str, str]]:
    return [(hit.list_code, hit.kind) for hit in check(kind, canonical(kind, value).value)]


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        # popular domains: exact host, plus the www. host of a listed domain
        ("domain", "google.com", [("top-domains", BENIGN)]),
        ("domain", "www.google.com", [("top-domains", BENIGN)]),
        ("domain", "mail.google.com", []),
        ("domain", "www.mail.google.com", []),
        ("domain", "google.com.evil.example", []),
        ("url", "https://www.google.com/search?q=x", [("top-domains", BENIGN)]),
        ("email", "someone@gmail.com", [("top-domains", BENIGN)]),
        ("domain", "yandex.ru", [("top-domains", BENIGN)]),
        # URL shorteners (MISP)
        ("url", "https://bit.ly/3xyz", [("top-domains", BENIGN), ("url-shorteners", BENIGN)]),
        ("domain", "clck.ru", [("top-domains", BENIGN), ("url-shorteners", BENIGN)]),
        ("domain", "x.bit.ly", []),
        # shared platforms: the platform's own host only; a user's host is a warning
        ("domain", "vercel.app", [("top-domains", BENIGN), ("shared-platforms", BENIGN)]),
        ("domain", "evil.vercel.app", [("psl-private", SHARED_PLATFORM_HOST)]),
        ("url", "https://evil.vercel.app/login", [("psl-private", SHARED_PLATFORM_HOST)]),
        ("domain", "someone.github.io", [("psl-private", SHARED_PLATFORM_HOST)]),
        ("domain", "a.b.blogspot.com", [("psl-private", SHARED_PLATFORM_HOST)]),
        ("domain", "docs.google.com", [("shared-platforms", BENIGN)]),
        (
            "url",
            "https://telegra.ph/some-page",
            [("top-domains", BENIGN), ("shared-platforms", BENIGN)],
        ),
        ("domain", "phish-login-secure.top", []),
        # private and reserved ranges
        ("ipv4", "10.1.2.3", [("private-ranges", BENIGN)]),
        ("ipv4", "172.31.255.255", [("private-ranges", BENIGN)]),
        ("ipv4", "172.32.0.1", []),
        ("ipv4", "192.168.0.1", [("private-ranges", BENIGN)]),
        ("ipv4", "127.0.0.1", [("private-ranges", BENIGN)]),
        ("ipv4", "169.254.169.254", [("private-ranges", BENIGN)]),
        ("ipv4", "100.64.0.1", [("private-ranges", BENIGN)]),
        ("ipv4", "100.128.0.1", []),
        ("ipv4", "198.51.100.7", [("private-ranges", BENIGN)]),
        ("ipv4", "224.0.0.251", [("private-ranges", BENIGN)]),
        ("ipv4", "255.255.255.255", [("private-ranges", BENIGN)]),
        ("ipv4", "185.220.101.1", []),
        ("ipv6", "::1", [("private-ranges", BENIGN)]),
        ("ipv6", "fd12:3456::1", [("private-ranges", BENIGN)]),
        ("ipv6", "fe80::1", [("private-ranges", BENIGN)]),
        ("ipv6", "2001:db8::1", [("private-ranges", BENIGN)]),
        ("ipv6", "::ffff:192.168.1.1", [("private-ranges", BENIGN)]),
        ("ipv6", "2a00:1450:4001::1", []),
        ("cidr", "10.20.0.0/16", [("private-ranges", BENIGN)]),
        ("cidr", "172.0.0.0/8", [("private-ranges", BENIGN)]),
        ("cidr", "8.0.0.0/7", [("public-resolvers", BENIGN)] * 3),
        ("cidr", "185.220.101.0/24", []),
        ("url", "http://192.168.1.1/admin", [("private-ranges", BENIGN)]),
        ("url", "http://[fe80::1]/", [("private-ranges", BENIGN)]),
        # public resolvers
        ("ipv4", "8.8.8.8", [("public-resolvers", BENIGN)]),
        ("ipv4", "77.88.8.8", [("public-resolvers", BENIGN)]),
        ("ipv4", "1.1.1.1", [("public-resolvers", BENIGN)]),
        ("ipv6", "2606:4700:4700::1111", [("public-resolvers", BENIGN)]),
        ("cidr", "8.8.8.0/24", [("public-resolvers", BENIGN)]),
        ("domain", "cloudflare-dns.com", [("top-domains", BENIGN), ("public-resolvers", BENIGN)]),
        ("ipv4", "8.8.8.9", []),
        # kinds without lists
        ("md5", "d41d8cd98f00b204e9800998ecf8427e", []),
        ("asn", "AS15169", []),
    ],
)
def test_check(kind, value, expected):
    assert codes(kind, value) == expected


def test_hit_text_is_bilingual_and_names_the_value():
    assert check("domain", "evil.vercel.app") == [
        Hit(
            list_code="psl-private",
            list_name_en="Hosts on shared platforms (Public Suffix List, private section)",
            list_name_ru="Хосты на общих платформах (частный раздел Public Suffix List)",
            reason_en=(
                "evil.vercel.app is one user's host on the shared platform vercel.app: block the "
                "exact host, never vercel.app."
            ),
            reason_ru=(
                "evil.vercel.app — хост одного пользователя общей платформы vercel.app: "
                "блокируйте точный хост, но никогда vercel.app."
            ),
            kind=SHARED_PLATFORM_HOST,
        )
    ]


def test_private_range_reason_names_the_range():
    (hit,) = check("ipv4", "10.1.2.3")
    assert hit.reason_en == (
        "10.1.2.3 is in 10.0.0.0/8, a private network (RFC 1918): not a public internet address."
    )
    assert hit.reason_ru == (
        "10.1.2.3 входит в 10.0.0.0/8 — частная сеть (RFC 1918): это не публичный адрес интернета."
    )


def test_www_hit_names_the_listed_domain():
    (hit,) = check("domain", "www.google.com")
    assert hit.reason_en.startswith("google.com is one of the 100,000 most popular domains")


def test_lists_show_every_list_with_its_size():
    assert [(info.code, info.count) for info in lists()] == [
        ("top-domains", 99_995),
        ("url-shorteners", 232),
        ("shared-platforms", 62),
        ("private-ranges", 21),
        ("public-resolvers", 34),
        ("psl-private", lists()[-1].count),
    ]
    assert lists()[-1].count > 1000
    assert lists()[0].kinds == ("domain", "url", "email")
