"""Registry lookup: 1,000,000 URLs and hosts against 1,000,000 synthetic resources, on one core,
canonicalisation included, next to exact-string set membership (the limit) and a naive scan of
every entry (a 200-query sample). Target ≥ 200,000 lookups/s. BENCH_LOOKUP_N scales both sizes
down for a quick run (e.g. BENCH_LOOKUP_N=100000); `python -m bench.cyber.lookup` runs it alone."""

from __future__ import annotations

import gc
import os
import random
import re
import resource
import string
import time
from collections.abc import Callable
from pathlib import Path

from bench.harness import REPO_ROOT, BenchContext, Measurement, rate_result
from bench.report import Check, ModuleResult, render
from concord.cyber.canon import CanonError, canonical, target_of
from concord.cyber.lookup import RegistryIndex, account_of

SIZE = int(os.environ.get("BENCH_LOOKUP_N", "1000000"))
SCAN_QUERIES = 200
ROUNDS = 5
TARGET = 200_000.0
TRANCO = REPO_ROOT / "concord" / "cyber" / "data" / "warninglists" / "tranco-top100k.txt"
SICERT = REPO_ROOT.parent / "shared" / "data" / "cyber" / "blocklists"
PHISH_WORDS = (
    "login", "secure", "account", "verify", "update", "bank", "pay", "wallet", "support",
    "service", "portal", "auth", "signin", "office", "mail", "post", "delivery", "parcel",
    "track", "invoice", "billing", "client", "my", "online", "web", "app", "id", "docs",
)  # fmt: skip
TLDS = (
    "com", "com", "com", "net", "org", "ru", "ru", "kz", "top", "xyz", "cc", "info", "shop",
    "sbs", "buzz", "cloud", "online", "site", "live", "icu", "click", "link", "me", "co", "io",
    "de", "uk",
)  # fmt: skip
HOST_NAME = re.compile(r"(?:[a-z0-9-]+\.)+[a-z]{2,}")
PLATFORMS = {"telegram": "t.me", "vk": "vk.com", "instagram": "instagram.com", "x": "x.com"}

Entry = tuple[int, str, str]


def _read_hosts(path: Path) -> list[str]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip().lower() for line in lines if line.strip() and line[0] != "#"]


class Shapes:
    """Hosts shaped like the public blocklists: SI-CERT's phishing hosts (random-looking labels,
    brand words joined by hyphens, cheap TLDs) and Tranco's registrable domains with subdomains."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.tranco = _read_hosts(TRANCO)
        sicert = sorted(SICERT.glob("sicert_domains_*.txt"))
        # Only the names (the list also holds a few IP addresses and odd entries).
        listed = _read_hosts(sicert[-1]) if sicert else []
        self.sicert = [h for h in listed if HOST_NAME.fullmatch(h)]

    def label(self, low: int = 4, high: int = 14) -> str:
        alphabet = string.ascii_lowercase + string.digits
        return "".join(self.rng.choices(alphabet, k=self.rng.randint(low, high)))

    def host(self) -> str:
        rng = self.rng
        pick = rng.random()
        if pick < 0.35:  # phishing-kit style: words and random labels on a cheap TLD
            words = "-".join(rng.sample(PHISH_WORDS, rng.randint(1, 3)))
            return f"{words}-{self.label(3, 8)}.{rng.choice(TLDS)}"
        if pick < 0.55 and self.sicert:  # a listed host with a fresh leftmost label
            base = rng.choice(self.sicert).split(".", 1)[-1]
            return f"{self.label()}.{base}"
        if pick < 0.85 and self.tranco:  # a subdomain of a popular domain (compromised sites)
            return f"{self.label(3, 10)}.{rng.choice(self.tranco)}"
        return f"{self.label(6, 16)}.{rng.choice(TLDS)}"

    def path(self) -> str:
        rng = self.rng
        segments = [self.label(2, 10) for _ in range(rng.randint(1, 4))]
        path = "/" + "/".join(segments)
        if rng.random() < 0.3:
            path += rng.choice([".php", ".html", "/"])
        if rng.random() < 0.2:
            path += f"?id={self.label(4, 8)}"
        return path


def build_registry(size: int, shapes: Shapes) -> tuple[list[Entry], list[str]]:
    """(entries, hosts of the entries): 60 % hosts, 30 % URLs, 10 % accounts."""
    rng = shapes.rng
    entries: list[Entry] = []
    hosts: list[str] = []
    seen: set[tuple[str, str]] = set()
    while len(entries) < size:
        pick = rng.random()
        if pick < 0.6:
            kind, host = "host", shapes.host()
            value = host
        elif pick < 0.9:
            kind, host = "url", shapes.host()
            value = f"{rng.choice(['http', 'https'])}://{host}{shapes.path()}"
        else:
            platform = rng.choice(list(PLATFORMS))
            kind, host, value = "account", PLATFORMS[platform], f"{platform}:{shapes.label(5, 20)}"
        if (kind, value) in seen:
            continue
        seen.add((kind, value))
        entries.append((len(entries) + 1, kind, value))
        hosts.append(host)
    return entries, hosts


def _noisy(url: str, rng: random.Random) -> str:
    """The same URL as a user might paste it: needs canonicalisation beyond lower-casing."""
    scheme, _, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    pick = rng.randint(0, 5)
    if pick == 0:
        return f"  {url}#section "
    if pick == 1:
        return f"hxxp://{host.replace('.', '[.]')}/{path}"
    if pick == 2:
        return f"{scheme}://{host}.:{443 if scheme == 'https' else 80}/{path}"
    if pick == 3:
        return f"{scheme}://{host}/{path.replace('a', '%61')}"
    if pick == 4:
        return f"{scheme}://{host}/./{path}"
    return f"{scheme}://пример-{host.split('.')[0]}.рф{slash}{path}"


def build_queries(count: int, entries: list[Entry], hosts: list[str], shapes: Shapes) -> list[str]:
    """Half aimed at listed resources (some below them), half misses (new hosts and subdomains
    of listed hosts, which must not match); about one in ten needs real canonicalisation."""
    rng = shapes.rng
    queries = []
    for _ in range(count):
        pick = rng.random()
        number = rng.randrange(len(entries))
        _, kind, value = entries[number]
        if pick < 0.5:
            if kind == "host":
                query = rng.choice([value, f"https://{value}/", f"http://{value.upper()}/login"])
            elif kind == "url":
                query = value + rng.choice(["", "/next", "&utm=1" if "?" in value else "?utm=1"])
            else:
                platform, handle = value.split(":", 1)
                query = f"https://{PLATFORMS[platform]}/{handle}"
        elif pick < 0.75:
            query = f"https://{shapes.host()}{shapes.path()}"
        else:
            query = rng.choice(
                [f"{shapes.label(3, 6)}.{hosts[number]}", f"http://www.{hosts[number]}/"]
            )
        if rng.random() < 0.1:
            query = _noisy(query if "://" in query else f"http://{query}/", rng)
        queries.append(query)
    return queries


def naive_match(entries: list[Entry], text: str) -> list[int]:
    """The rules applied by scanning every entry: what the index must agree with."""
    try:
        host, path = target_of(canonical("url", text).value)
    except CanonError:
        return []
    account = account_of(host, path)
    query_path = path.partition("?")[0]
    found = []
    for resource_id, kind, value in entries:
        if kind == "host" and value == host:
            found.append(resource_id)
        elif kind == "url":
            listed_host, listed = target_of(value)
            if listed_host != host:
                continue
            if "?" in listed:
                hit = path == listed or path.startswith(listed + "&")
            else:
                hit = (
                    query_path == listed
                    or (query_path.startswith(listed) and listed.endswith("/"))
                    or query_path.startswith(listed + "/")
                )
            if hit:
                found.append(resource_id)
        elif kind == "account" and value == account:
            found.append(resource_id)
    return sorted(set(found))


def _rate(name: str, items: int, seconds: float, rounds: list[float] | None = None) -> Measurement:
    result = rate_result(items, seconds, rounds=rounds)
    return Measurement(name, "lookup", "none", result)


def _timed_loop(function: Callable[[str], object], queries: list[str]) -> float:
    """CPU seconds of this process for the loop: lookups per CPU second is the rate on one core
    whatever else the machine runs (wall time is reported next to it)."""
    gc.disable()
    try:
        started = time.process_time()
        for query in queries:
            function(query)
        return time.process_time() - started
    finally:
        gc.enable()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(ctx: BenchContext | None) -> ModuleResult:
    shapes = Shapes(seed=41)
    entries, hosts = build_registry(SIZE, shapes)
    queries = build_queries(SIZE, entries, hosts, shapes)
    rss_before = _rss_mb()
    started = time.perf_counter()
    index = RegistryIndex(entries)
    built = time.perf_counter() - started
    rss_after = _rss_mb()
    exact = {value for _, _, value in entries}
    membership = exact.__contains__
    # Interleaved rounds over slices of the queries, so that background load on the machine
    # hits both alike; the table shows the whole run, the check the least disturbed round.
    step = -(-len(queries) // ROUNDS)
    slices = [queries[i : i + step] for i in range(0, len(queries), step)]
    set_rounds, index_rounds = [], []
    wall = time.perf_counter()
    for part in slices:
        set_rounds.append(_timed_loop(membership, part))
        index_rounds.append(_timed_loop(index.match, part))
    set_seconds, index_seconds = sum(set_rounds), sum(index_rounds)
    wall = time.perf_counter() - wall
    sample = queries[:: max(1, len(queries) // SCAN_QUERIES)][:SCAN_QUERIES]
    started = time.process_time()
    expected = [naive_match(entries, query) for query in sample]
    scan_seconds = time.process_time() - started
    measurements = [
        _rate(
            "set-member",
            len(queries),
            set_seconds,
            [len(p) / t for p, t in zip(slices, set_rounds, strict=True)],
        ),
        _rate(
            "indexed",
            len(queries),
            index_seconds,
            [len(p) / t for p, t in zip(slices, index_rounds, strict=True)],
        ),
        _rate("naive-scan", len(sample), scan_seconds),
    ]
    agree = sum(index.match(q) == e for q, e in zip(sample, expected, strict=True))
    hits = sum(1 for q in queries[:20_000] if index.match(q))
    errors = sum(1 for q in queries[:20_000] if index.match_one(q)[1])
    rate = measurements[1].result.rps
    best = max(measurements[1].result.rounds)
    result = ModuleResult("cyber.lookup", "set-member", measurements)
    result.notes += [
        (
            f"{len(entries):,} entries (hosts, URLs, accounts), {len(queries):,} queries; rows "
            "are lookups per CPU second of one core; set-member = exact-string membership of the "
            f"raw query (no canonicalisation, no path rules); naive-scan = {len(sample)} "
            "queries, each canonicalised and checked against every entry"
        ),
        (
            f"index built in {built:.1f} s; its containers take ≈ "
            f"{index.memory_bytes() / 2**20:.0f} MB "
            f"(peak RSS {rss_before:.0f} → {rss_after:.0f} MB)"
        ),
        f"of the first 20,000 queries {hits:,} matched and {errors:,} were refused",
        f"at this rate 1,000,000 lookups take {1_000_000 / rate:.1f} s",
        (
            "indexed per round: "
            + ", ".join(f"{r:,.0f}" for r in measurements[1].result.rounds)
            + f" lookups/s; both loops took {wall:.1f} s of wall time for "
            f"{set_seconds + index_seconds:.1f} s of CPU (load average {os.getloadavg()[0]:.1f})"
        ),
    ]
    result.checks = [
        Check(
            f"≥ {TARGET:,.0f} lookups/s on one core (best of {len(slices)} rounds)",
            best >= TARGET,
            f"best round {best:,.0f}/s, whole run {rate:,.0f}/s",
        ),
        Check(
            "index and naive scan agree on the sample",
            agree == len(sample),
            f"{agree}/{len(sample)}",
        ),
    ]
    return result


if __name__ == "__main__":
    print(render(run(None)))
