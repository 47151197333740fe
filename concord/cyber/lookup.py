"""The in-memory index of the registry of harmful resources, for the lookup API (plain Python).

Entries are `(resource_id, kind, canonical)`: kind "url" (a `canonical("url")` value), "host" (a
`canonical_host` value: a domain or an IP address) or "account" ("platform:handle", see
`account_canonical`). `match(text)` takes a URL or a bare host as a user typed it, canonicalises
it (`canon.url_target`) and returns the ids of the resources it falls under:

- a host resource matches any URL or host on exactly that host: no subdomains, no widening to
  the registrable domain, any scheme and port;
- a URL resource matches a URL on the same host (any scheme and port) whose path starts with the
  resource's path on a segment boundary (``/a/b`` matches ``/a/b``, ``/a/b/``, ``/a/b/c`` and
  ``/a/b?x=1``, not ``/a/bc``); a resource with a query matches the same path with the same query
  or that query followed by more parameters (``?x=1`` matches ``?x=1&y=2``);
- an account resource matches the URLs of that account on its platform (`account_of`), and a
  query typed as "platform:handle".

Lookups cost O(path depth) dictionary probes: one dict host → host resources, one dict
host → {path[?query] → resources} for URL resources, one dict account → resources. A key held by
one resource stores the bare id (an int), by several a tuple: most keys have one.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable

from .canon import CanonError, fast_target, target_of, url_target

Ids = int | tuple[int, ...]
KINDS = ("url", "host", "account")

# Platform → the exact hosts its account URLs live on.
PLATFORM_HOSTS: dict[str, tuple[str, ...]] = {
    "telegram": ("t.me", "www.t.me", "telegram.me", "www.telegram.me"),
    "vk": ("vk.com", "www.vk.com", "m.vk.com", "vk.ru", "www.vk.ru", "m.vk.ru"),
    "instagram": ("instagram.com", "www.instagram.com", "m.instagram.com"),
    "youtube": ("youtube.com", "www.youtube.com", "m.youtube.com"),
    "x": ("x.com", "www.x.com", "mobile.x.com", "twitter.com", "www.twitter.com",
          "mobile.twitter.com"),
    "tiktok": ("tiktok.com", "www.tiktok.com", "m.tiktok.com"),
    "ok": ("ok.ru", "www.ok.ru", "m.ok.ru"),
}  # fmt: skip
PLATFORM_ALIASES = {"tg": "telegram", "vkontakte": "vk", "twitter": "x", "odnoklassniki": "ok"}
_PLATFORM_NAMES = frozenset(PLATFORM_HOSTS) | frozenset(PLATFORM_ALIASES)
_HOST_PLATFORM = {host: platform for platform, hosts in PLATFORM_HOSTS.items() for host in hosts}
# First path segments that are pages of the platform, not accounts.
_NOT_ACCOUNTS: dict[str, frozenset[str]] = {
    "telegram": frozenset({"joinchat", "addstickers", "addemoji", "share", "proxy", "socks", "c",
                           "iv", "login", "setlanguage", "addlist", "boost", "contact"}),
    "vk": frozenset({"feed", "im", "search", "friends", "groups", "settings", "login", "video",
                     "audio", "music", "photos", "albums", "docs", "apps", "away.php", "market",
                     "clips", "support", "about", "terms", "services", "games", "bugs"}),
    "instagram": frozenset({"p", "reel", "reels", "tv", "explore", "accounts", "direct", "about",
                            "developer", "legal", "web", "challenge"}),
    "x": frozenset({"home", "explore", "search", "i", "intent", "share", "settings", "login",
                    "signup", "notifications", "messages", "hashtag", "tos", "privacy",
                    "compose", "logout"}),
    "ok": frozenset({"video", "music", "games", "feed", "messages", "search", "apps", "live",
                     "photos", "dk", "guests", "friends", "discussions", "settings", "help"}),
}  # fmt: skip
_HANDLE = re.compile(r"[a-z0-9_][a-z0-9_.-]{0,63}")
_ACCOUNT_QUERY = re.compile(r"([a-z]+):@?([^/:]+)", re.IGNORECASE)


def _handle(platform: str, segments: list[str]) -> str | None:
    first = segments[0] if segments else ""
    second = segments[1] if len(segments) > 1 else ""
    handle: str | None = None
    if platform in {"youtube", "tiktok"}:
        handle = first[1:] if first.startswith("@") else None
    elif (platform, first) in {("telegram", "s"), ("instagram", "stories")}:
        handle = second  # t.me/s/<handle> (web preview), instagram.com/stories/<handle>/…
    elif platform == "ok" and first in {"group", "profile"}:
        return f"{first}/{second.lower()}" if second.isascii() and second.isdigit() else None
    elif first not in _NOT_ACCOUNTS.get(platform, frozenset()):
        handle = first
    if not handle:
        return None
    handle = handle.lower()
    return handle if _HANDLE.fullmatch(handle) else None


def account_of(host: str, path: str) -> str | None:
    """ "platform:handle" of a canonical host and path (query allowed), or None."""
    platform = _HOST_PLATFORM.get(host)
    if platform is None:
        return None
    segments = path.partition("?")[0].split("/")[1:3]
    handle = _handle(platform, segments)
    return None if handle is None else f"{platform}:{handle}"


def account_canonical(text: str) -> str:
    """The canonical "platform:handle" of "platform:handle", "platform:@handle" or an account
    URL (https://t.me/Name): platform aliases resolved, handle lower-cased."""
    typed = _ACCOUNT_QUERY.fullmatch(text.strip())
    if typed is not None:
        platform = typed.group(1).lower()
        platform = PLATFORM_ALIASES.get(platform, platform)
        handle = typed.group(2).lower()
        if platform in PLATFORM_HOSTS and _HANDLE.fullmatch(handle):
            return f"{platform}:{handle}"
        if platform not in PLATFORM_HOSTS:
            raise CanonError("bad_account", value=text, reason=f"unknown platform {platform}")
        raise CanonError("bad_account", value=text, reason="the handle is invalid")
    host, path = url_target(text)
    account = account_of(host, path)
    if account is None:
        raise CanonError("bad_account", value=text, reason="not an account URL of a known platform")
    return account


def _merged(held: Ids | None, resource_id: int) -> Ids:
    if held is None:
        return resource_id
    if isinstance(held, int):
        return held if held == resource_id else (held, resource_id)
    return held if resource_id in held else (*held, resource_id)


def _add(table: dict[str, Ids], key: str, resource_id: int) -> None:
    table[key] = _merged(table.get(key), resource_id)


def _collect(found: list[int], held: Ids) -> None:
    if isinstance(held, int):
        found.append(held)
    else:
        found.extend(held)


def _path_hits(paths: dict[str, Ids], target: str, found: list[int]) -> None:
    """Probe every key `target` falls under: itself, its query cut at each "&", its path, and
    the path cut before and after each "/"."""
    path, question, query = target.partition("?")
    if question:
        held = paths.get(target)
        if held is not None:
            _collect(found, held)
        cut = query.rfind("&")
        while cut != -1:
            held = paths.get(f"{path}?{query[:cut]}")
            if held is not None:
                _collect(found, held)
            cut = query.rfind("&", 0, cut)
    held = paths.get(path)
    if held is not None:
        _collect(found, held)
    cut = path.rfind("/")
    while cut != -1:
        held = paths.get(path[: cut + 1])
        if held is not None and cut + 1 != len(path):
            _collect(found, held)
        if cut:
            held = paths.get(path[:cut])
            if held is not None:
                _collect(found, held)
        cut = path.rfind("/", 0, cut)


class _Listed:
    """A host with URL resources: its host resources (if any) and its paths."""

    __slots__ = ("ids", "paths")

    def __init__(self, ids: Ids | None) -> None:
        self.ids = ids
        self.paths: dict[str, Ids] = {}


def _hits(held: Ids | _Listed, path: str) -> list[int]:
    if isinstance(held, int):
        return [held]
    if isinstance(held, tuple):
        return list(held)
    found: list[int] = []
    if held.ids is not None:
        _collect(found, held.ids)
    _path_hits(held.paths, path, found)
    return found


class RegistryIndex:
    """Resources by host (one dict: a host's own resources and, when it has URL resources, its
    paths) and by account; see the module docstring for the rules."""

    __slots__ = ("_accounts", "_hosts", "_size")

    def __init__(self, entries: Iterable[tuple[int, str, str]] = ()) -> None:
        self._hosts: dict[str, Ids | _Listed] = {}
        self._accounts: dict[str, Ids] = {}
        self._size = 0
        self.rebuild(entries)

    def __len__(self) -> int:
        return self._size

    def rebuild(self, entries: Iterable[tuple[int, str, str]]) -> None:
        """Replace the contents; readers see the old or the new index, never a mix."""
        fresh = object.__new__(RegistryIndex)
        fresh._hosts, fresh._accounts, fresh._size = {}, {}, 0
        for resource_id, kind, canonical in entries:
            fresh.add(resource_id, kind, canonical)
        self._hosts, self._accounts, self._size = fresh._hosts, fresh._accounts, fresh._size

    def add(self, resource_id: int, kind: str, canonical: str) -> None:
        if kind == "host":
            host = canonical[1:-1] if canonical.startswith("[") else canonical
            held = self._hosts.get(host)
            if isinstance(held, _Listed):
                held.ids = _merged(held.ids, resource_id)
            else:
                self._hosts[host] = _merged(held, resource_id)
        elif kind == "url":
            if not canonical.startswith(("http://", "https://", "ftp://")):
                raise ValueError(f"{canonical[:80]!r} is not a canonical URL")
            host, target = target_of(canonical)
            held = self._hosts.get(host)
            if not isinstance(held, _Listed):
                held = self._hosts[host] = _Listed(held)
            _add(held.paths, target, resource_id)
        elif kind == "account":
            _add(self._accounts, canonical, resource_id)
        else:
            raise ValueError(f"unknown resource kind {kind!r}; expected one of {KINDS}")
        self._size += 1

    def match_one(self, text: str) -> tuple[list[int], str | None]:
        """(resource ids, None), or ([], error code) when the text is no usable URL or host."""
        target = fast_target(text)
        if target is None:
            typed = _ACCOUNT_QUERY.fullmatch(text.strip()) if len(text) < 300 else None
            if typed is not None and typed.group(1).lower() in _PLATFORM_NAMES:
                return self._match_account(text)
            try:
                target = url_target(text)
            except CanonError as error:
                return [], error.code
        return self._match_target(*target), None

    def _match_target(self, host: str, path: str) -> list[int]:
        held = self._hosts.get(host)
        found = [] if held is None else _hits(held, path)
        if host in _HOST_PLATFORM:
            account = account_of(host, path)
            held_account = self._accounts.get(account) if account is not None else None
            if held_account is not None:
                _collect(found, held_account)
        if len(found) > 1:
            found = sorted(set(found))
        return found

    def _match_account(self, text: str) -> tuple[list[int], str | None]:
        try:
            account = account_canonical(text)
        except CanonError as error:
            return [], error.code
        found: list[int] = []
        held = self._accounts.get(account)
        if held is not None:
            _collect(found, held)
        return sorted(set(found)), None

    def match(self, text: str) -> list[int]:
        """Ids of the resources a URL or host falls under ([] for unusable input)."""
        target = fast_target(text)
        if target is None:
            return self.match_one(text)[0]
        return self._match_target(*target)

    def match_many(self, texts: Iterable[str]) -> list[list[int]]:
        match_one = self.match_one
        return [match_one(text)[0] for text in texts]

    def memory_bytes(self) -> int:
        """Approximate bytes held by the index (containers, keys and tuples of ids; small ints
        shared by the interpreter counted anyway)."""
        size = sys.getsizeof

        def ids(held: Ids | None) -> int:
            if held is None:
                return 0
            return size(held) + (sum(size(i) for i in held) if isinstance(held, tuple) else 0)

        total = size(self._hosts) + size(self._accounts)
        for key, held in self._accounts.items():
            total += size(key) + ids(held)
        for key, listed in self._hosts.items():
            total += size(key)
            if isinstance(listed, _Listed):
                total += size(listed) + ids(listed.ids) + size(listed.paths)
                total += sum(size(path) + ids(held) for path, held in listed.paths.items())
            else:
                total += ids(listed)
        return total
