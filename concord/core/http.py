"""The one outbound HTTP client of the project (feeds, TAXII peers): nothing else calls out.

What it guarantees, whoever calls it:
- a connect and a read timeout on every request, and an overall deadline per response;
- a bounded response size (the body is streamed and cut off past the limit);
- TLS certificates are verified, and proxies or credentials from the environment are ignored;
- the address is checked *after* resolving the name and the socket connects to exactly that
  checked address (a name that resolves to a public address at check time and to a private one
  at connect time, "DNS rebinding", cannot slip through), on the first request and on every
  redirect. Private, loopback, link-local, shared, reserved, multicast and unspecified addresses
  are refused unless `settings.CONCORD_HTTP_ALLOW_PRIVATE` is true or the host (name or network)
  is in `settings.CONCORD_HTTP_ALLOWED_HOSTS`;
- redirects are followed by hand (at most a few), each hop checked again, and the Authorization
  header is dropped when a redirect leaves the original origin.

requests and urllib3 do the HTTP; the only thing written here is the address check, pinned into
urllib3's connection classes because neither library offers a hook between resolving and
connecting. Nothing touches the network or reads settings at import.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util import connection as urllib3_connection

Resolver = Callable[[str, int], list[str]]
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_CONNECT_TIMEOUT = 5.0  # seconds
DEFAULT_READ_TIMEOUT = 30.0  # seconds between two bytes
DEFAULT_DEADLINE = 120.0  # seconds for a whole response
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
MAX_REDIRECTS = 5
USER_AGENT = "Concord/1 (+TAXII 2.1 client)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class OutboundError(Exception):
    """An outbound request that was refused or failed; the message says which URL and why."""


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host` (IPv4 and IPv6)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise OutboundError(f"cannot resolve {host}: {error}") from error
    return list(dict.fromkeys(str(info[4][0]) for info in found))


def _is_public(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


@dataclass(frozen=True)
class AddressGuard:
    """Decides which addresses a connection may go to, and resolves names for the connection."""

    allow_private: bool = False
    allowed_names: frozenset[str] = frozenset()
    allowed_networks: tuple[IpNetwork, ...] = ()
    resolver: Resolver = system_resolver

    @classmethod
    def from_settings(cls, resolver: Resolver | None = None) -> AddressGuard:
        names: set[str] = set()
        networks: list[IpNetwork] = []
        for entry in getattr(settings, "CONCORD_HTTP_ALLOWED_HOSTS", ()):
            try:
                networks.append(ipaddress.ip_network(str(entry), strict=False))
            except ValueError:
                names.add(str(entry).lower().rstrip("."))
        return cls(
            allow_private=bool(getattr(settings, "CONCORD_HTTP_ALLOW_PRIVATE", False)),
            allowed_names=frozenset(names),
            allowed_networks=tuple(networks),
            resolver=resolver or system_resolver,
        )

    def _allowed(self, host: str, address: IpAddress) -> bool:
        return (
            self.allow_private
            or _is_public(address)
            or host.lower().rstrip(".") in self.allowed_names
            or any(address in network for network in self.allowed_networks)
        )

    def resolve(self, host: str, port: int) -> str:
        """The address to connect to for `host`, or OutboundError when any address the name
        resolves to is refused (a name that mixes public and private addresses is suspect)."""
        bare = host.strip("[]")
        try:
            addresses = [ipaddress.ip_address(bare)]
        except ValueError:
            addresses = [ipaddress.ip_address(a.split("%")[0]) for a in self.resolver(bare, port)]
        if not addresses:
            raise OutboundError(f"{host} resolves to no address")
        refused = [str(a) for a in addresses if not self._allowed(bare, a)]
        if refused:
            raise OutboundError(
                f"refused to connect to {host} ({', '.join(refused)}): a private, loopback, "
                "link-local or otherwise non-public address (see CONCORD_HTTP_ALLOWED_HOSTS)"
            )
        return str(addresses[0])


class _PinnedConnectionMixin:
    """Connects the socket to the address the guard checked; TLS still verifies the hostname."""

    guard: ClassVar[AddressGuard]
    host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any

    def _new_conn(self) -> socket.socket:
        address = self.guard.resolve(self.host, self.port)
        try:
            return urllib3_connection.create_connection(
                (address, self.port),
                self.timeout,
                source_address=self.source_address,
                socket_options=self.socket_options,
            )
        except TimeoutError as error:
            raise ConnectTimeoutError(
                self, f"connection to {self.host} timed out ({self.timeout} s)"
            ) from error
        except OSError as error:
            raise NewConnectionError(
                self,  # type: ignore[arg-type]  # mixed into an HTTPConnection
                f"cannot connect to {self.host}: {error}",
            ) from error


class _GuardedAdapter(HTTPAdapter):
    """A requests adapter whose connection pools use connections pinned by `guard`."""

    def __init__(self, guard: AddressGuard) -> None:
        self.guard = guard
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        attrs = {"guard": self.guard}
        plain = type("GuardedHTTPConnection", (_PinnedConnectionMixin, HTTPConnection), attrs)
        tls = type("GuardedHTTPSConnection", (_PinnedConnectionMixin, HTTPSConnection), attrs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": plain}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": tls}),
        }


@dataclass
class OutboundResponse:
    url: str
    status: int
    headers: Mapping[str, str]
    content: bytes = field(repr=False)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        try:
            return json.loads(self.content)
        except ValueError as error:
            raise OutboundError(f"{self.url} did not answer with JSON: {error}") from error


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


class OutboundClient:
    """`OutboundClient().get(url, headers=..., params=...)`. Use as a context manager (or call
    `close()`) to release the connections."""

    def __init__(
        self,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        deadline: float = DEFAULT_DEADLINE,
        max_bytes: int | None = None,
        resolver: Resolver | None = None,
        guard: AddressGuard | None = None,
    ) -> None:
        self.timeout = (connect_timeout, read_timeout)
        self.deadline = deadline
        self.max_bytes = max_bytes or int(
            getattr(settings, "CONCORD_HTTP_MAX_RESPONSE_BYTES", DEFAULT_MAX_BYTES)
        )
        self.guard = guard or AddressGuard.from_settings(resolver)
        self.session = requests.Session()
        self.session.trust_env = False  # no proxies, .netrc or CA bundles from the environment
        self.session.verify = True
        self.session.max_redirects = MAX_REDIRECTS
        self.session.headers["User-Agent"] = USER_AGENT
        adapter = _GuardedAdapter(self.guard)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def __enter__(self) -> OutboundClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    ) -> OutboundResponse:
        """GET `url`, following at most MAX_REDIRECTS redirects; any status comes back (the
        caller decides what a 4xx means), failures and refusals raise OutboundError."""
        started = time.monotonic()
        request_headers = dict(headers or {})
        first_origin = _origin(url)
        current, current_params = url, params
        for _hop in range(MAX_REDIRECTS + 1):
            scheme = urlsplit(current).scheme
            if scheme not in ("http", "https"):
                raise OutboundError(f"refused {current}: only http and https URLs are fetched")
            if _origin(current) != first_origin:
                request_headers.pop("Authorization", None)  # credentials stay with their origin
            response = self._send(current, request_headers, current_params)
            if response.status_code in _REDIRECTS and response.headers.get("Location"):
                response.close()
                current = urljoin(current, response.headers["Location"])
                current_params = None  # the Location carries its own query
                continue
            return self._read(current, response, started)
        raise OutboundError(f"{url}: more than {MAX_REDIRECTS} redirects")

    def _send(self, url: str, headers: dict[str, str], params: object) -> requests.Response:
        try:
            return self.session.get(
                url,
                headers=headers,
                params=params,  # type: ignore[arg-type]
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,
            )
        except OutboundError:
            raise
        except requests.RequestException as error:
            raise OutboundError(f"{url}: {error}") from error

    def _read(self, url: str, response: requests.Response, started: float) -> OutboundResponse:
        try:
            declared = int(response.headers.get("Content-Length") or 0)
            if declared > self.max_bytes:
                raise OutboundError(
                    f"{url}: response of {declared} bytes is over the limit of {self.max_bytes}"
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_content(chunk_size=64 * 1024):
                size += len(chunk)
                if size > self.max_bytes:
                    raise OutboundError(
                        f"{url}: response is over the limit of {self.max_bytes} bytes"
                    )
                if time.monotonic() - started > self.deadline:
                    raise OutboundError(f"{url}: no complete response within {self.deadline} s")
                chunks.append(chunk)
        except requests.RequestException as error:
            raise OutboundError(f"{url}: {error}") from error
        finally:
            response.close()
        return OutboundResponse(
            url=url,
            status=response.status_code,
            headers=CaseInsensitiveDict(response.headers),
            content=b"".join(chunks),
        )
