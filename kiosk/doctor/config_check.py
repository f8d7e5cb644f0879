"""The config: which file was read, and what it names (a config that cannot be read never
gets here: ``kiosk doctor`` exits 2 with the config's own one-line error, as every
command does)."""

from __future__ import annotations

import os

from kiosk.config import CONFIG_ENV
from kiosk.doctor.base import Check, Context, Finding, passed


def checks(context: Context) -> list[Check]:
    """The ``config`` check."""
    return [Check("config", lambda: config(context), context.timeout)]


def config(context: Context) -> Finding:
    """Which file was read and the parts it names; never a password."""
    settings = context.config
    if settings.source is None:
        source = f"no file (${CONFIG_ENV} unset, no --config): the demo defaults"
    else:
        via = f" (from ${CONFIG_ENV})" if os.environ.get(CONFIG_ENV) == str(settings.source) else ""
        source = f"{settings.source}{via} read and valid"
    ils = settings.ils.backend
    if ils == "sip2":
        ils = f"sip2 {settings.sip2.host}:{settings.sip2.port}"
    scanner = settings.scanner.url or "none"
    printer = settings.printer.url or "none"
    speech = f"speech on {settings.speech.device!r}" if settings.speech.enabled else "speech off"
    return passed(
        f"{source}; library system {ils}, scanner {scanner}, printer {printer}, {speech}; "
        f"data folder {context.data_dir}"
    )
