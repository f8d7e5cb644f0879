"""Storing what a service did, on the worker thread, before the patron is shown it.

Two kinds of outcome, two promises:

- :func:`store_or_tell`: something the ILS has already made true (a loan, a return, a
  renewal). Storing it is retried a few times; when it stays impossible the patron is
  still shown what happened (it *is* so at the library), with "please tell a librarian",
  and one technician line says what was not stored.
- :func:`record_quietly`: something the patron's screen does not depend on (a refusal,
  how a check-out intent ended). One try; a failure is one technician line.

Either way no exception reaches the patron's screen: a failure to store is never a
crash, and never a different answer from the one the ILS gave.
"""

from __future__ import annotations

import logging
import time

from kiosk.core.model import Outcome
from kiosk.core.session import Ports

log = logging.getLogger(__name__)

STORE_RETRY_DELAYS = (0.05, 0.2, 0.5)
"""Seconds between tries to store an outcome the ILS made true (tests set them to 0)."""


def _one_line(err: BaseException) -> str:
    return " ".join(f"{type(err).__name__}: {err}".split())


def store_or_tell(ports: Ports, outcome: Outcome, what: str, item_barcode: str) -> bool:
    """Store an outcome the ILS already made true, retrying; False when it stayed impossible.

    Args:
        ports: the worker's ports (the circulation log).
        outcome: the loan, return or renewal to store with its outbox report.
        what: how the technician's line names it ("loan", "return", "renewal").
        item_barcode: the item; the technician's line shows its last 4 digits.

    Returns:
        True once stored; False after the last try failed (the patron is then told to
        tell a librarian; for a loan, reconciliation tries again later).
    """
    for attempt, delay in enumerate((*STORE_RETRY_DELAYS, None), start=1):
        try:
            ports.log.record(outcome)
            return True
        except Exception as err:  # any failure: the ILS has done it, keep trying
            if delay is None:
                log.error(
                    "%s of item …%s done by the ILS but not stored after %d attempts (%s); "
                    "the patron was told to tell a librarian",
                    what,
                    item_barcode[-4:],  # which book a patron had stays out of the log
                    attempt,
                    _one_line(err),
                )
                return False
            log.warning("storing a %s failed (attempt %d): %s", what, attempt, _one_line(err))
            time.sleep(delay)
    return False


def record_quietly(ports: Ports, outcome: Outcome, what: str) -> None:
    """Store an outcome the patron's screen does not wait for; a failure is logged only.

    Args:
        ports: the worker's ports (the circulation log).
        outcome: a refusal, or how a check-out intent ended.
        what: how the technician's line names it.
    """
    try:
        ports.log.record(outcome)
    except Exception as err:
        log.error("%s was not stored: %s", what, _one_line(err))
