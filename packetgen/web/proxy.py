"""Trusted reverse proxies (`web.trusted_proxies`): only a request coming straight from one of them may
say who the client is (`X-Forwarded-For`), how it was reached (`X-Forwarded-Proto`) or name the
signed-in user (`web.trusted_user_header`, read by `dependencies.signed_in`).

`serve` leaves uvicorn's own proxy headers off: the app reads them here, where the address the
request came from straight (the peer) is still known after the client's has replaced it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from ..settings import WebSettings

PEER = "packetgen.peer"
"""The scope's key for the address the request came from straight (the proxy's, behind one)."""
FROM_PROXY = "packetgen.from_proxy"
"""The scope's key for whether that address is a trusted proxy's."""

_Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(text: str) -> _Address | None:
    """An address as a peer or an `X-Forwarded-For` hop writes it (a port, brackets allowed); None if none."""
    text = text.strip()
    if text.startswith("["):  # [2001:db8::1]:443
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # 10.1.2.3:443
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # a dual-stack socket's view of an IPv4 peer
    return address


class Proxies:
    """The trusted proxies' networks (an address is a network of one)."""

    def __init__(self, trusted: Iterable[str]) -> None:
        self.networks = tuple(ipaddress.ip_network(text) for text in trusted)

    def trust(self, host: str | None) -> bool:
        address = _address(host) if host else None
        return address is not None and any(address in network for network in self.networks)

    def client(self, forwarded: str) -> str | None:
        """The client an `X-Forwarded-For` chain names: the nearest hop that is not a trusted proxy
        (hops nearer the client were written by whoever sent them: not believed); None when that hop is
        not an address, or there is none."""
        hops = [hop for hop in (part.strip() for part in forwarded.split(",")) if hop]
        nearest = next((hop for hop in reversed(hops) if not self.trust(hop)), hops[0] if hops else "")
        address = _address(nearest)  # every hop a proxy of ours: the farthest
        return str(address) if address is not None else None


class ProxyHeaders:
    """ASGI middleware, outside every other: notes the peer and whether it is a trusted proxy; from a
    trusted proxy, takes the client's address and the scheme from `X-Forwarded-For` and
    `X-Forwarded-Proto` (from anyone else they are ignored)."""

    def __init__(self, app: ASGIApp, proxies: Proxies) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            client = scope.get("client")
            peer = client[0] if client else None
            scope[PEER] = peer
            scope[FROM_PROXY] = self.proxies.trust(peer)
            if scope[FROM_PROXY]:
                _forwarded(scope, self.proxies)
        await self.app(scope, receive, send)


def _forwarded(scope: Scope, proxies: Proxies) -> None:
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    chain = b", ".join(value for name, value in headers if name == b"x-forwarded-for").decode("latin-1")
    host = proxies.client(chain) if chain else None
    if host:
        scope["client"] = (host, 0)
    schemes = [value.decode("latin-1").strip().lower() for name, value in headers if name == b"x-forwarded-proto"]
    if schemes and schemes[-1] in ("http", "https"):
        scope["scheme"] = schemes[-1]


def allowed_hosts(web: WebSettings) -> list[str]:
    """The names the app answers to (the `Host` header, its port aside): `web.allowed_hosts`, and
    `web.host` when it is one address (not 0.0.0.0 or ::), an IPv6 address in brackets."""
    hosts = list(web.allowed_hosts)
    if web.host not in ("0.0.0.0", "::", ""):  # noqa: S104 (the addresses of every interface, refused here)
        address = _address(web.host)
        name = f"[{address}]" if isinstance(address, ipaddress.IPv6Address) else web.host
        hosts += [] if name in hosts else [name]
    return hosts


def peer(request: Request) -> str:
    """The address a request came from straight (a proxy's, behind one)."""
    found: Any = request.scope.get(PEER)
    return str(found) if found else "unknown"


def from_proxy(request: Request) -> bool:
    """Whether a request came straight from a trusted proxy."""
    return bool(request.scope.get(FROM_PROXY, False))
