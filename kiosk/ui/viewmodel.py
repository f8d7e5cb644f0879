"""The kiosk's view-model: what every screen shows, as Kivy properties, and what it can do.

Screens (``screens.kv``) bind to these properties and call these actions; they never see the
session, the ILS or the database. The view-model owns the core :class:`Session` and is
touched by the UI thread only: scanner threads and the ILS worker hand their results over
through ``post`` (Kivy's ``Clock.schedule_once`` in the app, a plain call in flow tests).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from typing import Any

from kivy.event import EventDispatcher
from kivy.properties import (
    BooleanProperty,
    DictProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)

from kiosk.core import session as s
from kiosk.core.i18n import Translator
from kiosk.core.model import Refusal

log = logging.getLogger(__name__)

Post = Callable[[Callable[[], None]], None]
MAX_ENTRY = 32  # longer than any barcode; a stuck key cannot grow the buffer forever
SPINNER_DELAY = 0.3  # seconds an ILS call may take before the spinner shows


class KioskViewModel(EventDispatcher):
    """State of the kiosk screens. Every property is plain data ready to display."""

    screen = StringProperty(s.State.IDLE.value)
    language = StringProperty("id")
    large_print = BooleanProperty(False)
    font_scale = NumericProperty(1.0)
    texts = DictProperty({})
    theme = ObjectProperty(None)
    library_name = StringProperty("")
    entry_text = StringProperty("")
    pin_mask = StringProperty("")
    card_hint = StringProperty("")
    patron_name = StringProperty("")
    greeting = StringProperty("")
    lines = ListProperty([])
    notice_text = StringProperty("")
    notice_is_error = BooleanProperty(False)
    busy = BooleanProperty(False)
    show_spinner = BooleanProperty(False)
    warning_text = StringProperty("")
    summary_title = StringProperty("")
    summary_count = StringProperty("")
    summary_closing = StringProperty("")
    error_text = StringProperty("")
    can_finish = BooleanProperty(False)

    def __init__(
        self,
        session: s.Session,
        run_command: Callable[[s.Command], s.Event],
        executor: Executor,
        translators: dict[str, Translator],
        *,
        post: Post,
        theme: Any,
        text_scales: Sequence[float] = (1.0, 1.5),
        default_language: str = "id",
        default_large_print: bool = False,
        library_name: str = "",
        monotonic: Callable[[], float],
    ) -> None:
        super().__init__()
        self._session = session
        self._run_command = run_command
        self._executor = executor
        self._translators = translators
        self._post = post
        self._scales = tuple(text_scales)
        self._default_language = default_language
        self._default_large_print = default_large_print
        self._monotonic = monotonic
        self._pin = ""
        self._busy_since: float | None = None
        self.theme = theme
        self.library_name = library_name
        self._reset_preferences()
        self.texts = _all_texts(translators[self.language])
        self.font_scale = self._scales[-1] if self.large_print else self._scales[0]
        self.refresh()

    # ----- actions: input ----------------------------------------------------------------

    def scan(self, text: str) -> None:
        """A barcode arrived from a scanner (serial, wedge or typed and submitted)."""
        self._handle(s.BarcodeScanned(text))

    def type_char(self, char: str) -> None:
        """One character typed on a keyboard, a wedge scanner or the on-screen keypad."""
        self._note_activity()
        if self.screen == s.State.PATRON_IDENTIFIED.value:
            if char.isdigit() and len(self._pin) < MAX_ENTRY:
                self._pin += char
        elif (
            self.screen in (s.State.IDLE.value, s.State.SCANNING.value)
            and char.isprintable()
            and len(self.entry_text) < MAX_ENTRY
        ):
            self.entry_text += char
        self.refresh()

    def backspace(self) -> None:
        self._note_activity()
        if self.screen == s.State.PATRON_IDENTIFIED.value:
            self._pin = self._pin[:-1]
        else:
            self.entry_text = self.entry_text[:-1]
        self.refresh()

    def clear_entry(self) -> None:
        self._note_activity()
        self._pin = ""
        self.entry_text = ""
        self.refresh()

    def submit(self) -> None:
        """Enter: send what was typed as a barcode, or as the PIN on the PIN screen."""
        if self.screen == s.State.PATRON_IDENTIFIED.value:
            pin, self._pin = self._pin, ""
            self._handle(s.PinEntered(pin))
        elif self.screen in (s.State.IDLE.value, s.State.SCANNING.value, s.State.SUMMARY.value):
            text, self.entry_text = self.entry_text.strip(), ""
            if text:
                self._handle(s.BarcodeScanned(text))
            else:
                self._handle(s.Activity())
        elif self.screen == s.State.ERROR.value:
            self._handle(s.ErrorDismissed())

    # ----- actions: buttons --------------------------------------------------------------

    def finish(self) -> None:
        self._handle(s.FinishPressed())

    def cancel(self) -> None:
        self._handle(s.CancelPressed())

    def dismiss(self) -> None:
        self._handle(s.ErrorDismissed())

    def touched(self) -> None:
        """Any touch on the screen: the patron is still there."""
        self._handle(s.Activity())

    def toggle_language(self) -> None:
        self._note_activity()
        languages = list(self._translators)
        # Setting the language refreshes every text (on_language).
        self.language = languages[(languages.index(self.language) + 1) % len(languages)]

    def toggle_large_print(self) -> None:
        self.large_print = not self.large_print
        self._handle(s.Activity())

    def tick(self, *_args: object) -> None:
        """Called about twice a second by the app clock; lets timeouts happen."""
        self._session.tick()
        self.refresh()

    # ----- plumbing ----------------------------------------------------------------------

    def t(self, key: str, **params: object) -> str:
        """Translate in the current language (for code; kv files use ``texts``)."""
        return self._translators[self.language](key, **params)

    def _note_activity(self) -> None:
        """Tell the session the patron is there, leaving the refresh to the caller."""
        self._session.handle(s.Activity())  # Activity never yields commands

    def _handle(self, event: s.Event) -> None:
        commands = self._session.handle(event)
        for command in commands:
            self._submit(command)
        self.refresh()

    def _submit(self, command: s.Command) -> None:
        future = self._executor.submit(self._run_command, command)

        def done(fut: Future[s.Event]) -> None:
            try:
                event = fut.result()
            except Exception as err:  # the runner never raises by design; a bug must not hang
                log.exception("command runner failed")
                barcode = command.item_barcode if isinstance(command, s.Checkout) else None
                event = s.IlsFailed(command.session_no, f"internal error: {err}", barcode)
            self._post(lambda: self._handle(event))

        future.add_done_callback(done)

    def _reset_preferences(self) -> None:
        self.language = self._default_language
        self.large_print = self._default_large_print

    def on_language(self, _instance: object, language: str) -> None:
        self.texts = _all_texts(self._translators[language])
        self.refresh()

    def on_large_print(self, _instance: object, large: bool) -> None:
        self.font_scale = self._scales[-1] if large else self._scales[0]

    def refresh(self) -> None:
        """Copy the session into the display properties. Cheap; called after every change."""
        if not self.texts:
            return  # still constructing
        session = self._session
        state = session.state.value
        if state != self.screen:
            self._pin = ""
            self.entry_text = ""
            self.screen = state
            if session.state is s.State.IDLE:
                self._reset_preferences()  # the next patron starts from the library default
        t = self._translators[self.language]
        self.pin_mask = "●" * len(self._pin)
        self.card_hint = t("pin.card", last4=session.card[-4:]) if session.card else ""
        self.patron_name = session.patron.name if session.patron else ""
        self.greeting = t("scan.greeting", name=self.patron_name)
        self.lines = [self._line(line, t) for line in session.lines]
        notice = session.notice
        self.notice_text = t(notice.key, **dict(notice.params)) if notice else ""
        self.notice_is_error = bool(notice and notice.is_error)
        self.error_text = self.notice_text if session.state is s.State.ERROR else ""
        self._update_busy(session.busy)
        self.can_finish = not session.busy
        left = session.seconds_left
        self.warning_text = (
            t("timeout.warning", seconds=round(left))
            if session.timeout_warning and left is not None
            else ""
        )
        borrowed = len(session.borrowed)
        self.summary_title = t("summary.title", name=self.patron_name)
        self.summary_count = t.plural("summary.count", "summary.count_plural", borrowed)
        self.summary_closing = (
            t("summary.closing", seconds=round(left))
            if session.state is s.State.SUMMARY and left is not None
            else ""
        )

    def _update_busy(self, busy: bool) -> None:
        now = self._monotonic()
        if busy and self._busy_since is None:
            self._busy_since = now
        elif not busy:
            self._busy_since = None
        self.busy = busy
        self.show_spinner = busy and now - (self._busy_since or now) >= SPINNER_DELAY

    def _line(self, line: s.ItemLine, t: Translator) -> dict[str, Any]:
        title = line.title or t("line.unknown_title", barcode=line.barcode)
        if line.status is s.LineStatus.PENDING:
            detail = t("line.pending")
        elif line.status is s.LineStatus.BORROWED and line.due is not None:
            detail = t("line.due", date=t.date(line.due))
            if line.refusal is Refusal.NOT_RECORDED:
                detail += " — " + t("refusal.not_recorded")
        else:
            detail = t(f"refusal.{(line.refusal or Refusal.NOT_LOANABLE).value}")
        return {
            "title": title,
            "detail": detail,
            "status": line.status.value,
            "barcode": line.barcode,
        }


def _all_texts(translator: Translator) -> dict[str, str]:
    """The static texts the kv screens show, in one language."""
    keys = (
        "attract.title", "attract.prompt", "attract.type_hint", "attract.entry_label",
        "common.other_language", "common.large_print_on", "common.large_print_off",
        "common.cancel", "common.ok", "common.please_wait", "keypad.clear", "keypad.backspace",
        "keypad.enter", "pin.title", "pin.hint", "scan.prompt", "scan.type_hint",
        "scan.entry_label", "scan.empty", "scan.finish", "summary.done", "error.title",
        "error.help",
    )  # fmt: skip
    return {key: translator(key) for key in keys}
