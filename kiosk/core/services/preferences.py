"""A patron's saved settings: applied when their card is identified, kept on one screen.

A patron who needs the voice, large text or other colours should not have to set them up
again at every visit. So::

    card identified (signin)  --LoadPreferences (background)-->  PreferencesLoaded
        session.preferences = what is saved; the view-model applies it at its next refresh,
        before the PIN is typed (language, text size, theme, voice on/off, rate, volume)

    account.overview --My settings--> account.settings --Save for my card--> SavePreferences
                                         |            --Delete saved settings--> ForgetPreferences
                                         '--Back--> account.overview

Loading is a *background* command (:attr:`~kiosk.core.events.Command.background`): the
patron did not ask for it, so the PIN screen shows no spinner and the PIN can be sent
while it runs; its answer and its failure are handled the same in every state
(:data:`BACKGROUND`). A load that fails (the store, the deadline) changes nothing the
patron sees; the technician gets one line. The settings are forgotten with the patron
(``Session.forget_patron``); the view-model returns the screen to the library's defaults
when the session ends.

Saving and deleting are the patron's own requests: they run on the worker and the notice
("Saved for your card") is shown only once the store has committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from kiosk.core.events import ActionChosen, Answer, Command, CommandFailed, Event
from kiosk.core.model import Preferences
from kiosk.core.navigation import CommandHandler, Handler, InputMode, StateSpec, after
from kiosk.core.ports import PreferenceStore, StorageFailed
from kiosk.core.session import Notice, Ports, Session

log = logging.getLogger(__name__)


# ----- commands and answers ------------------------------------------------------------------


@dataclass(frozen=True)
class LoadPreferences(Command):
    """Read what is saved for a card just identified (before its PIN is typed)."""

    card: str = field(repr=False)
    background: ClassVar[bool] = True


@dataclass(frozen=True)
class PreferencesLoaded(Answer):
    """What is saved for ``card`` (None: nothing); ``known`` is False when the store could
    not be read."""

    card: str = field(repr=False)
    preferences: Preferences | None
    known: bool = True
    background: ClassVar[bool] = True


@dataclass(frozen=True)
class SavePreferences(Command):
    card: str = field(repr=False)
    preferences: Preferences


@dataclass(frozen=True)
class ForgetPreferences(Command):
    card: str = field(repr=False)


@dataclass(frozen=True)
class PreferencesStored(Answer):
    """How a save (``saved`` True) or a delete (False) ended: ``ok`` once committed;
    ``found`` says whether a delete found anything saved."""

    saved: bool
    ok: bool
    found: bool = True


# ----- when a card is identified ---------------------------------------------------------------


def load(session: Session) -> list[Command]:
    """Ask for the settings saved for ``session.card`` (a card just identified).

    What an earlier card had (another patron stepped up at the PIN screen) goes at once,
    even if this card's never arrive: the view-model returns to the library's defaults.
    """
    if session.preferences is not None:
        session.preferences = None
        session.preferences_loaded += 1  # "none": the last card's settings are undone
    session.preferences_saved = None
    if not session.card:
        return []
    return [LoadPreferences(session.session_no, session.card)]


def _loaded(session: Session, event: PreferencesLoaded) -> list[Command]:
    if event.card != session.card:
        return []  # the answer for a card somebody else replaced on the PIN screen
    session.preferences = event.preferences
    session.preferences_saved = (event.preferences is not None) if event.known else None
    if event.preferences is not None:
        session.preferences_loaded += 1
    return []


def _background_failed(_session: Session, _event: CommandFailed) -> list[Command]:
    # The driver logged the technician's line (the deadline); the patron carries on
    # with the kiosk's settings, and is not told about a thing they did not ask for.
    return []


BACKGROUND: Mapping[type[Event], Handler] = {
    PreferencesLoaded: _loaded,
    CommandFailed: _background_failed,
}
"""The navigation's background handlers (see ``Navigation(background=...)``)."""


# ----- account.settings ----------------------------------------------------------------------


def settings_state(back: str, also: Mapping[type[Event], Handler]) -> StateSpec:
    """The settings screen: the current settings in words, Save, Delete, Back.

    Args:
        back: the state Back returns to (the account's overview).
        also: the service's own handlers in this state (Cancel, another card scanned).
    """

    def action(session: Session, event: ActionChosen) -> list[Command]:
        card = session.patron.barcode if session.patron else session.card
        if session.busy or not card:
            pass  # a save or delete is on its way: its answer is shown here first
        elif event.action == "back":
            session.notice = None
            session.go(back)
        elif event.action == "save_settings" and session.display is not None:
            session.notice = None
            return [SavePreferences(session.session_no, card, session.display)]
        elif event.action == "forget_settings":
            session.notice = None
            return [ForgetPreferences(session.session_no, card)]
        return []

    return StateSpec(
        input=InputMode.NONE,
        on={**also, ActionChosen: action, PreferencesStored: _stored, CommandFailed: _failed},
        timeout=after("idle"),
        warn=True,
        texts=settings_texts,
    )


def go_to_settings(session: Session, state: str) -> None:
    """ "My settings" on the overview: not while a renewal or the account is on its way
    (its answer belongs to the overview)."""
    if not session.busy:
        session.notice = None
        session.go(state)


def _stored(session: Session, event: PreferencesStored) -> list[Command]:
    if not event.ok:
        key = "settings.not_saved" if event.saved else "settings.not_deleted"
        session.notice = Notice(key).followed_by(Notice("settings.try_later"))
        return []
    session.preferences_saved = event.saved
    if event.saved:
        session.notice = Notice("settings.saved_notice", is_error=False)
    elif event.found:
        session.notice = Notice("settings.deleted_notice", is_error=False)
    else:
        session.notice = Notice("settings.nothing_saved_notice", is_error=False)
    return []


def _failed(session: Session, event: CommandFailed) -> list[Command]:
    saving = isinstance(event.command, SavePreferences)
    key = "settings.not_saved" if saving else "settings.not_deleted"
    session.notice = Notice(key).followed_by(Notice("settings.try_later"))
    return []


def settings_texts(session: Session) -> Mapping[str, Notice]:
    """The settings in words ("Ukuran teks: Besar (150 %)"), whether some are saved for
    this card, and ``forget`` (the Delete button) while they are or may be."""
    slots: dict[str, Notice] = {"title": Notice("settings.title", is_error=False)}
    shown = session.display
    if shown is not None:
        steps = session.voice_steps

        # One entry per value ("settings.theme.yellow_black" = "Colours: yellow on black"):
        # whole sentences translate naturally, and a name's entry is checked by the tests.
        slots["language"] = Notice(f"settings.language.{shown.language}", is_error=False)
        slots["text_size"] = Notice(f"settings.text_size.{shown.text_size}", is_error=False)
        slots["theme"] = Notice(f"settings.theme.{shown.theme}", is_error=False)
        voice = "settings.voice.on" if shown.voice else "settings.voice.off"
        slots["voice"] = Notice(voice, is_error=False)
        slots["rate"] = Notice.of("settings.rate", is_error=False, step=shown.rate, steps=steps)
        slots["volume"] = Notice.of(
            "settings.volume", is_error=False, step=shown.volume, steps=steps
        )
    saved = session.preferences_saved
    status = {
        True: "settings.saved_yes",
        False: "settings.saved_no",
        None: "settings.saved_unknown",
    }
    slots["saved"] = Notice(status[saved], is_error=False)
    if saved is not False:
        slots["forget"] = Notice("settings.forget", is_error=False)
    return slots


# ----- on the worker thread ------------------------------------------------------------------


def run_load_preferences(ports: Ports, command: LoadPreferences) -> Event:
    """Read a card's saved settings; a store that fails is one technician line and no
    settings (the kiosk's own stay)."""
    store = ports.preferences
    if store is None:
        return PreferencesLoaded(command.session_no, command.card, None)
    try:
        found = store.load(command.card)
    except StorageFailed as err:
        log.error(
            "a card's saved settings could not be read, the kiosk's defaults apply: %s; "
            "check the data folder's disk and permissions",
            err,
        )
        return PreferencesLoaded(command.session_no, command.card, None, known=False)
    return PreferencesLoaded(command.session_no, command.card, found)


def run_save_preferences(ports: Ports, command: SavePreferences) -> Event:
    """Store the patron's settings for their card; answered once committed."""
    now = ports.clock.now()
    return _store(
        ports, command, True, lambda store: store.save(command.card, command.preferences, now)
    )


def run_forget_preferences(ports: Ports, command: ForgetPreferences) -> Event:
    """Delete the settings saved for the patron's card; answered once committed."""
    found: list[bool] = []
    answer = _store(ports, command, False, lambda store: found.append(store.forget(command.card)))
    if isinstance(answer, PreferencesStored) and answer.ok:
        return PreferencesStored(command.session_no, saved=False, ok=True, found=found[0])
    return answer


def _store(
    ports: Ports, command: Command, saving: bool, act: Callable[[PreferenceStore], None]
) -> PreferencesStored:
    what = "saved" if saving else "deleted"
    store = ports.preferences
    if store is None:
        log.error("a patron's settings were not %s: this kiosk keeps none (no store)", what)
        return PreferencesStored(command.session_no, saved=saving, ok=False)
    try:
        act(store)
    except StorageFailed as err:
        log.error(
            "a patron's settings were not %s (they were told): %s; check the data folder's "
            "disk and permissions",
            what,
            err,
        )
        return PreferencesStored(command.session_no, saved=saving, ok=False)
    return PreferencesStored(command.session_no, saved=saving, ok=True)


COMMANDS: Mapping[type[Command], CommandHandler] = {LoadPreferences: run_load_preferences}
"""The kiosk-wide command every sign-in sends (see ``Navigation.home_commands``)."""
