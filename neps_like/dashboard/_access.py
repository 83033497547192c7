"""Who may read the dashboard: a secret token, and a Host header naming the bound address.

Binding to 127.0.0.1 keeps the page off the network but not away from the other users
of a shared login node, and a web page elsewhere can reach it through DNS rebinding (its
own host name re-pointed at 127.0.0.1). So every request must carry the server's token,
created with ``secrets.token_urlsafe`` at start and printed in the address to open (as
Jupyter does): either as ``?token=...`` in the URL, which also sets a cookie so that the
page's own requests need not repeat it, or as that cookie. Requests whose ``Host`` header
is not the address the server is bound to are refused as well. The cookie's name carries
the port, since browsers share cookies between the ports of one host.
"""

from __future__ import annotations

import hmac
import secrets
from email.message import Message
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs

_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_WILDCARD = ("", "0.0.0.0", "::")


def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class Access:
    """The token and the accepted Host values of one server."""

    def __init__(self, host: str | None, port: int, token: str | None = None) -> None:
        self.token = token or secrets.token_urlsafe(32)
        self.cookie_name = f"neps_like_dashboard_{port}"
        self.hosts: frozenset[str] | None
        if host is None or host in _WILDCARD:
            # A Unix socket (reached through a forwarded port) or every interface: the
            # names a browser will use are unknown; the token alone guards the page.
            self.hosts = None
        elif host in _LOOPBACK:
            self.hosts = frozenset(_netloc(h, port) for h in _LOOPBACK)
        else:
            self.hosts = frozenset({_netloc(host.lower(), port)})

    def refusal(self, headers: Message[str, str], query: str) -> str | None:
        """Why a request with these headers and query string is refused (None: allowed)."""
        if self.hosts is not None:
            host = (headers.get("Host") or "").strip().lower()
            if host not in self.hosts:
                return f"Host {host!r} is not this server's address"
        if self.token_in_query(query) or self._token_in_cookie(headers.get("Cookie") or ""):
            return None
        return "this dashboard needs the token printed when it started (?token=...)"

    def token_in_query(self, query: str) -> bool:
        given = parse_qs(query).get("token", [""])[0]
        return bool(given) and hmac.compare_digest(given.encode(), self.token.encode())

    def _token_in_cookie(self, header: str) -> bool:
        cookie: SimpleCookie = SimpleCookie()
        try:
            cookie.load(header)
        except CookieError:
            return False
        morsel = cookie.get(self.cookie_name)
        return morsel is not None and hmac.compare_digest(
            morsel.value.encode(), self.token.encode()
        )

    def set_cookie(self) -> str:
        """The ``Set-Cookie`` value that lets the page's own requests in."""
        return f"{self.cookie_name}={self.token}; Path=/; HttpOnly; SameSite=Strict"
