"""Canonical forms of indicator and resource values (plain Python: no Django, no database).

`canonical(kind, value)` returns a `Canonical(kind, value, flags)` or raises `CanonError` with a
machine `code`, `params` and an English message (`MESSAGES[code]`, for callers to translate).
The full rules are in docs/cyber-canonical-forms.md; in short:

- ipv4 / ipv6: `ipaddress`; IPv4 with a leading-zero octet is refused (``010`` is octal to some
  tools and decimal to others); IPv6 is compressed lower-case, an IPv4-mapped address stays ipv6,
  is written ``::ffff:a.b.c.d`` (RFC 5952 §5) and flagged ``ipv4_mapped``.
- cidr: ``ip_network(strict=False)``; host bits are cleared (flag ``host_bits_cleared``); a /32 or
  /128 stays a cidr.
- domain: stripped, one trailing dot removed, UTS #46 mapping and IDNA 2008 (the `idna` package)
  to the ASCII form; flags ``punycode`` (an ``xn--`` label) and ``homograph`` (a label that mixes
  scripts, or a Cyrillic label made only of Latin look-alikes under a non-Cyrillic TLD). ASCII
  labels are letters, digits, hyphens (not at either end) and underscores (real hostnames use
  them; IDNA 2008 governs only non-ASCII labels). ≤ 253 characters, labels ≤ 63.
- url: scheme http, https or ftp, lower-case (``hxxp``/``hxxps`` and ``[.]`` defanging refanged,
  flag ``defanged``; no scheme → ``http://``, flag ``scheme_added``); host as a domain, an IPv4
  address (browser rules: ``0x7f.1`` → ``127.0.0.1``, flag ``ip_obfuscated``) or a bracketed IPv6
  address; default port dropped; user information refused (``credentials``); fragment dropped;
  path and query percent-normalised (unreserved characters decoded, other escapes upper-case,
  other characters UTF-8 escaped), dot segments resolved, empty path ``/``, trailing slash kept,
  query parameters kept in their order (servers may read them in order), an empty query dropped.
- email: the domain part as a domain; the local part kept exactly as written (RFC 5321: it may be
  case-sensitive).
- hashes: lower-case hex of the exact length; asn: ``AS<number>`` (``as1234``, ``1234`` and
  asdot ``AS1.10`` accepted).

`canonical_target(text)` is the fast path of the registry lookup: (host, path with query) of a URL
or bare host, equal to `target_of(canonical("url", text).value)`.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import idna

KINDS = ("ipv4", "ipv6", "cidr", "domain", "url", "email", "md5", "sha1", "sha256", "sha512", "asn")
MAX_URL_LENGTH = 2048
MAX_DOMAIN_LENGTH = 253
MAX_LABEL_LENGTH = 63
SCHEMES = {"http": 80, "https": 443, "ftp": 21}
HASH_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}

# Flags about the value itself survive re-canonicalisation; the others describe the input.
VALUE_FLAGS = frozenset({"punycode", "homograph", "ipv4_mapped"})


def gettext_noop(message: str) -> str:
    """Marks a message for the translation catalogue (`makemessages` looks for this name); the
    module stays free of Django, and callers translate with `gettext(MESSAGES[code])`."""
    return message


MESSAGES: dict[str, str] = {
    "empty": gettext_noop("The value is empty."),
    "unknown_kind": gettext_noop("Unknown indicator type {kind}."),
    "too_long": gettext_noop("The value is {length} characters long; at most {limit} are allowed."),
    "control_chars": gettext_noop(
        "The value contains whitespace or a control character at position {position}."
    ),
    "credentials": gettext_noop(
        "The URL carries a user name or password; such URLs are refused so that credentials "
        "are never stored."
    ),
    "bad_scheme": gettext_noop("Only http, https and ftp URLs are accepted, not {scheme}."),
    "bad_url": gettext_noop("{value} is not a usable URL: {reason}."),
    "bad_port": gettext_noop("{port} is not a valid port number (1–65535)."),
    "bad_ip": gettext_noop("{value} is not a valid IP address."),
    "ambiguous_ip": gettext_noop(
        "{value} has an octet with a leading zero, which some tools read as octal; "
        "write it without leading zeros."
    ),
    "bad_cidr": gettext_noop("{value} is not a valid network: {reason}."),
    "bad_domain": gettext_noop("{value} is not a valid domain name: {reason}."),
    "idna_invalid": gettext_noop("{value} is not a valid internationalised domain name: {reason}."),
    "bad_email": gettext_noop("{value} is not a valid e-mail address: {reason}."),
    "bad_hash": gettext_noop("A {kind} hash is {expected} hexadecimal characters; got {value}."),
    "bad_asn": gettext_noop("{value} is not a valid autonomous system number: {reason}."),
    "bad_account": gettext_noop("{value} is not an account on a known platform: {reason}."),
}


class CanonError(ValueError):
    """A value that has no canonical form: `code` names the problem, `params` fill the message."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(MESSAGES[code].format(**params))


@dataclass(frozen=True, slots=True)
class Canonical:
    kind: str
    value: str
    flags: tuple[str, ...] = ()


def _flags(found: set[str] | list[str]) -> tuple[str, ...]:
    return tuple(sorted(set(found)))


# --- input hygiene -------------------------------------------------------------------------

_ASCII_BAD = re.compile(r"[\x00-\x20\x7f]")
_REJECTED_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})
_DEFANG = re.compile(r"\[\.\]|\(\.\)|\[dot\]|\[:\]|\[@\]", re.IGNORECASE)
_REFANG = {"[.]": ".", "(.)": ".", "[dot]": ".", "[:]": ":", "[@]": "@"}


def _prepare(value: str, limit: int) -> str:
    """Stripped text, refused when empty, too long, or holding whitespace/control characters."""
    text = value.strip()
    if not text:
        raise CanonError("empty")
    if len(text) > limit:
        raise CanonError("too_long", length=len(text), limit=limit)
    bad = _ASCII_BAD.search(text)
    if bad is not None:
        raise CanonError("control_chars", position=bad.start() + 1)
    if not text.isascii():
        for position, char in enumerate(text, 1):
            if char >= "\x80" and unicodedata.category(char) in _REJECTED_CATEGORIES:
                raise CanonError("control_chars", position=position)
    return text


def _refang(text: str, flags: set[str]) -> str:
    if "[" in text or "(" in text:
        refanged = _DEFANG.sub(lambda m: _REFANG[m.group(0).lower()], text)
        if refanged != text:
            flags.add("defanged")
            return refanged
    return text


# --- IP addresses --------------------------------------------------------------------------

_LEADING_ZERO = re.compile(r"(?:^|\.)0[0-9]")
_DIGITS = re.compile(r"[0-9]+").fullmatch  # str.isdigit() also accepts "²" and "١"


def _ipv4(text: str) -> str:
    if _LEADING_ZERO.search(text):
        raise CanonError("ambiguous_ip", value=text)
    try:
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        raise CanonError("bad_ip", value=text) from None


def _ipv6_text(address: ipaddress.IPv6Address) -> str:
    mapped = address.ipv4_mapped
    return f"::ffff:{mapped}" if mapped is not None else address.compressed


def _ipv6(text: str, flags: set[str]) -> str:
    bare = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    if "%" in bare:  # zone identifiers are local to one machine
        raise CanonError("bad_ip", value=text)
    embedded = bare.rpartition(":")[2]
    if "." in embedded and _LEADING_ZERO.search(embedded):
        raise CanonError("ambiguous_ip", value=text)
    try:
        address = ipaddress.IPv6Address(bare)
    except ValueError:
        raise CanonError("bad_ip", value=text) from None
    if address.ipv4_mapped is not None:
        flags.add("ipv4_mapped")
    return _ipv6_text(address)


def _cidr(text: str, flags: set[str]) -> str:
    address, slash, prefix = text.partition("/")
    if not slash or not _DIGITS(prefix):
        raise CanonError("bad_cidr", value=text, reason="a network needs a prefix length (/n)")
    if ":" in address:
        _ipv6(address, set())
    else:
        _ipv4(address)
    try:
        network = ipaddress.ip_network(f"{address}/{int(prefix)}", strict=False)
    except ValueError as error:
        raise CanonError("bad_cidr", value=text, reason=str(error)) from None
    if network.network_address != ipaddress.ip_address(address):
        flags.add("host_bits_cleared")
    return str(network)


def _whatwg_ipv4(host: str) -> str | None:
    """The dotted-quad form of a URL host that browsers read as IPv4 (the WHATWG URL rules:
    ``0x7f.1``, ``2130706433`` and ``0177.0.0.1`` are all 127.0.0.1), or None when the host is a
    name. The standard library has no parser for these forms."""
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    last = parts[-1].lower()
    if not (_DIGITS(last) or (last.startswith("0x") and all(c in _HEX for c in last[2:]))):
        return None
    if len(parts) > 4:
        raise CanonError("bad_ip", value=host)
    numbers = []
    for part in parts:
        lowered = part.lower()
        try:
            if lowered.startswith("0x"):
                numbers.append(int(lowered[2:] or "0", 16))
            elif len(part) > 1 and part.startswith("0"):
                numbers.append(int(part, 8))
            else:
                numbers.append(int(part, 10))
        except ValueError:
            raise CanonError("bad_ip", value=host) from None
    *head, tail = numbers
    if any(n > 255 for n in head) or tail >= 256 ** (5 - len(numbers)):
        raise CanonError("bad_ip", value=host)
    number = tail + sum(n << (8 * (3 - i)) for i, n in enumerate(head))
    return str(ipaddress.IPv4Address(number))


# --- domains -------------------------------------------------------------------------------

_ASCII_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?")
# Lower-case ASCII labels without "--" ending in a letter-led top-level label.
_PLAIN_HOST = re.compile(
    r"(?:[a-z0-9_](?:[a-z0-9_]|-(?!-))*(?<!-)\.)*[a-z](?:[a-z0-9]|-(?!-))*(?<!-)"
).fullmatch
# Cyrillic letters drawn like Latin ones (а с ԁ е һ і ј ӏ о р ԛ ѕ ԝ х у ь ѵ): a label made only of
# them under a non-Cyrillic TLD is a whole-script homograph (аррӏе.com).
_CYRILLIC_LOOKALIKES = frozenset("асԁеһіјӏорԛѕԝхуьѵ")
_CYRILLIC_TLDS = frozenset(
    {"ru", "su", "by", "kz", "ua", "bg", "mk", "rs", "kg", "tj", "uz", "mn", "xn--p1ai",
     "xn--90ais", "xn--j1amh", "xn--80ao21a", "xn--90a3ac", "xn--d1alf", "xn--l1acc",
     "xn--p1acf", "xn--c1avg", "xn--80asehdb", "xn--80aswg", "xn--80adxhks", "xn--d1acj3b"}
)  # fmt: skip
# Script sets that legitimately share a label (UTS #39 "highly restrictive" profile).
_ALLOWED_MIXES = (
    frozenset({"LATIN", "CJK", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "CJK", "BOPOMOFO"}),
    frozenset({"LATIN", "CJK", "HANGUL"}),
)
_SCRIPT_WORDS = frozenset(
    {"LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "GEORGIAN", "HEBREW", "ARABIC", "CJK", "HIRAGANA",
     "KATAKANA", "HANGUL", "BOPOMOFO", "THAI", "DEVANAGARI", "BENGALI", "TAMIL", "CHEROKEE"}
)  # fmt: skip


@lru_cache(maxsize=4096)
def _script(char: str) -> str:
    """The script of a letter, named by the first word of its Unicode name ("CYRILLIC SMALL
    LETTER A" → CYRILLIC; "KATAKANA-HIRAGANA PROLONGED SOUND MARK" → KATAKANA). The standard
    library has no Script property; this is enough to tell scripts apart for homographs."""
    word = unicodedata.name(char, "UNKNOWN").split(" ", 1)[0].split("-", 1)[0]
    return word if word in _SCRIPT_WORDS else f"OTHER-{word}"


def _scripts(label: str) -> set[str]:
    """Scripts of the letters of a label (digits, hyphens and combining marks have none)."""
    return {_script(char) for char in label if char.isalpha()}


def _is_homograph(ulabel: str, tld: str) -> bool:
    scripts = _scripts(ulabel)
    if len(scripts) > 1:
        return not any(scripts <= allowed for allowed in _ALLOWED_MIXES)
    letters = {c for c in ulabel if c.isalpha()}
    return scripts == {"CYRILLIC"} and letters <= _CYRILLIC_LOOKALIKES and tld not in _CYRILLIC_TLDS


def _domain_label(label: str, whole: str) -> tuple[str, str | None]:
    """(A-label or ASCII label, U-label when the label is internationalised)."""
    if not label:
        raise CanonError("bad_domain", value=whole, reason="an empty label")
    if label.isascii() and not label.startswith("xn--"):
        if len(label) > MAX_LABEL_LENGTH:
            raise CanonError("bad_domain", value=whole, reason=f"the label {label} is too long")
        if not _ASCII_LABEL.fullmatch(label):
            raise CanonError("bad_domain", value=whole, reason=f"the label {label} is invalid")
        return label, None
    try:
        if label.isascii():
            ulabel = idna.ulabel(label)
            alabel = label
            if idna.alabel(ulabel).decode("ascii") != label:
                raise idna.IDNAError("the A-label is not in its canonical form")
        else:
            ulabel = label
            alabel = idna.alabel(label).decode("ascii")
    except (idna.IDNAError, UnicodeError) as error:
        raise CanonError("idna_invalid", value=whole, reason=str(error)) from None
    return alabel, ulabel


@lru_cache(maxsize=65536)
def _domain(text: str) -> tuple[str, tuple[str, ...]]:
    """(ASCII form, flags) of a host name already free of whitespace and control characters."""
    name = text
    if not name.isascii():
        try:
            name = idna.uts46_remap(name, std3_rules=False, transitional=False)
        except (idna.IDNAError, UnicodeError) as error:
            raise CanonError("idna_invalid", value=text, reason=str(error)) from None
    name = name.lower()
    if name.endswith("."):
        name = name[:-1]
    if not name:
        raise CanonError("bad_domain", value=text, reason="it is empty")
    if _PLAIN_HOST(name) and len(name) <= MAX_LABEL_LENGTH:  # the common case, in one step
        return name, ()
    pairs = [_domain_label(label, text) for label in name.split(".")]
    labels = [alabel for alabel, _ in pairs]
    result = ".".join(labels)
    if len(result) > MAX_DOMAIN_LENGTH:
        raise CanonError("bad_domain", value=text, reason="it is longer than 253 characters")
    if _DIGITS(labels[-1]) or "_" in labels[-1]:
        raise CanonError("bad_domain", value=text, reason="the last label is not a top-level name")
    ulabels = [ulabel for _, ulabel in pairs if ulabel is not None]
    flags = {"punycode"} if ulabels else set()
    if any(_is_homograph(ulabel, labels[-1]) for ulabel in ulabels):
        flags.add("homograph")
    return result, _flags(flags)


def _host(text: str, flags: set[str]) -> str:
    """Canonical host of a URL: an IPv6 literal (bracketed), an IPv4 address or a domain."""
    if text.startswith("["):
        return f"[{_ipv6(text, flags)}]"
    ipv4 = _whatwg_ipv4(text)
    if ipv4 is not None:
        if ipv4 != text:
            flags.add("ip_obfuscated")
        return ipv4
    value, found = _domain(text)
    flags.update(found)
    return value


# --- URLs ----------------------------------------------------------------------------------

_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):(//)?")
_DEFANGED_SCHEMES = {"hxxp": "http", "hxxps": "https", "fxp": "ftp"}
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PATH_SAFE = _UNRESERVED | frozenset("!$&'()*+,;=:@/")
_QUERY_SAFE = _PATH_SAFE | {"?"}
_HEX = frozenset("0123456789abcdefABCDEF")


def _percent_normalised(text: str, safe: frozenset[str]) -> str:
    """RFC 3986 §6.2.2.2 percent-encoding normalisation: escapes of unreserved characters are
    decoded, other escapes upper-cased, characters outside `safe` (and a stray ``%``) escaped as
    UTF-8. urllib's quote/unquote would decode reserved escapes and change the meaning."""
    if "%" not in text and all(c in safe for c in text):
        return text
    out: list[str] = []
    i, end = 0, len(text)
    while i < end:
        char = text[i]
        if char == "%" and i + 2 < end and text[i + 1] in _HEX and text[i + 2] in _HEX:
            decoded = chr(int(text[i + 1 : i + 3], 16))
            out.append(decoded if decoded in _UNRESERVED else text[i : i + 3].upper())
            i += 3
            continue
        if char in safe:
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8"))
        i += 1
    return "".join(out)


def _without_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4 for an absolute path; empty segments (``//``) are kept."""
    if "/." not in path:
        return path
    segments = path.split("/")[1:]
    kept: list[str] = []
    for segment in segments:
        if segment == "..":
            if kept:
                kept.pop()
        elif segment != ".":
            kept.append(segment)
    if segments[-1] in {".", ".."}:
        kept.append("")
    return "/" + "/".join(kept)


def _split_url(text: str, flags: set[str]) -> tuple[str, str, str]:
    """(scheme, authority, rest) of a URL, defanged schemes refanged and a missing one added."""
    found = _SCHEME.match(text)
    if found is not None and found.group(2):
        scheme = found.group(1).lower()
        if scheme in _DEFANGED_SCHEMES:
            scheme = _DEFANGED_SCHEMES[scheme]
            flags.add("defanged")
        remainder = text[found.end() :]
    elif found is not None and not _DIGITS(text[found.end() : found.end() + 1]):
        raise CanonError("bad_scheme", scheme=found.group(1).lower())
    else:
        scheme = "http"
        remainder = text[2:] if text.startswith("//") else text
        flags.add("scheme_added")
    if scheme not in SCHEMES:
        raise CanonError("bad_scheme", scheme=scheme)
    cut = len(remainder)
    for mark in "/?#\\":
        position = remainder.find(mark)
        if position != -1:
            cut = min(cut, position)
    return scheme, remainder[:cut], remainder[cut:]


def _authority(scheme: str, authority: str, original: str, flags: set[str]) -> tuple[str, str]:
    if "@" in authority:
        raise CanonError("credentials")
    if authority.startswith("["):
        close = authority.find("]")
        host, port = authority[: close + 1], authority[close + 1 :]
        if close == -1 or (port and not port.startswith(":")):
            raise CanonError("bad_url", value=original, reason="the IPv6 address is malformed")
        port = port[1:]
    else:
        host, _, port = authority.partition(":")
    if not host:
        raise CanonError("bad_url", value=original, reason="there is no host")
    if port:
        if not _DIGITS(port) or not 0 < int(port) <= 65535:
            raise CanonError("bad_port", port=port)
        port = "" if int(port) == SCHEMES[scheme] else f":{int(port)}"
    return _host(host, flags), port


def _url(text: str, flags: set[str]) -> str:
    scheme, authority, rest = _split_url(text, flags)
    host, port = _authority(scheme, authority, text, flags)
    path, question, query = rest.partition("#")[0].partition("?")
    # Browsers read "\\" as "/" before the query of an http(s)/ftp URL (WHATWG URL standard), so
    # "http://good.com\\@evil.com" goes to good.com: the authority ends at the backslash.
    path = path.replace("\\", "/")
    path = _without_dot_segments(_percent_normalised(path or "/", _PATH_SAFE))
    query = _percent_normalised(query, _QUERY_SAFE) if question else ""
    result = f"{scheme}://{host}{port}{path}{'?' + query if query else ''}"
    if len(result) > MAX_URL_LENGTH:
        raise CanonError("too_long", length=len(result), limit=MAX_URL_LENGTH)
    return result


def target_of(url: str) -> tuple[str, str]:
    """(host, path with query) of a canonical URL: the host without port or IPv6 brackets."""
    after_scheme = url.partition("://")[2]
    slash = after_scheme.find("/")
    authority, path = after_scheme[:slash], after_scheme[slash:]
    if authority.startswith("["):
        return authority[1 : authority.index("]")], path
    return authority.partition(":")[0], path


def host_of(url: str) -> str:
    """The host of a canonical URL, without port or IPv6 brackets."""
    return target_of(url)[0]


# The hot path: plain ASCII URLs or hosts that are already canonical apart from the scheme,
# the host's letter case and an empty path. Anything else goes through `canonical("url")`.
_FAST = re.compile(
    r"(?:(?:[hH][tT][tT][pP][sS]?|[fF][tT][pP])://)?"
    r"((?:[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?\.)+[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"|(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}"
    r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9]))"
    r"(/[A-Za-z0-9._~!$&'()*+,;=:@/-]*)?(\?[A-Za-z0-9._~!$&'()*+,;=:@/?-]*)?"
).fullmatch
_FAST_LIMIT = MAX_URL_LENGTH - 16


def fast_target(text: str) -> tuple[str, str] | None:
    """`canonical_target` for input needing no more than lower-casing: None when unsure."""
    if len(text) > _FAST_LIMIT:
        return None
    found = _FAST(text)
    if found is None:
        return None
    host, path, query = found.groups()
    # "--": xn-- labels need IDNA checks; a host over 63 characters may hold a label over 63.
    if "--" in host or (len(host) > MAX_LABEL_LENGTH and not _labels_fit(host)):
        return None
    if path is None:
        path = "/"
    elif "/." in path:
        return None
    if query is not None and len(query) > 1:
        return host.lower(), path + query
    return host.lower(), path


def _labels_fit(host: str) -> bool:
    return len(host) <= MAX_DOMAIN_LENGTH and all(
        len(label) <= MAX_LABEL_LENGTH for label in host.split(".")
    )


def canonical_target(text: str) -> tuple[str, str] | None:
    """(host, path with query) of a URL or bare host typed by a user, or None if unusable."""
    found = fast_target(text)
    if found is not None:
        return found
    try:
        return _slow_target(text)
    except CanonError:
        return None


def url_target(text: str) -> tuple[str, str]:
    """Like `canonical_target`, raising `CanonError` for unusable input."""
    found = fast_target(text)
    if found is not None:
        return found
    return _slow_target(text)


def _slow_target(text: str) -> tuple[str, str]:
    flags: set[str] = set()
    return target_of(_url(_refang(_prepare(text, MAX_URL_LENGTH), flags), flags))


# --- the other kinds -----------------------------------------------------------------------

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\x80-\U0010ffff-]+"
_EMAIL_LOCAL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")  # RFC 5322 dot-atom, UTF-8 allowed
_ASN = re.compile(r"(?:as)?([0-9]+)(?:\.([0-9]+))?", re.IGNORECASE)
_HEX_ONLY = re.compile(r"[0-9a-f]+")


def _email(text: str, flags: set[str]) -> str:
    local, at, domain = text.rpartition("@")
    if not at or not local:
        raise CanonError("bad_email", value=text, reason="it has no local part and domain")
    if len(local) > 64 or not _EMAIL_LOCAL.fullmatch(local):
        raise CanonError("bad_email", value=text, reason="the part before @ is invalid")
    if domain.startswith("["):
        raise CanonError("bad_email", value=text, reason="address literals are not accepted")
    value, found = _domain(domain)
    if "." not in value:
        raise CanonError("bad_email", value=text, reason="the domain has a single label")
    flags.update(found)
    return f"{local}@{value}"


def _asn(text: str) -> str:
    found = _ASN.fullmatch(text)
    if found is None:
        raise CanonError("bad_asn", value=text, reason="expected AS followed by a number")
    high, low = found.group(1), found.group(2)
    if low is not None:  # asdot notation (RFC 5396)
        if int(high) > 65535 or int(low) > 65535:
            raise CanonError("bad_asn", value=text, reason="asdot halves are at most 65535")
        number = int(high) * 65536 + int(low)
    else:
        number = int(high)
    if not 0 < number < 2**32:
        raise CanonError("bad_asn", value=text, reason="it must be between 1 and 4294967295")
    return f"AS{number}"


def _hash(kind: str, text: str) -> str:
    lowered = text.lower()
    if len(lowered) != HASH_LENGTHS[kind] or not _HEX_ONLY.fullmatch(lowered):
        raise CanonError("bad_hash", kind=kind.upper(), expected=HASH_LENGTHS[kind], value=text)
    return lowered


def canonical_domain(value: str) -> Canonical:
    """A domain name's canonical form (an IP address is refused)."""
    return canonical("domain", value)


def canonical_host(value: str) -> Canonical:
    """A host as a registry resource: a domain (single labels allowed), IPv4 or IPv6 address."""
    flags: set[str] = set()
    text = _refang(_prepare(value, MAX_DOMAIN_LENGTH + 2), flags)
    if ":" in text:
        return Canonical("ipv6", _ipv6(text, flags), _flags(flags))
    ipv4 = _whatwg_ipv4(text)
    if ipv4 is not None:
        if ipv4 != text:
            flags.add("ip_obfuscated")
        return Canonical("ipv4", ipv4, _flags(flags))
    domain, found = _domain(text)
    return Canonical("domain", domain, _flags(flags | set(found)))


def _domain_kind(text: str, flags: set[str]) -> str:
    if ":" in text or "/" in text:
        raise CanonError("bad_domain", value=text, reason="a domain has no scheme, port or path")
    try:
        address = _whatwg_ipv4(text)
    except CanonError:
        address = text
    if address is not None:
        raise CanonError("bad_domain", value=text, reason="it is an IP address")
    result, found = _domain(text)
    if "." not in result:
        raise CanonError("bad_domain", value=text, reason="it has a single label")
    flags.update(found)
    return result


def canonical(kind: str, value: str) -> Canonical:
    """The canonical form of `value` as an indicator of `kind`, or `CanonError`."""
    if kind not in KINDS:
        raise CanonError("unknown_kind", kind=kind)
    text = _prepare(value, MAX_URL_LENGTH if kind in {"url", "email"} else 512)
    if kind in HASH_LENGTHS:
        return Canonical(kind, _hash(kind, text))
    if kind == "asn":
        return Canonical(kind, _asn(text))
    flags: set[str] = set()
    text = _refang(text, flags)
    if kind == "ipv4":
        result = _ipv4(text)
    elif kind == "ipv6":
        result = _ipv6(text, flags)
    elif kind == "cidr":
        result = _cidr(text, flags)
    elif kind == "url":
        result = _url(text, flags)
    elif kind == "email":
        result = _email(text, flags)
    else:
        result = _domain_kind(text, flags)
    return Canonical(kind, result, _flags(flags))
