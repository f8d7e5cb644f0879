"""Our SIP2 server (an ACS): the demo library, or any :class:`Library`, for self-checks.

- :mod:`.library`: the server's own back-end port (:class:`Library`) and its values.
- :mod:`.demo`: the demo library (:class:`kiosk.ils.local.LocalIls`) behind that port.
- :mod:`.acs`: one request in, one reply out (the mapping onto SIP2).
- :mod:`.listener`: sockets, threads, TLS, login, checksums and resends.

:func:`start_demo_server` is what the demo kiosk calls to talk to its own library over
SIP2 in-process; ``kiosk sip2-server`` serves it to a technician's self-check machine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from kiosk.ils.local import LocalIls
from kiosk.ils.sip2.server.demo import DEMO_INSTITUTION, DEMO_PASSWORD, DEMO_USER, LocalLibrary
from kiosk.ils.sip2.server.library import Library
from kiosk.ils.sip2.server.listener import ServerError, ServerSettings, Sip2Server

DEMO_LIBRARY_NAME = "Perpustakaan Kota (demo)"


class RunningServer(Protocol):
    """A server that is listening: where, and how to stop it."""

    @property
    def host(self) -> str: ...

    @property
    def port(self) -> int: ...

    def stop(self, timeout: float = 2.0) -> None: ...


def start_demo_server(
    library: LocalIls | Library,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    name: str = DEMO_LIBRARY_NAME,
    user: str = DEMO_USER,
    password: str = DEMO_PASSWORD,
    institution: str = DEMO_INSTITUTION,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
    encoding: str = "utf-8",
    idle_timeout: float = 300.0,
    max_connections: int = 16,
    login_timeout: float = 15.0,
) -> RunningServer:
    """Serve ``library`` over SIP2 in this process, in background threads.

    Args:
        library: the demo library (wrapped in :class:`LocalLibrary` with ``name``, ``user``,
            ``password`` and ``institution``) or any :class:`Library` (used as it is).
        host: address to listen on; loopback by default.
        port: TCP port; 0 (default) takes a free one: read it from the result's ``port``.
        tls_cert, tls_key: PEM files to serve TLS (both or neither).
        encoding: the wire's text encoding.
        idle_timeout: seconds after which an idle connection is closed.
        max_connections: connections served at once (shared by every client).
        login_timeout: seconds a connection has to log in before it is closed.

    Returns:
        The running server (``host``, ``port``, ``stop()``).

    Raises:
        ServerError: it cannot listen (port taken) or the TLS files are unusable.
    """
    backend: Library
    if isinstance(library, LocalIls):
        backend = LocalLibrary(
            library, name=name, user=user, password=password, institution=institution
        )
    else:
        backend = library
    settings = ServerSettings(
        host=host,
        port=port,
        tls_cert=tls_cert,
        tls_key=tls_key,
        encoding=encoding,
        idle_timeout=idle_timeout,
        max_connections=max_connections,
        login_timeout=login_timeout,
    )
    server = Sip2Server(backend, settings)
    server.start()
    return server


__all__ = [
    "DEMO_INSTITUTION",
    "DEMO_LIBRARY_NAME",
    "DEMO_PASSWORD",
    "DEMO_USER",
    "Library",
    "LocalLibrary",
    "RunningServer",
    "ServerError",
    "ServerSettings",
    "Sip2Server",
    "start_demo_server",
]
