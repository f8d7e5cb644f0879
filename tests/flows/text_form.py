"""A throw-away service with one free-text field, for the on-screen keyboard's tests.

``form.name`` is a TEXT state with a 20-character field: its handler checks the text with
``kiosk.core.text_input`` (as the guest book's do) and either shows why it was refused or
goes to ``form.done``, which shows the name as it was stored. Passed to
``bootstrap.build`` next to the kiosk's own services (``services=FORM_SERVICES``).
"""

from __future__ import annotations

from collections.abc import Mapping

from kiosk.core.events import CancelPressed, Command, Event, OkPressed, TextEntered
from kiosk.core.navigation import InputMode, Service, StateSpec, after
from kiosk.core.services import SERVICES
from kiosk.core.session import Notice, Session
from kiosk.core.text_input import check_text, clean_text

NAME, DONE = "form.name", "form.done"
LIMIT = 20
STORED: list[str] = []
"""Every name the form accepted, in order (what a real service would store)."""

SCREEN_RULES = """
#:import dp kivy.metrics.dp
#:import sp kivy.metrics.sp
<FormNameScreen@Screen>:
    BoxLayout:
        orientation: 'vertical'
        padding: dp(32), dp(12)
        spacing: dp(8) * app.vm.window_scale
        EntryBox:
            text: app.vm.entry_text
        OnScreenKeyboard:
<FormDoneScreen@Screen>:
    KLabel:
        text: app.vm.state_texts['heading']
"""
"""kv rules for the two screens (a test loads them; the kiosk's own kv files lack them)."""


def _start(session: Session, _card: str | None) -> list[Command]:
    session.go(NAME)
    return []


def _typed(session: Session, event: TextEntered) -> list[Command]:
    refused = check_text(event.text, LIMIT)
    if refused is not None:
        session.notice = refused
        return []
    STORED.append(clean_text(event.text))
    session.notice = Notice.of("scan.greeting", is_error=False, name=STORED[-1])
    session.go(DONE)
    return []


def _end(session: Session, _event: Event) -> list[Command]:
    session.end()
    return []


def _done_texts(session: Session) -> Mapping[str, Notice]:
    return {"heading": session.notice} if session.notice else {}


FORM = Service(
    name="form",
    start=_start,
    states={
        NAME: StateSpec(
            input=InputMode.TEXT,
            on={TextEntered: _typed, CancelPressed: _end},
            timeout=lambda _session: 60.0,
            entry_limit=LIMIT,
        ),
        DONE: StateSpec(
            input=InputMode.NONE,
            on={OkPressed: _end, CancelPressed: _end},
            timeout=after("summary"),
            texts=_done_texts,
        ),
    },
)
FORM_SERVICES = (*SERVICES, FORM)
