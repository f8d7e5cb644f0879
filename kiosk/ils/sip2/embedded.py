"""The demo kiosk's library: the demo library served over SIP2 on loopback, in-process.

With no configuration the kiosk runs the production path end to end: its SIP2 client
(:class:`~kiosk.ils.sip2.backend.Sip2Ils`) talks over a real TCP socket on 127.0.0.1 to
the SIP2 server (:mod:`kiosk.ils.sip2.server`) that serves the embedded demo library
(:class:`~kiosk.ils.local.LocalIls`). Every call a patron makes is encoded, framed,
checksummed, decoded and mapped exactly as it would be against Koha or Evergreen; only
the tests keep the direct local backend, for speed and for what SIP2 cannot carry.
"""

from __future__ import annotations

import dataclasses
from zoneinfo import ZoneInfo

from kiosk.core.ports import Clock
from kiosk.ils.local import LocalIls
from kiosk.ils.sip2.backend import Sip2Ils, Sip2Policy
from kiosk.ils.sip2.connection import Sip2Connection, Sip2Options
from kiosk.ils.sip2.server import RunningServer, start_demo_server
from kiosk.ils.sip2.server.demo import DEMO_INSTITUTION, DEMO_PASSWORD, DEMO_USER


class EmbeddedDemoIls(Sip2Ils):
    """A :class:`Sip2Ils` connected to its own in-process demo server; closing it stops
    the server and closes the demo library too.

    Args:
        library: the open demo library (served, then closed with this backend).
        server: the running SIP2 server serving ``library``.
        options: how the client reaches the server (host, port and login are replaced by
            the server's own).
        policy: what the client sends (the institution is replaced by the demo's).
        timezone: the library's time zone.
        clock: the kiosk's clock.
    """

    def __init__(
        self,
        library: LocalIls,
        server: RunningServer,
        options: Sip2Options,
        policy: Sip2Policy,
        timezone: ZoneInfo,
        clock: Clock | None = None,
    ) -> None:
        options = dataclasses.replace(
            options,
            host=server.host,
            port=server.port,
            user=DEMO_USER,
            password=DEMO_PASSWORD,
            tls=False,
        )
        policy = dataclasses.replace(policy, institution=DEMO_INSTITUTION)
        super().__init__(Sip2Connection(options), policy, timezone, clock)
        self._library = library
        self._server = server

    def close(self) -> None:
        """Close the client, then stop the server, then close the demo library."""
        try:
            super().close()
        finally:
            try:
                self._server.stop()
            finally:
                self._library.close()


def open_embedded_demo(
    library: LocalIls,
    *,
    name: str,
    options: Sip2Options,
    policy: Sip2Policy,
    timezone: ZoneInfo,
    clock: Clock | None = None,
) -> EmbeddedDemoIls:
    """Serve ``library`` over SIP2 on a free loopback port and connect a client to it.

    Raises:
        kiosk.ils.sip2.server.ServerError: the server cannot listen.
    """
    server = start_demo_server(library, host="127.0.0.1", port=0, name=name)
    try:
        return EmbeddedDemoIls(library, server, options, policy, timezone, clock)
    except BaseException:
        server.stop()
        raise
