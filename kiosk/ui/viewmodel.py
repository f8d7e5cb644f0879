"""The kiosk's view-model: what every screen shows, as Kivy properties, and what it can do.

Screens (``kiosk/ui/screens/*.kv``) bind to these properties and call these actions; they
never see the session, the ILS or the database. The view-model holds no flow logic of its
own: typing goes where the current state's input mode says, Enter sends the event that
mode means, and every text comes from the catalogue (static texts through ``texts``,
changing ones from the state's ``state_texts``). A new service therefore needs no change
here. It is touched by the owner thread only (the driver asserts it in debug mode); other
threads reach the session through :meth:`SessionDriver.post`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
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

from kiosk.core import events as e
from kiosk.core.driver import SessionDriver
from kiosk.core.i18n import Translator
from kiosk.core.model import Preferences
from kiosk.core.navigation import DEFAULT_ENTRY_LIMIT, InputMode, Navigation
from kiosk.core.services import receipt
from kiosk.core.services.home import menu
from kiosk.core.session import ItemLine, Notice, Row, Session
from kiosk.core.text_input import BIDI_CONTROLS, TOO_LONG, refused_char
from kiosk.ui.item_rows import ItemRows, row_words

log = logging.getLogger(__name__)

MAX_ENTRY = DEFAULT_ENTRY_LIMIT  # a PIN's, and a typing burst's, cap (a state sets its field's)
SPINNER_DELAY = 0.3  # seconds an ILS call may take before the spinner shows
ENTRY_IDLE = 20.0
"""Seconds after the last key before half-typed input is forgotten, so a card number or PIN
digits left on the screen are never glued onto the next person's input."""
BURST_GAP = 0.05
"""A keyboard-wedge scanner types a whole barcode within a few frames (a few ms per
character); people on a touch keypad or keyboard take 100 ms or more per key. Characters
closer together than this, ending in Enter, are one scan."""
MIN_SCAN_LENGTH = 8
"""Shorter bursts are typing: library barcodes are longer (14 digits here), PINs shorter."""
PIN_MASK_CHAR = "\u2022"  # BULLET: the bundled font (Roboto) has it; U+25CF it has not
DESIGN_SIZE = (1280, 800)  # the window the sizes in the kv files were chosen for
CAPPED_STEP = 1.5  # the text step beyond which titles and the keypad stop growing


class KioskViewModel(EventDispatcher):
    """State of the kiosk screens. Every property is plain data ready to display."""

    screen = StringProperty(Navigation.IDLE)
    input_mode = StringProperty(InputMode.BARCODE.value)
    language = StringProperty("id")
    text_step = NumericProperty(0)
    """Index of the text-size step (0: 100 %, 1: 150 %, 2: 200 %); kv layouts read it."""
    text_percent = NumericProperty(100)  # the step as the top bar's button shows it
    voice_mode = BooleanProperty(False)
    """Voice guidance is on (``kiosk.ui.voice``): started at the attract screen by a key or
    a long touch, ended with the session like the language and the text size."""
    voice_rate = NumericProperty(3)
    """The voice's speaking rate step (1 = slowest); the voice guide follows it."""
    voice_volume = NumericProperty(4)
    """The voice's volume step (1 = quietest); the voice guide follows it."""
    font_scale = NumericProperty(1.0)  # text-size step x window_scale; kv sizes use it
    capped_scale = NumericProperty(1.0)
    """font_scale, but no more than 150 %: for what is large already (titles, the keypad,
    the typed entry, the list's Up and Down buttons), which stops growing there, so that
    at 200 % a 1280x800 screen keeps room for the text that grows."""
    window_scale = NumericProperty(1.0)  # how much larger than DESIGN_SIZE the window is
    texts = ObjectProperty(None)
    state_texts = ObjectProperty(None)
    state_rows = ObjectProperty(None)
    """The state's lists by section (``state_rows['loans']``): dicts with key, title,
    label, detail, tone, action (a button's text, '' for none) and action_name."""
    theme = ObjectProperty(None, rebind=True)
    """The colours of every role (``accessibility.themes.Theme``). ``rebind``: kv rules read
    ``app.vm.theme.text``, where the theme is an intermediate; without it they would keep
    the first theme's colours."""
    theme_name = StringProperty("")
    text_size_label = StringProperty("")  # the top bar's text-size button: "Teks 150 %"
    theme_label = StringProperty("")  # the top bar's colours button: "Warna: ..."
    library_name = StringProperty("")
    entry_text = StringProperty("")
    pin_mask = StringProperty("")
    lines = ListProperty([])  # rows to show (dicts, see _line); an unchanged row is the same object
    progress_text = StringProperty("")  # "7 of 9 books borrowed, 1 still being checked"
    notice_text = StringProperty("")
    notice_is_error = BooleanProperty(False)
    busy = BooleanProperty(False)
    show_spinner = BooleanProperty(False)
    warning_text = StringProperty("")
    error_text = StringProperty("")
    can_finish = BooleanProperty(False)
    devices = DictProperty({})
    ils_offline = BooleanProperty(False)
    """The ILS was found unreachable (the driver's ``ils_online``): the top bar's small
    "offline" mark for staff. The patron's flow does not change."""
    scanner_lost = BooleanProperty(False)
    """The serial scanner was unplugged or cannot be opened (its reader keeps retrying and
    the kiosk goes on by itself when it is back). Keyboard-wedge scanners and typing work."""
    scanner_mark = BooleanProperty(False)
    """Show "scanner unavailable, type the number" in the top bar: the scanner is lost and
    this screen takes a number (a scan or typed digits with OK)."""
    help_text = StringProperty("")
    receipt_offer = StringProperty("")
    """On a summary: 'printed' or 'none' (the highlighted default, what OK does) when the
    receipt is offered, '' for Done alone (no printer, or printing has just failed)."""
    receipt_text = StringProperty("")  # "the receipt could not be printed ...", or ''
    """What the current screen is for and how to use it, while Help is open; else ''."""
    menu = ListProperty([])
    """The attract screen's choices: dicts of service, label, hint, key (the digit that
    picks it with OK) and key_text ("Key 2"), only for the services this kiosk has (see
    ``services.home.MENU``)."""

    def __init__(
        self,
        driver: SessionDriver,
        translators: dict[str, Translator],
        *,
        themes: Mapping[str, Any],
        text_scales: Sequence[float] = (1.0, 1.5, 2.0),
        default_language: str = "id",
        default_text_step: int = 0,
        default_theme: str = "",
        text_step_names: Sequence[str] = (),
        library_name: str = "",
        voice_steps: int = 5,
        default_voice_rate: int = 3,
        default_voice_volume: int = 4,
        monotonic: Callable[[], float],
    ) -> None:
        super().__init__()
        self._driver = driver
        self._session = driver.session
        self._translators = translators
        self._scales = tuple(text_scales)
        self._themes = dict(themes)
        self._default_language = default_language
        self._default_text_step = default_text_step
        self._default_theme = default_theme or next(iter(self._themes))
        self._text_step_names = tuple(text_step_names) or tuple(
            str(round(scale * 100)) for scale in self._scales
        )
        self.voice_steps = voice_steps
        self._default_voice = (default_voice_rate, default_voice_volume)
        self._preferences_loaded = driver.session.preferences_loaded
        self._monotonic = monotonic
        self._pin = ""
        self._burst = ""  # the characters of the current fast run (a wedge scan, maybe)
        self._burst_pin = ""  # what the PIN was before the run began
        self._burst_entry = ""  # what the entry was before the run began
        self._last_key_at: float | None = None
        self._entry_epoch = driver.session.entry_epoch
        self._handovers = driver.session.handovers
        self._busy_since: float | None = None
        self._rows = ItemRows()
        self._refresh_listeners: list[Callable[[], None]] = []
        self.library_name = library_name
        self._reset_preferences()
        self.texts = translators[self.language].texts()
        self._update_menu()
        self._update_display_labels()
        self._update_font_scale()
        self.bind(text_step=self._display_changed, theme_name=self._display_changed)
        driver.add_listener(self.refresh)
        self.refresh()

    # ----- actions: input ----------------------------------------------------------------

    def scan(self, text: str) -> None:
        """A barcode arrived from a scanner (serial, wedge or typed and submitted)."""
        self._driver.handle(e.BarcodeScanned(text))

    def type_char(self, char: str) -> None:
        """One character typed on a keyboard, a wedge scanner, the on-screen keypad or
        keyboard. The field stops at the state's ``entry_limit``. A TEXT field takes any
        character but controls and lone surrogates (a name's ZWJ, a no-break space and
        an emoji included); what it holds is judged when it is sent
        (``kiosk.core.text_input.check_text``).

        In a TEXT field the patron is told at once, on screen and by voice, when a
        character is cut off by the limit ("at most 80 characters"): a long name is never
        shortened silently. The first character taken clears an error notice about the
        field ("Please fill in this field."): it was about the text being corrected."""
        self._driver.check_thread("type_char")
        self._note_activity()
        self._follow_burst(char)
        session = self._session
        mode = session.input_mode
        if mode is InputMode.PIN:
            if char.isdigit() and len(self._pin) < MAX_ENTRY:
                self._pin += char
        elif _takes(mode, char):
            if len(self.entry_text) < session.entry_limit:
                self.entry_text += char
                notice = session.notice
                if mode is InputMode.TEXT and notice is not None and notice.is_error:
                    session.notice = None
            elif mode is InputMode.TEXT:
                cut = Notice.of(TOO_LONG, limit=session.entry_limit)
                if session.notice != cut:  # once: the voice says it once, not per key
                    session.notice = cut
        self.refresh()

    def backspace(self) -> None:
        self._driver.check_thread("backspace")
        self._note_activity()
        self._end_burst()
        if self._session.input_mode is InputMode.PIN:
            self._pin = self._pin[:-1]
        else:
            self.entry_text = self.entry_text[:-1]
        self.refresh()

    def typed_by_hand(self) -> None:
        """What was just typed came from a person, not a wedge scanner (the headless
        console types a whole line at once): the next Enter sends it as typed text."""
        self._driver.check_thread("typed_by_hand")
        self._end_burst()

    def clear_entry(self) -> None:
        self._driver.check_thread("clear_entry")
        self._note_activity()
        self._forget_input()
        self.refresh()

    def submit(self) -> None:
        """Enter: send what was typed as the current input mode means it."""
        self._driver.check_thread("submit")
        scanned = self._scanned_burst()
        if scanned is not None:
            # A wedge scanner, not a person: the code is a scan whatever the screen, and its
            # digits must not become PIN digits (a wrong PIN) or stick to typed text.
            self._pin, self.entry_text = self._burst_pin, self._burst_entry
            self._driver.handle(e.BarcodeScanned(scanned))
            return
        mode = self._session.input_mode
        if mode is InputMode.PIN:
            pin, self._pin = self._pin, ""
            self._driver.handle(e.PinEntered(pin))
        elif mode is InputMode.BARCODE:
            text, self.entry_text = self.entry_text.strip(), ""
            self._driver.handle(e.BarcodeScanned(text) if text else e.Activity())
        elif mode is InputMode.TEXT:
            # The text stays in the field: a refusal ("too long") lets the patron correct
            # it rather than type it all again. The next state forgets it (entry_epoch);
            # a handler that accepts it and stays in its state forgets it the same way.
            self._driver.handle(e.TextEntered(self.entry_text))
        else:
            self._driver.handle(e.OkPressed())

    # ----- actions: buttons --------------------------------------------------------------

    def choose(self, service: str) -> None:
        """A service button on the attract screen."""
        self._driver.handle(e.ServiceChosen(service))

    def open_technician(self) -> None:
        """Ctrl+Alt+T: the technician screen's staff PIN (from the attract screen only)."""
        self._driver.handle(e.TechnicianRequested())

    def act(self, action: str, key: str = "") -> None:
        """A service's own button (Renew on a loan's row, next page): ``ActionChosen``."""
        self._driver.handle(e.ActionChosen(action, key))

    def finish(self) -> None:
        self._driver.handle(e.FinishPressed())

    def cancel(self) -> None:
        self._driver.handle(e.CancelPressed())

    def dismiss(self) -> None:
        self._driver.handle(e.OkPressed())

    def rate(self, score: int) -> None:
        """One of the five faces at the end of a session (1 very bad ... 5 very good)."""
        self._driver.handle(e.RatingChosen(score))

    def print_receipt(self) -> None:
        """ "Print receipt" on a summary."""
        self._driver.handle(e.ReceiptChosen(printed=True))

    def no_receipt(self) -> None:
        """ "No receipt" on a summary."""
        self._driver.handle(e.ReceiptChosen(printed=False))

    def touched(self) -> None:
        """Any touch on the screen: the patron is still there."""
        self._driver.handle(e.Activity())

    def show_help(self) -> None:
        """Help (same place on every screen, or F1): explain this screen in its language."""
        self._driver.check_thread("show_help")
        self._note_activity()
        self.help_text = self.t(f"help.{self.screen}")

    def close_help(self) -> None:
        self._driver.check_thread("close_help")
        self._note_activity()
        self.help_text = ""

    def cancel_or_close_help(self) -> None:
        """Escape: closes Help when it is open, else cancels as Cancel does."""
        if self.help_text:
            self.close_help()
        else:
            self.cancel()

    def toggle_language(self) -> None:
        self._driver.check_thread("toggle_language")
        self._note_activity()
        languages = list(self._translators)
        # Setting the language refreshes every text (on_language).
        self.language = languages[(languages.index(self.language) + 1) % len(languages)]

    def start_voice(self) -> None:
        """Turn voice guidance on (a key or a long touch at the attract screen)."""
        self._driver.check_thread("start_voice")
        self._note_activity()
        self.voice_mode = True

    def toggle_voice(self) -> None:
        """Voice guidance on or off (its key, for a helper or a patron who wants quiet)."""
        self._driver.check_thread("toggle_voice")
        self._note_activity()
        self.voice_mode = not self.voice_mode

    def on_voice_mode(self, _instance: object, on: bool) -> None:
        self._session.voice_mode = on  # the idle warning lasts longer while it is on

    def on_voice_rate(self, _instance: object, _step: int) -> None:
        self.refresh()  # the settings screen lists it

    def on_voice_volume(self, _instance: object, _step: int) -> None:
        self.refresh()

    def _display_changed(self, *_args: object) -> None:
        self.refresh()  # the settings screen lists the text size and colours, however set

    def cycle_text_size(self) -> None:
        """The text-size button (F3): 100 % -> 150 % -> 200 % -> 100 %."""
        self._driver.check_thread("cycle_text_size")
        self.text_step = (self.text_step + 1) % len(self._scales)
        self._driver.handle(e.Activity())

    def cycle_theme(self) -> None:
        """The colours button (F4): the next theme, back to the first after the last."""
        self._driver.check_thread("cycle_theme")
        names = list(self._themes)
        self.theme_name = names[(names.index(self.theme_name) + 1) % len(names)]
        self._driver.handle(e.Activity())

    def tick(self, *_args: object) -> None:
        """Called about twice a second by the app clock: deadlines and timeouts happen."""
        self._driver.tick()
        session = self._session
        now = self._monotonic()
        typed = self._last_key_at is not None and now - self._last_key_at >= ENTRY_IDLE
        # Left behind, not paused: a patron who stops typing to make the text larger or to
        # read Help is still there (every such action is Activity), and loses nothing.
        left = typed and session.idle_seconds >= ENTRY_IDLE
        if left and (self._pin or self.entry_text):
            self._forget_input()
            self.refresh()
        if (
            session.state == Navigation.IDLE
            and session.idle_seconds >= session.timeouts.idle
            and self._preferences != self._default_preferences
        ):
            # The last person's language, text size and colours are not the next person's.
            self._reset_preferences()

    # ----- plumbing ----------------------------------------------------------------------

    def t(self, key: str, **params: object) -> str:
        """Translate in the current language (for code; kv files use ``texts``)."""
        return self._translators[self.language](key, **params)

    def _follow_burst(self, char: str) -> None:
        now = self._monotonic()
        fast = self._last_key_at is not None and now - self._last_key_at <= BURST_GAP
        if not fast:
            self._burst, self._burst_pin, self._burst_entry = "", self._pin, self.entry_text
        if len(self._burst) < MAX_ENTRY:
            self._burst += char
        self._last_key_at = now

    def typing_burst(self) -> bool:
        """True while characters are arriving faster than a person types (a wedge scan)."""
        if self._last_key_at is None or len(self._burst) < 2:
            return False
        return self._monotonic() - self._last_key_at <= BURST_GAP * 4

    def _end_burst(self) -> None:
        self._burst = ""

    def _scanned_burst(self) -> str | None:
        """The scanned code when Enter ends a fast run of characters, else None."""
        burst, self._burst = self._burst, ""
        if self._last_key_at is None or len(burst) < MIN_SCAN_LENGTH:
            return None
        return burst.strip() if self._monotonic() - self._last_key_at <= BURST_GAP else None

    def _forget_input(self) -> None:
        self._pin = ""
        self.entry_text = ""
        self._burst = ""
        self._last_key_at = None

    def _note_activity(self) -> None:
        """Tell the session the patron is there, leaving the refresh to the caller."""
        self._session.handle(e.Activity())  # Activity never yields commands

    @property
    def session(self) -> Session:
        """The session (read by the voice guide, which speaks what the screens show)."""
        return self._session

    def translator(self) -> Translator:
        """The catalogue in the current language."""
        return self._translators[self.language]

    @property
    def pin_length(self) -> int:
        """How many PIN digits are typed (the digits themselves never leave this object)."""
        return len(self._pin)

    def add_refresh_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after every refresh, once every property is up to date."""
        self._refresh_listeners.append(listener)

    @property
    def _preferences(self) -> tuple[object, ...]:
        return (self.language, self.text_step, self.theme_name, self.voice_mode,
                self.voice_rate, self.voice_volume)  # fmt: skip

    @property
    def _default_preferences(self) -> tuple[object, ...]:
        return (self._default_language, self._default_text_step, self._default_theme, False,
                *self._default_voice)  # fmt: skip

    def _reset_preferences(self) -> None:
        self._applied_saved = False
        self.voice_mode = False  # first: the language going back must not be read aloud
        self.language = self._default_language
        self.text_step = self._default_text_step
        self.theme_name = self._default_theme
        self.voice_rate, self.voice_volume = self._default_voice

    def _apply_saved(self) -> None:
        """The settings saved for the card just identified (``session.preferences``), once.

        What this kiosk does not know (a language, text size or theme of a newer kiosk, a
        step out of range) is left as it is. A saved "voice off" never silences a voice the
        patron turned on at this visit.
        """
        session = self._session
        if session.preferences_loaded == self._preferences_loaded:
            return
        self._preferences_loaded = session.preferences_loaded
        if self._applied_saved:
            self._reset_preferences()  # another card: the last one's settings are not theirs
        saved = session.preferences
        if saved is None:
            return
        self._applied_saved = True
        if saved.language in self._translators:
            self.language = saved.language
        self._apply_display(saved)
        if 1 <= saved.rate <= self.voice_steps:
            self.voice_rate = saved.rate
        if 1 <= saved.volume <= self.voice_steps:
            self.voice_volume = saved.volume
        if saved.voice:
            self.voice_mode = True  # last: it speaks the screen in the language just set

    def _apply_display(self, saved: Preferences) -> None:
        """Text size and colours from saved settings (names this kiosk knows only)."""
        if saved.text_size in self._text_step_names:
            self.text_step = self._text_step_names.index(saved.text_size)
        if saved.theme in self._themes:
            self.theme_name = saved.theme

    def _display(self) -> Preferences:
        """The settings the screen shows now, as "Save for my card" would keep them."""
        return Preferences(
            language=self.language,
            text_size=self._text_step_names[int(self.text_step)],
            theme=self.theme_name,
            voice=self.voice_mode,
            rate=int(self.voice_rate),
            volume=int(self.voice_volume),
        )

    def on_language(self, _instance: object, language: str) -> None:
        self.texts = self._translators[language].texts()
        self._update_menu()
        self._update_display_labels()
        if self.help_text:
            self.help_text = self._translators[language](f"help.{self.screen}")
        self._rows.forget()  # every row is in the old language
        self.refresh()

    def _update_menu(self) -> None:
        t = self._translators[self.language]
        self.menu = [
            {"service": entry.service, "label": t(entry.label), "hint": t(entry.hint),
             "key": str(number), "key_text": t("menu.key", number=number)}
            for number, entry in enumerate(menu(self._session.navigation), start=1)
        ]  # fmt: skip

    def on_text_step(self, _instance: object, step: int) -> None:
        self.text_percent = round(self._scales[step] * 100)
        self._update_font_scale()
        self._update_display_labels()

    def on_theme_name(self, _instance: object, name: str) -> None:
        self.theme = self._themes[name]
        self._update_display_labels()

    def _update_display_labels(self) -> None:
        """The words on the text-size and colours buttons: what each does, and the choice."""
        if not self.theme_name:
            return  # still constructing: the theme comes next
        t = self._translators[self.language]
        self.text_size_label = t("common.text_size", percent=self.text_percent)
        self.theme_label = t("common.theme", theme=t(f"theme.{self.theme_name}"))

    def set_window_size(self, width: float, height: float) -> None:
        """The window was made or resized: scale every size so text stays readable.

        A 1920x1080 screen stands further from the patron's eyes than a 1280x800 one is
        wide; text keeps the same share of the screen (never smaller than designed). The
        smaller of the two ratios keeps a squarer screen from running out of width.
        """
        design_w, design_h = DESIGN_SIZE
        self.window_scale = max(1.0, min(width / design_w, height / design_h))
        self._update_font_scale()

    def _update_font_scale(self) -> None:
        self.font_scale = self._scales[self.text_step] * self.window_scale
        capped = min(self._scales[self.text_step], CAPPED_STEP) * self.window_scale
        if capped != self.capped_scale:
            self.capped_scale = capped
        else:
            # A kv rule that gives a size by capped_scale over its base rule's font_scale
            # (a summary's line over KLabel's) keeps both bindings; whichever fires last
            # wins. From 150 % to 200 % capped_scale does not change, so it is sent anyway,
            # after font_scale, for the capped size to win.
            self.property("capped_scale").dispatch(self)

    def refresh(self) -> None:
        """Copy the session into the display properties. Cheap; called after every change."""
        if self.texts is None:
            return  # still constructing
        session = self._session
        session.language = self.language  # a receipt is composed in the patron's language
        if session.entry_epoch != self._entry_epoch:
            # A new state or a new card: nothing typed for the last one may carry over.
            self._entry_epoch = session.entry_epoch
            self._forget_input()
        if session.handovers != self._handovers:
            # The next patron's card went straight to a new session from the last one's
            # summary or rating screen (the attract screen never shown): they start from
            # the library's default language, text size and colours all the same.
            self._handovers = session.handovers
            self._reset_preferences()
        if session.screen != self.screen:
            self.screen = session.screen
            self.help_text = ""  # it explained the screen that is gone
            if session.state == Navigation.IDLE:
                self._reset_preferences()  # the next patron starts from the library default
        self._apply_saved()  # a card just identified: its saved settings, before the PIN
        session.display = self._display()
        session.voice_steps = self.voice_steps
        self.input_mode = session.input_mode.value
        t = self._translators[self.language]
        self.pin_mask = PIN_MASK_CHAR * len(self._pin)
        self.state_texts = TextSlots(
            {slot: t.render(notice) for slot, notice in session.texts().items()}
        )
        self.state_rows = RowSlots(
            {name: [_row(row, t) for row in rows] for name, rows in session.rows().items()}
        )
        self._refresh_lines(session.lines, t)
        notice = session.notice
        self.notice_text = t.render(notice) if notice else ""
        self.notice_is_error = bool(notice and notice.is_error)
        self.error_text = self.notice_text if session.state == Navigation.ERROR else ""
        self.receipt_offer = receipt.offer(session)
        not_printed = receipt.notice(session)
        self.receipt_text = t.render(not_printed) if not_printed else ""
        self._update_busy(session.busy)
        self.can_finish = not session.busy
        left = session.seconds_left
        self.warning_text = (
            t("timeout.warning", seconds=round(left))
            if session.timeout_warning and left is not None
            else ""
        )
        self.devices = {name: state.ready for name, state in session.devices.items()}
        scanner = session.devices.get("scanner")
        self.scanner_lost = scanner is not None and not scanner.ready
        self.scanner_mark = self.scanner_lost and session.input_mode is InputMode.BARCODE
        self.ils_offline = not self._driver.ils_online
        for listener in self._refresh_listeners:
            listener()

    def _refresh_lines(self, lines: Sequence[ItemLine], t: Translator) -> None:
        service = self._session.service
        words = row_words(service.name if service is not None else None)
        self.lines, self.progress_text = self._rows.update(lines, t, words)

    def _update_busy(self, busy: bool) -> None:
        now = self._monotonic()
        if busy and self._busy_since is None:
            self._busy_since = now
        elif not busy:
            self._busy_since = None
        self.busy = busy
        self.show_spinner = busy and now - (self._busy_since or now) >= SPINNER_DELAY


def _takes(mode: InputMode, char: str) -> bool:
    """Whether a field in ``mode`` takes ``char``: a number's printable characters; any
    character of free text but a C0/C1 control or a lone surrogate, never shown in a field
    (bidi controls are taken, then refused with a message when sent: ``text_input``)."""
    if mode is InputMode.BARCODE:
        return char.isprintable()
    if mode is InputMode.TEXT:
        return len(char) == 1 and (char in BIDI_CONTROLS or not refused_char(char))
    return False


class TextSlots(dict[str, str]):
    """A state's changing texts by slot; a slot the state does not fill reads as ''.

    kv rules read ``app.vm.state_texts['greeting']`` (a subscript, which Kivy binds to,
    unlike a ``.get()`` call), so a screen never fails on a slot another state lacks.
    """

    def __missing__(self, _slot: str) -> str:
        return ""


class RowSlots(dict[str, list[dict[str, Any]]]):
    """A state's lists by section; a section the state does not fill reads as empty."""

    def __missing__(self, _section: str) -> list[dict[str, Any]]:
        return []


def _row(row: Row, t: Translator) -> dict[str, Any]:
    """One row of a state's list, as plain data for ``RowList``."""
    return {
        "key": row.key,
        "title": row.title,
        "label": t.render(row.label) if row.label else "",
        "detail": "\n".join(t.render(notice) for notice in row.details),
        "tone": row.tone,
        "action": t.render(row.action) if row.action else "",
        "action_name": row.action_name,
    }
