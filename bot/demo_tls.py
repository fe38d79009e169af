"""A certificate authority made at start (`trustme`), so that loopback hosts can answer https for
production host names (news.google.com, www.chinadaily.com.cn ...) with certificates the
outbound client verifies: the demo and the tests trust it through FETCH_CA_FILE, which only adds
an authority (verification and the host-name check stay on). Nothing private is written to disk:
the keys live in memory for the life of the process; only the CA's certificate (public) is
written, for FETCH_CA_FILE.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from pathlib import Path

import trustme


class LocalCA:
    """A fresh certificate authority and the server TLS contexts it signs."""

    def __init__(self, organization: str = "Digestbot demo CA") -> None:
        self._ca = trustme.CA(organization_name=organization)

    def write_certificate(self, path: Path) -> Path:
        """The CA's certificate as PEM at `path` (for FETCH_CA_FILE); the path."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self._ca.cert_pem.write_to_path(str(path))
        return path

    def server_context(self, hosts: Iterable[str]) -> ssl.SSLContext:
        """A server context with one certificate for all of `hosts`, signed by this CA."""
        names = list(hosts)
        if not names:
            raise ValueError("a certificate needs at least one host name")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ca.issue_cert(*names).configure_cert(context)
        return context


def connect_to(routes: dict[str, int], port: int = 443, to_host: str = "127.0.0.1") -> str:
    """FETCH_CONNECT_TO sending each host's `port` to `to_host` on the given local port."""
    return ",".join(f"{host}:{port}:{to_host}:{local}" for host, local in routes.items())
