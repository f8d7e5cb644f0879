"""The receipt at the end of a session: printed or not, one tap, in the patron's language.

Any service's summary offers it. The summary state merges :func:`summary_handlers` into
its ``on`` table, with the function that says what this service's receipt holds (a
:class:`ReceiptContent`), and its screen shows the kv ``ReceiptBar``; that is the whole
hook::

    on={**receipt.summary_handlers(_receipt_content), CancelPressed: ..., BarcodeScanned: ...}

States::

    <service>.summary --"Print receipt" (or OK, when printed is the default)--> printing
    printing --printed--> rate (feedback.offer_rating)
    printing --out of paper, no printer, failed--> <service>.summary again: the same list,
        "the receipt could not be printed, the list on screen is your record", only Done
    <service>.summary --"No receipt", Done (or OK, when none is the default)--> rate
    <service>.summary --timeout--> idle, nothing printed

A summary that times out never prints: the patron has walked away, and their loans must
not come out of the printer for whoever steps up next. Without a printer configured the
summary offers no choice, only Done.

The receipt is composed on the owner thread when the patron chooses it, from the
catalogues in the session's language: the library's name, date and time, the card's last
4 digits (never the name or the PIN), each item with its due date or outcome, the
service's totals, a line inviting feedback. :class:`~kiosk.core.events.PrintReceipt`
carries the plain text to the worker, which hands it to the
:class:`~kiosk.core.ports.ReceiptPrinter` port and logs the technician's one line.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kiosk.core.events import (
    BarcodeScanned,
    CancelPressed,
    Command,
    CommandFailed,
    Event,
    FinishPressed,
    OkPressed,
    PrintReceipt,
    ReceiptChosen,
    ReceiptPrinted,
)
from kiosk.core.i18n import Translator
from kiosk.core.model import PrintOutcome, PrintReport, ReceiptText, ReceiptTextLine
from kiosk.core.navigation import CommandHandler, Handler, InputMode, StateSpec, after
from kiosk.core.services import feedback
from kiosk.core.session import Notice, Ports, Session

log = logging.getLogger(__name__)

PRINTING = "printing"
RULE = "-" * 32  # a separator, as wide as the narrowest (58 mm) receipt printers print

PRINTED, NONE = "printed", "none"
"""The two choices, also the values of ``[printer] receipt`` and of :func:`offer`."""


@dataclass(frozen=True)
class ReceiptItem:
    """One item on a receipt: its title and what happened (its due date, or the outcome)."""

    title: str
    detail: Notice | None = None


@dataclass(frozen=True)
class ReceiptContent:
    """What a service's receipt says, as catalogue notices (the language is chosen later).

    Attributes:
        kind: the receipt's heading ("Loans", "Returns", ...).
        items: each item of the session, in order.
        totals: the service's totals (books borrowed, the next due date, ...).
    """

    kind: Notice
    items: tuple[ReceiptItem, ...] = ()
    totals: tuple[Notice, ...] = ()


# ----- the choice on a summary ---------------------------------------------------------------


def offer(session: Session) -> str:
    """What the summary offers now: :data:`PRINTED` or :data:`NONE` (the highlighted default
    and what OK does), or "" for Done alone (no printer, or it has just failed)."""
    if not session.receipts.printer or session.receipt_failed:
        return ""
    return PRINTED if session.receipts.printed_by_default else NONE


NOT_PRINTED_TIME = 3
"""After a receipt that could not be printed, the summary stays this many times longer:
the list on screen is now the patron's record, and they may want to photograph it."""


def summary_timeout(session: Session) -> float:
    """How long a summary with the receipt choice stays (a service's summary ``timeout``)."""
    seconds = session.timeout_seconds("summary")
    return seconds * NOT_PRINTED_TIME if session.receipt_failed else seconds


def notice(session: Session) -> Notice | None:
    """Said on the summary when this session's receipt could not be printed."""
    return Notice("receipt.not_printed") if session.receipt_failed else None


def choose(session: Session, content: ReceiptContent, printed: bool) -> list[Command]:
    """The patron's choice on a summary: print the receipt, or go on to the rating.

    The hook for a summary state's handler; :func:`summary_handlers` wires it.
    """
    if session.busy:
        return []  # an answer is still coming; the choice can be made again
    if not printed or not offer(session):
        return feedback.offer_rating(session)
    receipt = compose(session, content)
    session.receipt_from = session.state
    session.go(PRINTING)
    return [PrintReceipt(session.session_no, receipt)]


def summary_handlers(
    content: Callable[[Session], ReceiptContent],
) -> dict[type[Event], Handler]:
    """The handlers a summary state merges into its ``on`` table to offer the receipt.

    Args:
        content: what this service's receipt holds, from the session.

    Returns:
        "Print receipt" / "No receipt" (:class:`ReceiptChosen`), OK (the configured
        default) and Done (:class:`FinishPressed`: no receipt).
    """

    def chosen(session: Session, event: ReceiptChosen) -> list[Command]:
        return choose(session, content(session), event.printed)

    def ok(session: Session, _event: OkPressed) -> list[Command]:
        return choose(session, content(session), offer(session) == PRINTED)

    return {ReceiptChosen: chosen, OkPressed: ok, FinishPressed: feedback.offer_rating}


# ----- composing -----------------------------------------------------------------------------


@functools.cache
def _translator(language: str) -> Translator:
    return Translator(language)


def compose(session: Session, content: ReceiptContent) -> ReceiptText:
    """The receipt's lines in the session's language. No name, no PIN; the card's last 4.

    Args:
        session: the patron's session (its language, card, clock and settings).
        content: what the service's receipt holds.

    Returns:
        Plain text lines for the printer.
    """
    t = _translator(session.language)
    now = session.clock.now().astimezone(session.receipts.timezone)
    lines = [
        ReceiptTextLine(t.render(content.kind), bold=True),
        ReceiptTextLine(t("receipt.when", date=now.date(), time=now.strftime("%H:%M"))),
    ]
    if session.card:
        lines.append(ReceiptTextLine(t("receipt.card", last4=session.card[-4:])))
    lines.append(ReceiptTextLine(RULE))
    for item in content.items:
        lines.append(ReceiptTextLine(item.title, bold=True))
        if item.detail is not None:
            lines.append(ReceiptTextLine(t.render(item.detail)))
    if content.totals:
        lines.append(ReceiptTextLine(RULE))
        lines.extend(ReceiptTextLine(t.render(total)) for total in content.totals)
    lines.append(ReceiptTextLine(RULE))
    lines.append(ReceiptTextLine(t("receipt.feedback")))
    return ReceiptText(session.receipts.library_name, tuple(lines))


# ----- the printing state --------------------------------------------------------------------


def _printed(session: Session, event: ReceiptPrinted) -> list[Command]:
    if event.outcome is PrintOutcome.PRINTED:
        return feedback.offer_rating(session)
    return _not_printed(session)


def _failed(session: Session, _event: CommandFailed) -> list[Command]:
    return _not_printed(session)


def _not_printed(session: Session) -> list[Command]:
    # The summary comes back with the same list: it is the patron's record now.
    back, session.receipt_from = session.receipt_from, None
    session.receipt_failed = True
    if back is None:
        return feedback.offer_rating(session)
    session.go(back)
    return []


def _leave(session: Session, _event: CancelPressed) -> list[Command]:
    # The patron leaves while it prints: the receipt still comes out (it is theirs, and
    # they are standing at the printer); the session ends now, its answer is dropped.
    session.end()
    return []


def _printing_texts(_session: Session) -> Mapping[str, Notice]:
    return {"message": Notice("receipt.printing", is_error=False)}


PRINTING_STATE = StateSpec(
    input=InputMode.NONE,
    on={
        ReceiptPrinted: _printed,
        CommandFailed: _failed,
        BarcodeScanned: feedback.next_patron,
        CancelPressed: _leave,
    },
    # Never counts while the print is in flight (Session.seconds_left); the printer's own
    # budget (3 s) is well inside the command deadline.
    timeout=after("error"),
    texts=_printing_texts,
)


def run_print_receipt(ports: Ports, command: PrintReceipt) -> Event:
    """Print on the worker thread and log the technician's one line; never raises."""
    report = print_and_log(ports, command.receipt, "receipt")
    return ReceiptPrinted(command.session_no, report.outcome)


def print_and_log(ports: Ports, receipt: ReceiptText, what: str) -> PrintReport:
    """Print ``receipt`` through the printer port and log the technician's line (``what``
    names the print when it is not a patron's receipt); never raises."""
    printer = ports.printer
    if printer is None:
        report = PrintReport(
            PrintOutcome.NO_PRINTER,
            "receipt printer: none configured ([printer] url is empty); no receipt printed",
        )
    else:
        try:
            report = printer.print_receipt(receipt)
        except Exception as err:  # whatever the device did, the patron's session goes on
            report = PrintReport(
                PrintOutcome.FAILED,
                f"receipt printer: {type(err).__name__}: {' '.join(str(err).split())}: "
                "check the printer and its URL in the config",
            )
    prefix = "" if what == "receipt" else f"technician screen: {what}: "
    if report.outcome is PrintOutcome.PRINTED:
        log.info("%s%s", prefix, report.technician)
    else:
        log.warning("%s%s", prefix, report.technician)
    return report


COMMANDS: Mapping[type[Command], CommandHandler] = {PrintReceipt: run_print_receipt}
"""The kiosk-wide commands this module runs (see :class:`Navigation`'s ``home_commands``)."""
