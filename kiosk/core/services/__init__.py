"""The patron services, one module each, merged into the kiosk's navigation.

To add a service, write a module here that defines a
:class:`~kiosk.core.navigation.Service` (its states, how it starts, its commands) and
add it to :data:`SERVICES`; its screens go in ``kiosk/ui/screens/<name>.kv``. No other
service changes. See docs/architecture.md, "Adding a service".
"""

from __future__ import annotations

from collections.abc import Iterable

from kiosk.core.navigation import Navigation, Service
from kiosk.core.services import feedback, preferences, receipt, signin, technician
from kiosk.core.services.account import ACCOUNT
from kiosk.core.services.borrow import BORROW
from kiosk.core.services.guestbook import guestbook_service
from kiosk.core.services.home import HOME
from kiosk.core.services.returns import RETURN
from kiosk.core.services.technician import TECHNICIAN
from kiosk.core.visits import default_policy

GUESTBOOK = guestbook_service(default_policy())
"""The guest book with the built-in policy; ``bootstrap.build`` puts the one made from the
kiosk's ``[guestbook]`` in its place (or leaves it out when it is not enabled)."""

SERVICES: tuple[Service, ...] = (BORROW, RETURN, ACCOUNT, GUESTBOOK, TECHNICIAN)
"""The services this kiosk offers, in menu order (the technician screen is on no menu: a
staff card or Ctrl+Alt+T opens it, and only with a staff PIN configured)."""


def navigation(services: Iterable[Service] = SERVICES) -> Navigation:
    """The home table merged with ``services``; the rating, the receipt and the sign-in
    (card and PIN, shared by every service, with the card's saved settings) are the
    kiosk's own commands."""
    commands = {**feedback.COMMANDS, **receipt.COMMANDS, **signin.COMMANDS}
    commands.update(preferences.COMMANDS)  # a card's saved settings, loaded by the sign-in
    background = {**preferences.BACKGROUND, **technician.BACKGROUND}
    return Navigation(HOME, services, home_commands=commands, background=background)


__all__ = ["GUESTBOOK", "HOME", "SERVICES", "navigation"]
