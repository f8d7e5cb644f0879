"""Runs the session's commands against the ILS and the local store, off the UI thread.

Each command type is dispatched explicitly to the handler its service declared (see
:attr:`kiosk.core.navigation.Service.commands`). A command nobody declared is a
programming error and raises :class:`UnknownCommand`; it is never mistaken for an ILS
outage. ``IlsUnavailable`` from any handler becomes a
:class:`~kiosk.core.events.CommandFailed` answer, so the patron is told and the session
goes on: ``UNANSWERED`` when a command that changes something in the ILS
(``changes_ils``) may have been done (asked, answer lost), ``UNAVAILABLE`` otherwise
(:class:`~kiosk.core.ports.IlsUnreachable`: it certainly did not get the request).
Every answer is shown to the ``after`` hook (reconciliation uses it to settle a failed
check-out soon).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from kiosk.core.events import Command, CommandFailed, Event, Failure
from kiosk.core.navigation import CommandHandler
from kiosk.core.ports import IlsUnavailable, IlsUnreachable
from kiosk.core.session import Ports

log = logging.getLogger(__name__)


class UnknownCommand(TypeError):
    """A command type no service declared a handler for: a bug, not an outage."""


class CommandRunner:
    """Turns a command into the event that answers it. Safe to call from a worker thread.

    Args:
        ports: the ILS, the circulation log and the clock.
        handlers: command type -> handler, from :attr:`Navigation.commands`.
        after: called on the worker thread with every answer (e.g.
            :meth:`kiosk.core.reconcile.Reconciler.observe`); its errors are logged.
    """

    def __init__(
        self,
        ports: Ports,
        handlers: Mapping[type[Command], CommandHandler],
        *,
        after: Callable[[Event], None] | None = None,
    ) -> None:
        self._ports = ports
        self._handlers = dict(handlers)
        self._after = after

    def run(self, command: Command) -> Event:
        """Execute one command.

        Raises:
            UnknownCommand: no handler for this exact command type.
        """
        handler = self._handlers.get(type(command))
        if handler is None:
            raise UnknownCommand(
                f"no handler for command {type(command).__name__}; declare it in its service's "
                "commands"
            )
        try:
            answer = handler(self._ports, command)
        except IlsUnavailable as err:
            log.warning("ILS unavailable during %s: %s", type(command).__name__, err)
            unsure = command.changes_ils and not isinstance(err, IlsUnreachable)
            failure = Failure.UNANSWERED if unsure else Failure.UNAVAILABLE
            answer = CommandFailed(command.session_no, failure, str(err), command)
        if self._after is not None:
            try:
                self._after(answer)
            except Exception as err:  # the patron's answer must not depend on the hook
                log.error("after-command hook failed: %s: %s", type(err).__name__, err)
        return answer
