"""Warninglists: known-benign values that flag an indicator before it is shared (plain Python).

`check(kind, canonical_value)` returns the `Hit`s of a canonical value (from `canon.canonical`).
A hit flags a value for the analyst; it never discards it. Hosts match by EXACT host, never by
registrable domain: `evil.vercel.app` does not hit a list holding `vercel.app`. The one widening
is `www.`: `www.<d>` hits the popular-domains list when `<d>` is on it (Tranco lists registrable
domains, and their `www.` host is the same site).

A host under a suffix of the Public Suffix List's private section (`x.github.io`,
`evil.vercel.app`) is not benign: it gets a hit of kind `SHARED_PLATFORM_HOST` saying "block the
exact host, never the suffix", which callers show as a warning rather than a likely false
positive.

The lists are read once per process, on first use, from `data/warninglists/` (see its README for
sources and licences) and from the Public Suffix List bundled with `publicsuffixlist`.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import publicsuffixlist

from .canon import host_of

DATA_DIR = Path(__file__).resolve().parent / "data" / "warninglists"
BENIGN = "benign"
SHARED_PLATFORM_HOST = "shared_platform_host"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class Hit:
    list_code: str
    list_name_en: str
    list_name_ru: str
    reason_en: str
    reason_ru: str
    kind: str = BENIGN  # BENIGN: a likely false positive; SHARED_PLATFORM_HOST: a warning


@dataclass(frozen=True, slots=True)
class ListInfo:
    code: str
    name_en: str
    name_ru: str
    description_en: str
    description_ru: str
    source: str
    count: int
    kinds: tuple[str, ...]  # indicator kinds the list is checked for


_NAMES: dict[str, tuple[str, str]] = {
    "top-domains": ("Popular domains (Tranco top 100,000)", "Популярные домены (Tranco, 100 000)"),
    "url-shorteners": ("URL shorteners (MISP warninglist)", "Сервисы сокращения ссылок (MISP)"),
    "shared-platforms": ("Shared platforms (exact hosts)", "Общие платформы (точные хосты)"),
    "private-ranges": (
        "Private and reserved address ranges",
        "Частные и зарезервированные диапазоны адресов",
    ),
    "public-resolvers": ("Public DNS resolvers", "Публичные DNS-резолверы"),
    "psl-private": (
        "Hosts on shared platforms (Public Suffix List, private section)",
        "Хосты на общих платформах (частный раздел Public Suffix List)",
    ),
}

_DESCRIPTIONS: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "top-domains": (
        "The 100,000 most popular registrable domains, and their www. hosts.",
        "100 000 самых популярных регистрируемых доменов и их хосты www.",
        "Tranco list (tranco-list.eu), via SI-CERT-PiHole",
        ("domain", "url", "email"),
    ),
    "url-shorteners": (
        "Hosts of URL shortening services.",
        "Хосты сервисов сокращения ссылок.",
        "MISP warninglist url-shortener",
        ("domain", "url"),
    ),
    "shared-platforms": (
        "Hosts that serve many users' content; their subdomains are not on the list.",
        "Хосты с содержимым множества пользователей; их поддомены в список не входят.",
        "Concord (hand-made)",
        ("domain", "url"),
    ),
    "private-ranges": (
        "RFC 1918, loopback, link-local, CGNAT, documentation, multicast, reserved and ULA ranges.",
        (
            "Диапазоны RFC 1918, петлевые, link-local, CGNAT, для документации, multicast, "
            "зарезервированные и ULA."
        ),
        "IANA special-purpose address registries",
        ("ipv4", "ipv6", "cidr", "url"),
    ),
    "public-resolvers": (
        "Addresses and DNS-over-HTTPS hosts of public DNS resolvers.",
        "Адреса и DNS-over-HTTPS-хосты публичных DNS-резолверов.",
        "Concord (hand-made, from the operators' documentation)",
        ("ipv4", "ipv6", "cidr", "domain", "url"),
    ),
    "psl-private": (
        (
            "A warning, not a false positive: the host belongs to one user of a shared "
            "platform; block the exact host, never the platform's suffix."
        ),
        (
            "Предупреждение, а не ложное срабатывание: хост принадлежит одному пользователю "
            "общей платформы; блокируйте точный хост, но не суффикс платформы."
        ),
        "Public Suffix List, private section (bundled with publicsuffixlist)",
        ("domain", "url"),
    ),
}

# (network, name in English, name in Russian): named here rather than read from `ipaddress`'s
# is_private & co., whose meaning changed between Python releases and which cannot say which
# range matched.
_RANGES: tuple[tuple[str, str, str], ...] = (
    ("0.0.0.0/8", "“this network” (RFC 791)", "«эта сеть» (RFC 791)"),
    ("10.0.0.0/8", "a private network (RFC 1918)", "частная сеть (RFC 1918)"),
    ("100.64.0.0/10", "carrier-grade NAT (RFC 6598)", "NAT операторов связи (RFC 6598)"),
    ("127.0.0.0/8", "loopback", "петлевой интерфейс"),
    ("169.254.0.0/16", "link-local", "адреса локального канала (link-local)"),
    ("172.16.0.0/12", "a private network (RFC 1918)", "частная сеть (RFC 1918)"),
    ("192.0.0.0/24", "IETF protocol assignments (RFC 6890)", "служебные адреса IETF (RFC 6890)"),
    ("192.0.2.0/24", "documentation (RFC 5737)", "адреса для документации (RFC 5737)"),
    ("192.168.0.0/16", "a private network (RFC 1918)", "частная сеть (RFC 1918)"),
    ("198.18.0.0/15", "benchmarking (RFC 2544)", "адреса для тестов производительности (RFC 2544)"),
    ("198.51.100.0/24", "documentation (RFC 5737)", "адреса для документации (RFC 5737)"),
    ("203.0.113.0/24", "documentation (RFC 5737)", "адреса для документации (RFC 5737)"),
    ("224.0.0.0/4", "multicast", "групповая рассылка (multicast)"),
    ("240.0.0.0/4", "reserved and broadcast (RFC 1112, RFC 919)", "зарезервированные (RFC 1112)"),
    ("::/128", "the unspecified address", "неопределённый адрес"),
    ("::1/128", "loopback", "петлевой интерфейс"),
    ("100::/64", "discard-only (RFC 6666)", "адреса для отбрасывания трафика (RFC 6666)"),
    ("2001:db8::/32", "documentation (RFC 3849)", "адреса для документации (RFC 3849)"),
    ("fc00::/7", "unique local addresses (RFC 4193)", "уникальные локальные адреса (RFC 4193)"),
    ("fe80::/10", "link-local", "адреса локального канала (link-local)"),
    ("ff00::/8", "multicast", "групповая рассылка (multicast)"),
)


def _lines(name: str) -> list[str]:
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


@cache
def _hosts() -> dict[str, frozenset[str]]:
    shorteners = json.loads((DATA_DIR / "url-shortener.json").read_text(encoding="utf-8"))
    return {
        "top-domains": frozenset(_lines("tranco-top100k.txt")),
        "url-shorteners": frozenset(str(host).lower() for host in shorteners["list"]),
        "shared-platforms": frozenset(_lines("shared-platforms.txt")),
    }


@cache
def _resolvers() -> dict[str, str]:
    """Value (canonical address or host) → operator."""
    found = {}
    for line in _lines("public-resolvers.txt"):
        value, _, operator = line.partition(" ")
        if ":" in value:
            value = ipaddress.IPv6Address(value).compressed
        found[value] = operator.strip()
    return found


@cache
def _resolver_addresses() -> tuple[IPAddress, ...]:
    return tuple(ipaddress.ip_address(v) for v in _resolvers() if v[0].isdigit() or ":" in v)


@cache
def _ranges() -> tuple[tuple[IPNetwork, str, str], ...]:
    return tuple((ipaddress.ip_network(net), en, ru) for net, en, ru in _RANGES)


@cache
def _suffix_lists() -> tuple[publicsuffixlist.PublicSuffixList, publicsuffixlist.PublicSuffixList]:
    """(every rule, ICANN rules only): a host whose public suffix differs between the two sits
    under a private-section suffix."""
    every = publicsuffixlist.PublicSuffixList()
    icann = publicsuffixlist.PublicSuffixList(only_icann=True)
    return every, icann


def _hit(code: str, reason_en: str, reason_ru: str, kind: str = BENIGN) -> Hit:
    name_en, name_ru = _NAMES[code]
    return Hit(code, name_en, name_ru, reason_en, reason_ru, kind)


def _host_hits(host: str) -> list[Hit]:
    lists = _hosts()
    hits = []
    top = lists["top-domains"]
    popular = host if host in top else host[4:] if host.startswith("www.") else ""
    if popular in top:
        hits.append(
            _hit(
                "top-domains",
                f"{popular} is one of the 100,000 most popular domains: check that the "
                "indicator is harmful, not the site.",
                f"{popular} входит в 100 000 самых популярных доменов: убедитесь, что вредоносен "
                "индикатор, а не сайт.",
            )
        )
    if host in lists["url-shorteners"]:
        hits.append(
            _hit(
                "url-shorteners",
                f"{host} is a URL shortener: the link hides its destination; expand it and "
                "report the destination, never the shortener's host.",
                f"{host} — сервис сокращения ссылок: ссылка скрывает адрес назначения; раскройте "
                "её и сообщайте адрес назначения, а не хост сервиса.",
            )
        )
    if host in lists["shared-platforms"]:
        hits.append(
            _hit(
                "shared-platforms",
                f"{host} serves many users' content: blocking it would hit all of them; report "
                "the exact URL or the user's own host.",
                f"{host} отдаёт содержимое множества пользователей: его блокировка заденет всех; "
                "сообщайте точный URL или собственный хост пользователя.",
            )
        )
    operator = _resolvers().get(host)
    if operator is not None:
        hits.append(_resolver_hit(host, operator))
    hits.extend(_platform_hits(host))
    return hits


def _platform_hits(host: str) -> list[Hit]:
    every, icann = _suffix_lists()
    suffix = every.publicsuffix(host)
    if suffix is None or suffix == host or suffix == icann.publicsuffix(host):
        return []
    return [
        _hit(
            "psl-private",
            f"{host} is one user's host on the shared platform {suffix}: block the exact host, "
            f"never {suffix}.",
            f"{host} — хост одного пользователя общей платформы {suffix}: блокируйте точный "
            f"хост, но никогда {suffix}.",
            SHARED_PLATFORM_HOST,
        )
    ]


def _resolver_hit(value: str, operator: str) -> Hit:
    return _hit(
        "public-resolvers",
        f"{value} is a public DNS resolver ({operator}): almost every network talks to it.",
        f"{value} — публичный DNS-резолвер ({operator}): к нему обращается почти любая сеть.",
    )


def _network_hits(network: IPNetwork, shown: str) -> list[Hit]:
    hits = []
    single = network.num_addresses == 1
    for block, name_en, name_ru in _ranges():
        if block.version == network.version and block.overlaps(network):
            verb_en, verb_ru = ("is in", "входит в") if single else ("overlaps", "пересекается с")
            hits.append(
                _hit(
                    "private-ranges",
                    f"{shown} {verb_en} {block}, {name_en}: not a public internet address.",
                    f"{shown} {verb_ru} {block} — {name_ru}: это не публичный адрес интернета.",
                )
            )
    resolvers = _resolvers()
    hits.extend(
        _resolver_hit(str(address), resolvers[str(address)])
        for address in _resolver_addresses()
        if address.version == network.version and address in network
    )
    return hits


def _address_hits(address: IPAddress) -> list[Hit]:
    shown = str(address)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        shown = f"::ffff:{address.ipv4_mapped}"
        address = address.ipv4_mapped
    return _network_hits(ipaddress.ip_network(address), shown)


def _ip_or_host_hits(host: str) -> list[Hit]:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return _host_hits(host)
    return _address_hits(address)


def check(kind: str, canonical_value: str) -> list[Hit]:
    """Warninglist hits of a canonical value of `kind` (an indicator kind, or "host")."""
    if kind in {"ipv4", "ipv6"}:
        return _address_hits(ipaddress.ip_address(canonical_value))
    if kind == "cidr":
        return _network_hits(ipaddress.ip_network(canonical_value), canonical_value)
    if kind in {"domain", "host"}:
        return _ip_or_host_hits(canonical_value)
    if kind == "url":
        return _ip_or_host_hits(host_of(canonical_value))
    if kind == "email":
        return _host_hits(canonical_value.rpartition("@")[2])
    return []


def _private_rule_count() -> int:
    source = Path(publicsuffixlist.__file__).with_name("public_suffix_list.dat")
    inside, count = False, 0
    for line in source.read_text(encoding="utf-8").splitlines():
        if "===BEGIN PRIVATE DOMAINS===" in line:
            inside = True
        elif "===END PRIVATE DOMAINS===" in line:
            break
        elif inside and line.strip() and not line.startswith("//"):
            count += 1
    return count


def stored_hits(kind: str, canonical_value: str) -> list[dict[str, str]]:
    """The hits on a value in the form indicators keep them (`Indicator.warnings`)."""
    return [
        {
            "list": hit.list_code,
            "name_en": hit.list_name_en,
            "name_ru": hit.list_name_ru,
            "reason": hit.reason_en,
            "reason_ru": hit.reason_ru,
            "kind": hit.kind,
        }
        for hit in check(kind, canonical_value)
    ]


def any_benign(hits: list[dict[str, str]]) -> bool:
    """Whether a stored hit says the value is probably harmless (a popular domain, a private
    address). A host on a shared platform is only a warning: `evil.vercel.app` stays actionable."""
    return any(hit.get("kind", BENIGN) == BENIGN for hit in hits)


def lists() -> list[ListInfo]:
    """The lists with their sources and sizes, for a page that shows them."""
    return list(_list_infos())


@cache
def _list_infos() -> tuple[ListInfo, ...]:
    hosts = _hosts()
    counts = {
        **{code: len(values) for code, values in hosts.items()},
        "private-ranges": len(_RANGES),
        "public-resolvers": len(_resolvers()),
        "psl-private": _private_rule_count(),
    }
    return tuple(
        ListInfo(code, *_NAMES[code], en, ru, source, counts[code], kinds)
        for code, (en, ru, source, kinds) in _DESCRIPTIONS.items()
    )
