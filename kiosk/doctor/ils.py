"""The library system: log in and ask its status, as the kiosk does when it starts.

* ``sip2``: a real :class:`~kiosk.ils.sip2.connection.Sip2Connection` with ``[sip2]``
  (login 93/94, then status 99/98); the 98's on-line flag is read.
* ``demo``: the demo library served over SIP2 on loopback in this process (the kiosk's
  ``demo`` backend), logged in to and asked its status the same way.
* ``local``: the demo library opened directly.

The demo library is opened where the kiosk keeps it; when there is none yet (the first
``kiosk run`` seeds it), a fresh one is seeded in the doctor's scratch folder instead, so
the doctor never leaves a file in the data folder (run as root it would be root's, and
the kiosk's user could not open it).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from kiosk.doctor.base import Check, Context, Finding, failed, one_line, passed

if TYPE_CHECKING:
    from kiosk.ils.sip2.codec import Message

DEMO_TIMEOUT = 15.0
"""The demo library's check seeds a fresh library when there is none (about 1.5 s on a
busy two-core machine): bounded, but not by a network device's 5 s."""


def checks(context: Context) -> list[Check]:
    """The ``library system`` check."""
    backend = context.config.ils.backend
    timeout = context.timeout
    if backend == "sip2":
        # connect, login and status may each take [sip2] timeout: let the connection's own
        # message (which names host and port) come first.
        timeout = max(timeout, 3 * min(context.config.sip2.timeout, timeout) + 1)
    else:  # local work only (seeding a fresh demo library on a busy machine), no network
        timeout = max(timeout, DEMO_TIMEOUT)
    return [
        Check(
            "library system",
            lambda: library_system(context),
            timeout,
            "check [sip2] host and port, the network, and that the SIP2 service runs",
        )
    ]


def library_system(context: Context) -> Finding:
    """Log in to the configured library system and ask its status."""
    backend = context.config.ils.backend
    if backend == "sip2":
        return _sip2(context)
    if backend == "demo":
        return _demo_over_sip2(context)
    return _local(context)


def _sip2(context: Context) -> Finding:
    from kiosk.bootstrap import sip2_settings
    from kiosk.core.ports import IlsUnavailable
    from kiosk.ils.sip2.connection import Sip2Connection

    options, _policy = sip2_settings(context.config)
    options = dataclasses.replace(
        options, keepalive=0.0, timeout=min(options.timeout, context.timeout)
    )
    connection = Sip2Connection(options, keepalive_thread=False)
    try:
        status = connection.connect()
    except IlsUnavailable as err:  # already one line: what, where, what to do
        return Finding(False, f"SIP2 {options.where}: {one_line(str(err), 400)}")
    finally:
        connection.close()
    how = f"logged in as {options.user}" if options.user else "connected (no login: user empty)"
    tls = " over TLS" if options.tls else ""
    return _status_finding(f"SIP2 {options.where}{tls}: {how}", status)


def _status_finding(where: str, status: Message) -> Finding:
    version = status.fixed.get("protocol_version", "").strip() or "?"
    if status.flag("online_status") is False:
        return failed(
            f"{where}, but the server says it is off-line (98 online status N)",
            "ask the library system's administrator to bring its SIP2 service on-line",
        )
    return passed(f"{where}; status on-line, SIP2 {version}")


def _demo_library(context: Context) -> tuple[Path, bool]:
    """Where the demo library is opened, and whether it is the kiosk's own file."""
    from kiosk.bootstrap import DEMO_LIBRARY_FILE

    own = context.data_dir / DEMO_LIBRARY_FILE
    if own.exists():
        return own, True
    return context.scratch / DEMO_LIBRARY_FILE, False


def _demo_over_sip2(context: Context) -> Finding:
    from kiosk.bootstrap import sip2_settings
    from kiosk.core.ports import IlsUnavailable
    from kiosk.ils.local import LocalIls
    from kiosk.ils.sip2.embedded import open_embedded_demo
    from kiosk.ils.sip2.server import ServerError

    config = context.config
    path, own = _demo_library(context)
    try:
        library = LocalIls.open(path, timezone=config.kiosk.timezone)
    except IlsUnavailable as err:
        return Finding(False, f"demo library: {one_line(str(err), 400)}")
    options, policy = sip2_settings(config)
    options = dataclasses.replace(options, keepalive=0.0, timeout=min(5.0, context.timeout))
    try:
        ils = open_embedded_demo(
            library,
            name=config.kiosk.library_name,
            options=options,
            policy=policy,
            timezone=ZoneInfo(config.kiosk.timezone),
        )
    except ServerError as err:
        library.close()
        return failed(
            f"the demo library's SIP2 server cannot listen ({one_line(str(err), 300)})",
            "check that loopback (127.0.0.1) works on this machine",
        )
    try:
        status = ils.connection.connect()
    except IlsUnavailable as err:
        return Finding(False, f"demo over SIP2: {one_line(str(err), 400)}")
    finally:
        ils.close()
    return _status_finding(f"demo library over SIP2 on 127.0.0.1 ({_which(path, own)})", status)


def _local(context: Context) -> Finding:
    from kiosk.core.ports import IlsUnavailable
    from kiosk.ils.local import LocalIls

    path, own = _demo_library(context)
    try:
        library = LocalIls.open(path, timezone=context.config.kiosk.timezone)
    except IlsUnavailable as err:
        return Finding(False, f"demo library: {one_line(str(err), 400)}")
    library.close()
    return passed(f"demo library opened directly ({_which(path, own)})")


def _which(path: Path, own: bool) -> str:
    if own:
        return str(path)
    return "none in the data folder yet: the first start seeds it; a fresh one answered"
