"""The guard against real network access: any connection to a non-loopback address fails. The test
session installs it for every test (conftest); `python -m tests.docs_samples` for its whole run."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

real_connect = socket.socket.connect
real_connect_ex = socket.socket.connect_ex


def check(address: Any) -> None:
    """Raise ConnectionRefusedError for a socket address that is not loopback."""
    if isinstance(address, tuple):
        host = address[0]
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise ConnectionRefusedError(f"tests may not connect to {host}: real network access is blocked")


def guarded_connect(self: socket.socket, address: Any) -> None:
    check(address)
    return real_connect(self, address)


def guarded_connect_ex(self: socket.socket, address: Any) -> int:
    check(address)
    return real_connect_ex(self, address)


@contextmanager
def network_blocked() -> Iterator[None]:
    """Only loopback connections while inside."""
    socket.socket.connect = guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]
