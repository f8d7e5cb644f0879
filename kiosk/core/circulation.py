"""Runs the session's commands against the ILS and the local store, off the UI thread.

The order inside :meth:`CommandRunner.run` is the kiosk's promise to patrons: a loan is
shown as borrowed only after the ILS said yes *and* the local store committed it together
with its outbox event.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from kiosk.core.model import Refusal
from kiosk.core.ports import CirculationLog, Clock, IlsBackend, IlsUnavailable, StorageFailed
from kiosk.core.session import (
    Checkout,
    CheckoutDone,
    CheckPatron,
    Command,
    Event,
    IlsFailed,
    PatronChecked,
)

log = logging.getLogger(__name__)


class CommandRunner:
    """Turns a command into the event that answers it. Safe to call from a worker thread."""

    def __init__(self, ils: IlsBackend, circulation_log: CirculationLog, clock: Clock) -> None:
        self._ils = ils
        self._log = circulation_log
        self._clock = clock

    def run(self, command: Command) -> Event:
        """Execute one command; never raises for ILS or storage trouble."""
        if isinstance(command, CheckPatron):
            return self._check_patron(command)
        return self._checkout(command)

    def _check_patron(self, command: CheckPatron) -> Event:
        try:
            check = self._ils.check_patron(command.barcode, command.pin)
        except IlsUnavailable as err:
            log.warning("ILS unavailable while checking a patron: %s", err)
            return IlsFailed(command.session_no, str(err))
        return PatronChecked(command.session_no, check)

    def _checkout(self, command: Checkout) -> Event:
        try:
            answer = self._ils.checkout(
                command.patron_barcode, command.item_barcode, self._clock.now()
            )
        except IlsUnavailable as err:
            log.warning("ILS unavailable during check-out: %s", err)
            return IlsFailed(command.session_no, str(err), item_barcode=command.item_barcode)
        if answer.ok and answer.loan is not None:
            try:
                self._log.record_checkout(answer.loan)
            except StorageFailed as err:
                # The ILS has lent the item; the patron must be told to ask staff, because
                # the kiosk holds no record of it.
                log.error("loan confirmed by the ILS but not stored locally: %s", err)
                answer = replace(answer, refusal=Refusal.NOT_RECORDED)
        return CheckoutDone(command.session_no, answer)
