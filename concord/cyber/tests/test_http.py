"""The hardened outbound client (`concord.core.http`): refusals happen before any connection,
against a fake resolver; what is allowed is exercised against a small server on the loopback
(the only address the test suite may reach)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from concord.core.http import AddressGuard, OutboundClient, OutboundError


class _Handler(BaseHTTPRequestHandler):
    seen: list[dict[str, str]]  # set on the class by the fixture

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        return

    def _answer(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.seen.append({"path": self.path, **dict(self.headers.items())})
        port = self.server.server_address[1]
        routes = {
            "/ok": lambda: self._answer(200, b'{"fine": true}', Content_Type="application/json"),
            "/missing": lambda: self._answer(404, b"no"),
            "/to-private": lambda: self._answer(302, Location="http://10.0.0.1/admin"),
            "/to-metadata": lambda: self._answer(
                301, Location="http://169.254.169.254/latest/meta-data/"
            ),
            "/to-same": lambda: self._answer(302, Location="/ok"),
            "/to-other-origin": lambda: self._answer(307, Location=f"http://127.0.0.1:{port}/ok"),
            "/loop": lambda: self._answer(302, Location="/loop"),
            "/big": lambda: self._answer(200, b"x" * 5000),
            "/ftp": lambda: self._answer(302, Location="ftp://example.org/file"),
        }
        if self.path == "/slow":
            time.sleep(1.0)
            self._answer(200, b"late")
            return
        routes.get(self.path, lambda: self._answer(404))()


@pytest.fixture
def peer() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A loopback HTTP server: (base URL, the requests it received)."""
    seen: list[dict[str, str]] = []
    handler = type("Handler", (_Handler,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def resolver_of(table: dict[str, list[str]]):
    def resolve(host: str, port: int) -> list[str]:
        return table[host]

    return resolve


# Refused before connecting (no server needed) --------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        pytest.param("10.0.0.1", id="rfc1918-10"),
        pytest.param("192.168.1.5", id="rfc1918-192"),
        pytest.param("172.16.0.1", id="rfc1918-172"),
        pytest.param("127.0.0.1", id="loopback"),
        pytest.param("169.254.169.254", id="link-local-metadata"),
        pytest.param("100.64.0.1", id="carrier-grade-nat"),
        pytest.param("0.0.0.0", id="unspecified"),  # noqa: S104 - an address to refuse
        pytest.param("224.0.0.1", id="multicast"),
        pytest.param("::1", id="ipv6-loopback"),
        pytest.param("fe80::1", id="ipv6-link-local"),
        pytest.param("fd00::1", id="ipv6-unique-local"),
        pytest.param("::ffff:10.0.0.1", id="ipv4-mapped-private"),
    ],
)
def test_names_resolving_to_non_public_addresses_are_refused(address):
    client = OutboundClient(resolver=resolver_of({"peer.example": [address]}))

    with pytest.raises(OutboundError, match=r"refused to connect to peer\.example \("):
        client.get("http://peer.example/taxii2/")


def test_literal_private_address_is_refused():
    with pytest.raises(OutboundError, match=r"refused to connect to 10\.0\.0\.1 \(10\.0\.0\.1\)"):
        OutboundClient().get("http://10.0.0.1/")


def test_a_name_mixing_public_and_private_addresses_is_refused():
    client = OutboundClient(resolver=resolver_of({"peer.example": ["93.184.216.34", "10.0.0.7"]}))

    with pytest.raises(OutboundError, match=r"\(10\.0\.0\.7\)"):
        client.get("https://peer.example/")


def test_public_address_passes_the_guard():
    guard = AddressGuard(resolver=resolver_of({"peer.example": ["93.184.216.34"]}))

    assert guard.resolve("peer.example", 443) == "93.184.216.34"


def test_guard_reads_its_allowances_from_settings(settings):
    settings.CONCORD_HTTP_ALLOW_PRIVATE = False
    settings.CONCORD_HTTP_ALLOWED_HOSTS = ["taxii.cert.internal", "10.20.0.0/16"]
    guard = AddressGuard.from_settings(
        resolver_of({"taxii.cert.internal": ["10.1.2.3"], "other.internal": ["10.20.1.1"]})
    )

    assert guard.resolve("taxii.cert.internal", 443) == "10.1.2.3"
    assert guard.resolve("other.internal", 443) == "10.20.1.1"
    assert guard.resolve("10.20.9.9", 443) == "10.20.9.9"
    with pytest.raises(OutboundError):
        guard.resolve("10.21.0.1", 443)


def test_only_http_and_https():
    with pytest.raises(OutboundError, match="only http and https URLs are fetched"):
        OutboundClient().get("file:///etc/passwd")


# Against the loopback peer ------------------------------------------------------------------------


def test_loopback_is_refused_by_default(peer, settings):
    settings.CONCORD_HTTP_ALLOW_PRIVATE = False
    settings.CONCORD_HTTP_ALLOWED_HOSTS = []
    base, seen = peer

    with pytest.raises(OutboundError, match=r"refused to connect to 127\.0\.0\.1"):
        OutboundClient().get(base + "/ok")
    assert seen == []


@pytest.mark.parametrize(
    ("allow_private", "allowed"),
    [
        pytest.param(True, [], id="allow-private"),
        pytest.param(False, ["127.0.0.1"], id="allowed-host"),
        pytest.param(False, ["127.0.0.0/8"], id="allowed-network"),
    ],
)
def test_allowed_loopback_is_fetched(peer, settings, allow_private, allowed):
    settings.CONCORD_HTTP_ALLOW_PRIVATE = allow_private
    settings.CONCORD_HTTP_ALLOWED_HOSTS = allowed
    base, seen = peer

    with OutboundClient() as client:
        response = client.get(base + "/ok", headers={"Accept": "application/json"})

    assert (response.status, response.json()) == (200, {"fine": True})
    assert response.headers["content-type"] == "application/json"
    assert seen[0]["Accept"] == "application/json"
    assert seen[0]["User-Agent"] == "Concord/1 (+TAXII 2.1 client)"


def test_the_socket_goes_to_the_checked_address_and_tls_would_see_the_name(peer, settings):
    settings.CONCORD_HTTP_ALLOWED_HOSTS = ["peer.test"]
    base, seen = peer
    port = base.rsplit(":", 1)[1]
    client = OutboundClient(resolver=resolver_of({"peer.test": ["127.0.0.1"]}))

    response = client.get(f"http://peer.test:{port}/ok")

    assert response.status == 200
    assert seen[0]["Host"] == f"peer.test:{port}"


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        pytest.param("/to-private", r"refused to connect to 10\.0\.0\.1", id="rfc1918"),
        pytest.param("/to-metadata", r"refused to connect to 169\.254\.169\.254", id="metadata"),
    ],
)
def test_redirects_to_private_addresses_are_refused(peer, settings, path, refused):
    settings.CONCORD_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]
    base, seen = peer

    with pytest.raises(OutboundError, match=refused):
        OutboundClient().get(base + path)
    assert [r["path"] for r in seen] == [path]


def test_redirect_within_the_origin_keeps_the_credentials(peer, settings):
    settings.CONCORD_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]
    base, seen = peer

    response = OutboundClient().get(base + "/to-same", headers={"Authorization": "Bearer t"})

    assert response.status == 200
    assert [(r["path"], r.get("Authorization")) for r in seen] == [
        ("/to-same", "Bearer t"),
        ("/ok", "Bearer t"),
    ]


def test_redirect_to_another_origin_drops_the_credentials(peer, settings):
    settings.CONCORD_HTTP_ALLOWED_HOSTS = ["127.0.0.1", "peer.test"]
    base, seen = peer
    port = base.rsplit(":", 1)[1]
    client = OutboundClient(resolver=resolver_of({"peer.test": ["127.0.0.1"]}))

    response = client.get(
        f"http://peer.test:{port}/to-other-origin", headers={"Authorization": "Bearer t"}
    )

    assert response.status == 200
    assert [(r["path"], r.get("Authorization")) for r in seen] == [
        ("/to-other-origin", "Bearer t"),
        ("/ok", None),
    ]


def test_redirect_loops_stop(peer, settings):
    settings.CONCORD_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]
    base, seen = peer

    with pytest.raises(OutboundError, match="more than 5 redirects"):
        OutboundClient().get(base + "/loop")
    assert len(seen) == 6


def test_redirect_to_another_scheme_is_refused(peer, settings):
    settings.CONCORD_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]
    base, _ = peer

    with pytest.raises(OutboundError, match=r"refused ftp://example\.org/file"):
        OutboundClient().get(base + "/ftp")


def test_response_size_is_capped(peer, settings):
    settings.CONCORD_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]
    base, _ = peer

    with pytest.raises(OutboundError, match="response of 5000 bytes is over the limit of 1000"):
        OutboundClient(max_bytes=1000).get(base + "/big")
    assert len(OutboundClient(max_bytes=5000).get(base + "/big").content) == 5000


def test_read_timeout(peer, settings):
    settings.CONCORD_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]
    base, _ = peer

    with pytest.raises(OutboundError, match="Read timed out"):
        OutboundClient(read_timeout=0.2).get(base + "/slow")


def test_error_statuses_come_back_to_the_caller(peer, settings):
    settings.CONCORD_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]
    base, _ = peer

    response = OutboundClient().get(base + "/missing")

    assert (response.status, response.content) == (404, b"no")
    with pytest.raises(OutboundError, match="did not answer with JSON"):
        response.json()
