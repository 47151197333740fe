"""Canonical forms: exact values for tricky inputs, refusals by code, and properties
(idempotence; the lookup fast path agrees with the full routine)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from concord.cyber.canon import (
    MESSAGES,
    VALUE_FLAGS,
    CanonError,
    Canonical,
    canonical,
    canonical_host,
    canonical_target,
    fast_target,
    host_of,
    target_of,
)


@pytest.mark.parametrize(
    ("kind", "value", "expected", "flags"),
    [
        ("domain", "пример.рф", "xn--e1afmkfd.xn--p1ai", ("punycode",)),
        ("domain", "ПРИМЕР。РФ.", "xn--e1afmkfd.xn--p1ai", ("punycode",)),
        ("domain", "аpple.com", "xn--pple-43d.com", ("homograph", "punycode")),
        ("domain", "xn--80ak6aa92e.com", "xn--80ak6aa92e.com", ("homograph", "punycode")),
        ("domain", "аррӏе.рф", "xn--80ak6aa92e.xn--p1ai", ("punycode",)),
        ("domain", "例え.テスト", "xn--r8jz45g.xn--zckzah", ("punycode",)),
        ("domain", " Example.COM. ", "example.com", ()),
        ("domain", "ｅｘａｍｐｌｅ.com", "example.com", ()),
        ("domain", "my_host.example.com", "my_host.example.com", ()),
        ("domain", "evil[.]example[.]com", "evil.example.com", ("defanged",)),
        ("ipv4", "192.0.2.1", "192.0.2.1", ()),
        ("ipv4", "8.8.8[.]8", "8.8.8.8", ("defanged",)),
        ("ipv6", "[2001:DB8::1]", "2001:db8::1", ()),
        ("ipv6", "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1", ()),
        ("ipv6", "::FFFF:192.0.2.1", "::ffff:192.0.2.1", ("ipv4_mapped",)),
        ("cidr", "10.1.2.3/8", "10.0.0.0/8", ("host_bits_cleared",)),
        ("cidr", "192.0.2.7/32", "192.0.2.7/32", ()),
        ("cidr", "2001:DB8::1/128", "2001:db8::1/128", ()),
        ("cidr", "2001:db8::1/32", "2001:db8::/32", ("host_bits_cleared",)),
        ("email", "John.Doe@Пример.РФ", "John.Doe@xn--e1afmkfd.xn--p1ai", ("punycode",)),
        ("email", "Mail+Tag@EXAMPLE.com", "Mail+Tag@example.com", ()),
        ("md5", " D41D8CD98F00B204E9800998ECF8427E ", "d41d8cd98f00b204e9800998ecf8427e", ()),
        (
            "sha1",
            "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            (),
        ),
        (
            "sha256",
            "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            (),
        ),
        ("sha512", "A" * 128, "a" * 128, ()),
        ("asn", "AS1234", "AS1234", ()),
        ("asn", "as1234", "AS1234", ()),
        ("asn", "1234", "AS1234", ()),
        ("asn", "AS4200000000", "AS4200000000", ()),
        ("asn", "AS1.10", "AS65546", ()),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 else None,
)
def test_canonical_values(kind, value, expected, flags):
    assert canonical(kind, value) == Canonical(kind, expected, flags)


@pytest.mark.parametrize(
    ("value", "expected", "flags"),
    [
        ("http://example.com", "http://example.com/", ()),
        ("HTTPS://Example.COM:443/", "https://example.com/", ()),
        ("http://example.com:80/a", "http://example.com/a", ()),
        ("ftp://files.example.org:21/pub/", "ftp://files.example.org/pub/", ()),
        ("https://example.com:8443/x", "https://example.com:8443/x", ()),
        ("http://example.com:0080/x", "http://example.com/x", ()),
        ("http://example.com/a#fragment", "http://example.com/a", ()),
        ("http://example.com/?z=1&a=2&z=0", "http://example.com/?z=1&a=2&z=0", ()),
        ("http://example.com/%7euser/%7E", "http://example.com/~user/~", ()),
        ("http://example.com/a%2fb%2F", "http://example.com/a%2Fb%2F", ()),
        ("http://example.com/%41%62?q=%7e%2b+x", "http://example.com/Ab?q=~%2B+x", ()),
        ("http://example.com/a/./b/../c", "http://example.com/a/c", ()),
        ("http://example.com/a/b/..", "http://example.com/a/", ()),
        ("http://example.com/%2E%2E/x", "http://example.com/x", ()),
        ("http://example.com/a//b/", "http://example.com/a//b/", ()),
        ("http://example.com/dir/", "http://example.com/dir/", ()),
        ("http://example.com/?", "http://example.com/", ()),
        ("http://example.com/100%", "http://example.com/100%25", ()),
        ("http://example.com/a|b^c", "http://example.com/a%7Cb%5Ec", ()),
        (
            "http://пример.рф/путь?я=1",
            "http://xn--e1afmkfd.xn--p1ai/%D0%BF%D1%83%D1%82%D1%8C?%D1%8F=1",
            ("punycode",),
        ),
        ("http://аpple.com/login", "http://xn--pple-43d.com/login", ("homograph", "punycode")),
        ("http://[2001:DB8::1]/", "http://[2001:db8::1]/", ()),
        ("http://[2001:db8::1]:8080/x", "http://[2001:db8::1]:8080/x", ()),
        ("http://0x7f.1/", "http://127.0.0.1/", ("ip_obfuscated",)),
        ("http://3232235777/", "http://192.168.1.1/", ("ip_obfuscated",)),
        ("hxxp://evil[.]com/x", "http://evil.com/x", ("defanged",)),
        ("HXXPS://evil(.)com", "https://evil.com/", ("defanged",)),
        ("evil.com", "http://evil.com/", ("scheme_added",)),
        ("evil.com:8080/x", "http://evil.com:8080/x", ("scheme_added",)),
        ("//evil.com/x", "http://evil.com/x", ("scheme_added",)),
        ("http://good.com\\@evil.com/", "http://good.com/@evil.com/", ()),
        ("  http://example.com/  ", "http://example.com/", ()),
    ],
)
def test_canonical_urls(value, expected, flags):
    assert canonical("url", value) == Canonical("url", expected, flags)


@pytest.mark.parametrize(
    ("kind", "value", "code"),
    [
        ("url", "http://user:pass@evil.com/", "credentials"),
        ("url", "http://user@evil.com/", "credentials"),
        ("url", "http://evil.com/a b", "control_chars"),
        ("url", "http://evil.com/a\tb", "control_chars"),
        ("url", "http://evil.com/\x00", "control_chars"),
        ("url", "http://evil.com/\u200bx", "control_chars"),
        ("url", "http://evil.com/\u202ex", "control_chars"),
        ("url", "http://evil.com/" + "a" * 2033, "too_long"),
        ("url", "javascript:alert(1)", "bad_scheme"),
        ("url", "file:///etc/passwd", "bad_scheme"),
        ("url", "http://evil.com:99999/", "bad_port"),
        ("url", "http://evil.com:8o/", "bad_port"),
        ("url", "http:///path", "bad_url"),
        ("url", "http://[2001:db8::1/", "bad_url"),
        ("url", "http://1.2.3.4.5/", "bad_ip"),
        ("url", "http://256.1.1.1/", "bad_ip"),
        ("url", "http://ex*mple.com/", "bad_domain"),
        ("url", "http://xn--abc.com/", "idna_invalid"),
        ("url", "   ", "empty"),
        ("ipv4", "010.1.1.1", "ambiguous_ip"),
        ("ipv4", "1.2.3", "bad_ip"),
        ("ipv4", "2001:db8::1", "bad_ip"),
        ("ipv6", "fe80::1%eth0", "bad_ip"),
        ("ipv6", "::ffff:01.2.3.4", "ambiguous_ip"),
        ("cidr", "10.0.0.0", "bad_cidr"),
        ("cidr", "10.0.0.0/33", "bad_cidr"),
        ("domain", "1.2.3.4", "bad_domain"),
        ("domain", "example.com/path", "bad_domain"),
        ("domain", "localhost", "bad_domain"),
        ("domain", "-bad.example.com", "bad_domain"),
        ("domain", "a" * 64 + ".com", "bad_domain"),
        ("domain", ".".join(["a" * 60] * 5), "bad_domain"),
        ("domain", "a..com", "bad_domain"),
        ("domain", "xn--80ak6aa92e-.com", "idna_invalid"),
        ("email", "no-at-sign.example.com", "bad_email"),
        ("email", "a..b@example.com", "bad_email"),
        ("email", "user@[192.0.2.1]", "bad_email"),
        ("md5", "d41d8cd98f00b204e9800998ecf8427", "bad_hash"),
        ("sha256", "g" * 64, "bad_hash"),
        ("asn", "AS0", "bad_asn"),
        ("asn", "AS4294967296", "bad_asn"),
        ("asn", "ASN-X", "bad_asn"),
        ("hostname", "example.com", "unknown_kind"),
    ],
)
def test_refusals_carry_a_code(kind, value, code):
    with pytest.raises(CanonError) as caught:
        canonical(kind, value)
    assert caught.value.code == code
    assert str(caught.value) == MESSAGES[code].format(**caught.value.params)


def test_a_2049_character_url_is_too_long_and_2048_is_not():
    prefix = "http://example.com/"
    assert canonical("url", prefix + "a" * (2048 - len(prefix))).value.endswith("a")
    with pytest.raises(CanonError, match="2049 characters long; at most 2048") as caught:
        canonical("url", prefix + "a" * (2049 - len(prefix)))
    assert caught.value.params == {"length": 2049, "limit": 2048}


def test_credentials_error_has_english_text_and_no_params():
    with pytest.raises(CanonError, match="credentials are never stored") as caught:
        canonical("url", "https://admin:secret@example.com/")
    assert (caught.value.code, caught.value.params) == ("credentials", {})


def test_control_character_position_is_reported():
    with pytest.raises(CanonError) as caught:
        canonical("url", "http://evil.com/\x07")
    assert caught.value.params == {"position": 17}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Example.com", Canonical("domain", "example.com", ())),
        ("intranet", Canonical("domain", "intranet", ())),
        ("192.0.2.1", Canonical("ipv4", "192.0.2.1", ())),
        ("0x7f.1", Canonical("ipv4", "127.0.0.1", ("ip_obfuscated",))),
        ("[2001:DB8::1]", Canonical("ipv6", "2001:db8::1", ())),
        ("пример.рф", Canonical("domain", "xn--e1afmkfd.xn--p1ai", ("punycode",))),
    ],
)
def test_canonical_host(value, expected):
    assert canonical_host(value) == expected


@pytest.mark.parametrize(
    ("url", "host", "target"),
    [
        ("http://example.com/", "example.com", "/"),
        ("https://example.com:8443/a?b=1", "example.com", "/a?b=1"),
        ("http://[2001:db8::1]:8080/x", "2001:db8::1", "/x"),
        ("http://192.0.2.1/", "192.0.2.1", "/"),
    ],
)
def test_host_and_target_of_a_canonical_url(url, host, target):
    assert host_of(url) == host
    assert target_of(url) == (host, target)


@pytest.mark.parametrize(
    ("text", "fast", "expected"),
    [
        ("evil.com", True, ("evil.com", "/")),
        ("HTTPS://Evil.COM/Path?Q=1", True, ("evil.com", "/Path?Q=1")),
        ("http://192.0.2.1/x", True, ("192.0.2.1", "/x")),
        ("http://evil.com/?", True, ("evil.com", "/")),
        ("http://evil.com/%7e", False, ("evil.com", "/~")),
        ("http://evil.com:443/", False, ("evil.com", "/")),
        ("hxxp://evil[.]com", False, ("evil.com", "/")),
        ("http://evil.com./a/../b", False, ("evil.com", "/b")),
        ("пример.рф", False, ("xn--e1afmkfd.xn--p1ai", "/")),
        ("http://[::1]/", False, ("::1", "/")),
        ("http://u:p@evil.com/", False, None),
        ("", False, None),
    ],
)
def test_canonical_target(text, fast, expected):
    assert (fast_target(text) is not None) is fast
    assert canonical_target(text) == expected


# --- properties ----------------------------------------------------------------------------

_LABEL = st.text("abcXYZ019-_", min_size=1, max_size=12)
_IDN_LABEL = st.text("абвгдеорсxyz-", min_size=1, max_size=8)
_HOST = st.one_of(
    st.lists(_LABEL, min_size=1, max_size=3).map(lambda ls: ".".join([*ls, "com"])),
    st.lists(_IDN_LABEL, min_size=1, max_size=2).map(lambda ls: ".".join([*ls, "рф"])),
    st.tuples(*[st.integers(0, 300)] * 4).map(lambda t: ".".join(map(str, t))),
    st.sampled_from(["[2001:db8::1]", "[::ffff:192.0.2.1]", "localhost", "EXAMPLE.com."]),
)
_SEGMENT = st.text("abAB09-._~%2fE7e!$&'()*+,;=:@ |^йé", max_size=8)
_URL = st.builds(
    lambda scheme, host, port, segments, query, fragment: (
        f"{scheme}{host}{port}/{'/'.join(segments)}{query}{fragment}"
    ),
    st.sampled_from(["", "http://", "https://", "HTTP://", "ftp://", "hxxp://", "//"]),
    _HOST,
    st.sampled_from(["", ":80", ":443", ":8080", ":"]),
    st.lists(st.one_of(_SEGMENT, st.sampled_from([".", "..", ""])), max_size=5),
    st.one_of(st.just(""), st.text("ab=&?%/7E+", max_size=10).map(lambda q: f"?{q}")),
    st.sampled_from(["", "#", "#frag"]),
)


def _canonical_or_none(text: str) -> Canonical | None:
    try:
        return canonical("url", text)
    except CanonError:
        return None


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(_URL)
def test_url_canonicalisation_is_idempotent(text):
    first = _canonical_or_none(text)
    if first is None:
        return
    second = canonical("url", first.value)
    assert second.value == first.value
    assert set(second.flags) == set(first.flags) & VALUE_FLAGS


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(_URL)
def test_fast_path_agrees_with_the_full_routine(text):
    full = _canonical_or_none(text)
    expected = None if full is None else target_of(full.value)
    fast = fast_target(text)
    if fast is not None:
        assert fast == expected
    assert canonical_target(text) == expected


@settings(max_examples=300)
@given(_HOST)
def test_bare_hosts_agree_with_the_full_routine(host):
    full = _canonical_or_none(host)
    assert canonical_target(host) == (None if full is None else target_of(full.value))


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_any_text_either_canonicalises_or_raises_a_known_code(text):
    for kind in ("url", "domain", "email", "ipv4", "ipv6", "cidr", "asn", "md5"):
        result, code = _outcome(kind, text)
        assert (
            code in MESSAGES
            if result is None
            else canonical(kind, result.value).value == result.value
        )


def _outcome(kind: str, text: str) -> tuple[Canonical | None, str]:
    try:
        return canonical(kind, text), ""
    except CanonError as error:
        return None, error.code
