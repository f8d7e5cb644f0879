"""Voice guidance: what the kiosk says, and when, while voice mode is on.

After every refresh of the view-model the guide compares what the patron can see with
what it saw last time and speaks the difference (the sentences come from
:mod:`kiosk.ui.spoken_model`):

- a new screen: interrupt, then what the screen is for and what to do, its texts, results,
  rows and notice (a summary reads every line; other screens the lines not yet spoken);
- a line that got its answer (borrowed, refused and why, returned and where it goes,
  renewed): its result; a row that changed (a renewal): the row;
- a new notice (a wrong PIN, "already scanned"): the notice;
- the idle warning: when it appears and every ten seconds of its countdown;
- the serial scanner lost ("type the number instead") and back: once each;
- a digit typed: only how many digits there are now ("3 digits entered"), never which,
  on the PIN screen and, without private audio, anywhere;
- free text (a TEXT state: a guest's name on the on-screen keyboard): each character as
  it is typed ("huruf besar B", "spasi", "dihapus: a"), the field on request
  (:meth:`read_back`, the repeat key), always marked personal;
- the control a key or a finger moved to (:meth:`describe_control`): its name, role,
  state and position ("Pinjam buku, tombol, 1 dari 3").

A patron's action interrupts what is being said (the app calls :meth:`interrupt`). Voice
mode is a preference of the session: it ends, with rate and volume, when the session does.
When off, the guide says nothing, except the attract screen's optional hint.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kiosk.core.navigation import InputMode, Navigation
from kiosk.core.ports import SpeechPriority, Voice
from kiosk.core.session import ItemLine, LineStatus, Notice, Row
from kiosk.ui.item_rows import row_words
from kiosk.ui.spoken_model import Spoken, SpokenModel

log = logging.getLogger(__name__)

SHORT_ENTRY = 2
"""Typed characters said as they are when the entry is no longer than this (a menu choice
or a rating); a longer one may be a card number: only its length, without private audio."""
WARNING_EVERY = 10
CHAR_WORDS = {" ": "keyboard.say.space", "-": "keyboard.say.hyphen",
              "'": "keyboard.say.apostrophe", ".": "keyboard.say.full_stop",
              ",": "keyboard.say.comma", "/": "keyboard.say.slash",
              "&": "keyboard.say.ampersand"}  # fmt: skip
"""Characters said by name in free text (a synthesiser says nothing, or a pause, for them)."""
"""Seconds between spoken reminders of the idle warning's countdown."""
GREETING_SLOT = "welcome"
"""A state's text in this slot (the guest book's "Welcome, Siti! Your visit is recorded.")
is said when the screen appears even with voice guidance off, where the kiosk has private
audio (headphones or a handset): a member is greeted by name in their ear."""


@dataclass(frozen=True)
class Control:
    """A control as the voice describes it (built by the app from a widget)."""

    name: str
    position: int  # 1-based, among the controls of its group
    count: int
    state: str = ""  # a catalogue key ("voice.state.selected"), '' for none
    row_title: str = ""  # the row a button acts on (Renew: which loan), said only
    row_detail: str = ""  # with private audio; its detail (due date) always


def _counts_down(notice: Notice) -> bool:
    return any(name == "seconds" for name, _value in notice.params)


class VoiceGuide:
    """Speaks the kiosk's screens and results while voice mode is on.

    Args:
        vm: the view-model (the guide listens to its refreshes).
        voice: where sentences go (espeak-ng through ``accessibility.speech``).
        private_audio: personal data may be spoken (headphones or a handset).
        hint_every: seconds between the attract screen's hint that any key starts voice
            guidance; 0 never.
        monotonic: the clock.
    """

    def __init__(
        self,
        vm: Any,
        voice: Voice,
        *,
        private_audio: bool = False,
        hint_every: float = 0.0,
        monotonic: Callable[[], float],
    ) -> None:
        self._vm = vm
        self.voice = voice
        self.model = SpokenModel(private_audio=private_audio)
        self._hint_every = hint_every
        self._monotonic = monotonic
        self._hint_at = monotonic()
        self._screen = ""
        self._language = ""
        self._session_no = -1
        self._notice: Notice | None = None
        self._spoken_lines: dict[int, int] = {}  # id(line) -> revision spoken
        self._rows: dict[str, Row] = {}
        self._texts: dict[str, Notice] = {}
        self._warning_said: int | None = None
        self._pin = 0
        self._entry = ""
        self._receipt: Notice | None = None
        self._loss_said = False  # the scanner's loss was said to this voice-mode patron
        vm.add_refresh_listener(self._refreshed)
        vm.bind(voice_mode=self._voice_mode_changed, help_text=self._help_changed)
        vm.bind(voice_rate=self._follow_steps, voice_volume=self._follow_steps)

    @property
    def on(self) -> bool:
        return bool(self._vm.voice_mode)

    # ----- called by the app -------------------------------------------------------------

    def interrupt(self) -> None:
        """The patron did something: what is being said no longer matters."""
        if self.on:
            self.voice.interrupt()

    def describe_control(self, control: Control) -> None:
        """Say the control a key or a finger moved to (interrupting what is said)."""
        if not self.on:
            return
        t = self._vm.translator()
        parts = [control.name]
        personal = False
        if control.row_title and self.model.private_audio:
            parts.append(control.row_title)
            personal = True
        if control.row_detail and (self.model.private_audio or "Rp" not in control.row_detail):
            parts.append(control.row_detail.replace("\n", ", ").rstrip("."))
        parts.append(t("voice.role.button"))
        if control.state:
            parts.append(t(control.state))
        if control.count > 1:
            parts.append(t("voice.position", index=control.position, count=control.count))
        self.voice.interrupt()
        said = ", ".join(part for part in parts if part)
        self._say(Spoken(said, personal), SpeechPriority.CONTROL)

    def describe_text(self, text: str) -> None:
        """Say a text the finger is on (explore by touch)."""
        if self.on and text:
            self.voice.interrupt()
            self._say(Spoken(text, personal=self.model.private_audio), SpeechPriority.CONTROL)

    def repeat(self) -> None:
        if self.on:
            self.voice.repeat()

    def read_back(self) -> None:
        """Say what the free-text field holds now ("Isian: Budi"), then the notice shown
        (why it was refused), so the repeat key still repeats what matters in a form."""
        if not self.on:
            return
        vm = self._vm
        t = vm.translator()
        entry = vm.entry_text
        said = t("keyboard.say.field", text=entry) if entry else t("keyboard.say.field_empty")
        self.voice.interrupt()
        self._say(Spoken(said, personal=bool(entry)), SpeechPriority.CONTROL)
        notice = vm.session.notice
        if notice is not None:
            self._say(self.model.notice(notice, t), SpeechPriority.RESULT)

    def change_rate(self, step: int) -> None:
        """Faster (+1) or slower (-1): the view-model's ``voice_rate``, which the voice follows."""
        if self.on:
            steps = self.voice.steps
            self._vm.voice_rate = max(1, min(steps, int(self._vm.voice_rate) + step))
            self.voice.interrupt()
            t = self._vm.translator()
            said = t("voice.speech_rate", step=self._vm.voice_rate, steps=steps)
            self._say(Spoken(said), SpeechPriority.CONTROL)

    def change_volume(self, step: int) -> None:
        """Louder (+1) or quieter (-1): the view-model's ``voice_volume``."""
        if self.on:
            steps = self.voice.steps
            self._vm.voice_volume = max(1, min(steps, int(self._vm.voice_volume) + step))
            self.voice.interrupt()
            t = self._vm.translator()
            said = t("voice.volume", step=self._vm.voice_volume, steps=steps)
            self._say(Spoken(said), SpeechPriority.CONTROL)

    def _follow_steps(self, *_args: object) -> None:
        """Give the voice the view-model's rate and volume (a key, saved settings, a reset)."""
        for change, wanted in (
            (self.voice.change_rate, int(self._vm.voice_rate)),
            (self.voice.change_volume, int(self._vm.voice_volume)),
        ):
            now = change(0)
            if now != wanted:
                change(wanted - now)

    def _hint(self) -> None:
        """The attract screen's occasional hint (off unless the library enables it). Every
        refresh comes here, and the driver's tick refreshes twice a second."""
        if self.on or not self._hint_every or self._vm.screen != Navigation.IDLE:
            self._hint_at = self._monotonic()
            return
        if self._monotonic() - self._hint_at >= self._hint_every:
            self._hint_at = self._monotonic()
            self._say(Spoken(self._vm.t("voice.hint")), SpeechPriority.HINT)

    # ----- listening to the view-model ---------------------------------------------------

    def _voice_mode_changed(self, _vm: object, on: bool) -> None:
        self.voice.interrupt()
        if not on:
            self.voice.reset()  # the next patron starts from the default rate and volume
            return
        self._follow_steps()  # the patron's rate and volume, which the reset forgot
        self._say(Spoken(self._vm.t("voice.on")), SpeechPriority.SCREEN)
        self._announce(interrupt=False)

    def _help_changed(self, _vm: object, text: str) -> None:
        if not self.on:
            return
        self.voice.interrupt()
        if text:
            self._say(Spoken(text), SpeechPriority.SCREEN)
        else:
            self._say(Spoken(self._vm.t("voice.help_closed")), SpeechPriority.SCREEN)

    def _refreshed(self) -> None:
        self._hint()
        session = self._vm.session
        if session.session_no != self._session_no:
            self._session_no = session.session_no
            self._spoken_lines.clear()
        if session.screen != self._screen:
            self._announce()
            return
        if not self.on:
            self._speak_scanner()
            return
        if self._vm.language != self._language:
            self._announce()  # the same screen again, in the voice of the new language
            return
        self._speak_scanner()
        self._speak_entry()
        self._speak_changed_texts()
        self._speak_new_lines(session.lines)
        self._speak_changed_rows()
        self._speak_notice(session.notice)
        self._speak_warning()

    def _announce(self, *, interrupt: bool = True) -> None:
        """The screen (new, or voice mode just turned on): everything on it, from the top."""
        vm, session = self._vm, self._vm.session
        self._screen = session.screen
        self._language = vm.language
        self._notice = session.notice
        self._rows = self._current_rows()
        self._texts = self._current_texts()
        self._warning_said = None
        self._pin, self._entry = vm.pin_length, vm.entry_text
        if not self.on:
            self._mark_spoken(session.lines)
            self._speak_scanner()
            greeting = self._texts.get(GREETING_SLOT)
            if greeting is not None and self.model.private_audio:
                spoken = self.model.notice(greeting, vm.translator())
                self._say(spoken, SpeechPriority.SCREEN)
            return
        t = vm.translator()
        summary = session.screen.endswith(".summary")
        lines = session.lines if summary else self._unspoken(session.lines)
        said = self.model.screen(session, t, self._words(), progress=vm.progress_text, lines=lines)
        if session.state == Navigation.IDLE:
            said[1:1] = [Spoken(f"{c['label']}, {c['key_text']}. {c['hint']}") for c in vm.menu]
        self._mark_spoken(session.lines)
        if interrupt:
            self.voice.interrupt()
        priority = (
            SpeechPriority.ALERT if session.state == Navigation.ERROR else SpeechPriority.SCREEN
        )
        for spoken in said:
            self._say(spoken, priority)
        # After the interrupt above: a loss not yet said (voice just turned on, or lost as
        # the screen changed) is said now; the screen's words may invite a scan.
        self._speak_scanner()

    def _speak_entry(self) -> None:
        """How many digits are typed now; a typed character itself only in private audio,
        and never a PIN's (the PIN screen's digits are not even in ``entry_text``)."""
        vm = self._vm
        if vm.session.input_mode is InputMode.TEXT:
            self._speak_text_entry()
            return
        pin, entry = vm.pin_length, vm.entry_text
        said, personal = "", False
        if pin != self._pin:
            said = self._count_said(pin, pin < self._pin)
        elif entry != self._entry:
            if len(entry) == len(self._entry) + 1 and (
                self.model.private_audio or len(entry) <= SHORT_ENTRY
            ):
                # A menu choice or a rating is said as typed; a card number only privately.
                said, personal = entry[-1], len(entry) > SHORT_ENTRY
            else:
                said = self._count_said(len(entry), len(entry) < len(self._entry))
        self._pin, self._entry = pin, entry
        if said and self._vm.session.busy and not (pin or entry):
            said = ""  # sent (the PIN or a number): the answer speaks next, not "empty"
        if said:
            self.voice.interrupt()
            self._say(Spoken(said, personal), SpeechPriority.CONTROL)

    def _speak_text_entry(self) -> None:
        """Free text: the character typed or deleted, by name. The patron types their own
        name and must hear each letter land, so it is said even without private audio,
        marked personal (its audio is not kept beyond the session). No PIN is ever in a
        TEXT field: PIN digits never reach ``entry_text``."""
        vm = self._vm
        entry, before = vm.entry_text, self._entry
        self._pin, self._entry = vm.pin_length, entry
        if entry == before:
            return
        t = vm.translator()
        if entry.startswith(before):
            said = " ".join(_char_said(char, t) for char in entry[len(before) :])
        elif before.startswith(entry) and len(before) - len(entry) == 1:
            said = t("keyboard.say.deleted", char=_char_said(before[-1], t))
        elif not entry:
            said = t("voice.entry_empty")
        else:
            said = t("keyboard.say.field", text=entry)
        self.voice.interrupt()
        self._say(Spoken(said, personal=True), SpeechPriority.CONTROL)

    def _count_said(self, count: int, deleted: bool) -> str:
        t = self._vm.translator()
        if count == 0:
            return t("voice.entry_empty")
        key = "voice.digit_deleted" if deleted else "voice.digits_entered"
        return t.plural(key, f"{key}_plural", count)

    def _speak_new_lines(self, lines: Sequence[ItemLine]) -> None:
        t = self._vm.translator()
        for line in self._unspoken(lines):
            if line.status is LineStatus.PENDING:
                continue
            self._say(self.model.line(line, t, self._words()), SpeechPriority.RESULT)
        self._mark_spoken(lines)

    def _speak_changed_rows(self) -> None:
        """Rows that arrived (the account, once loaded) or changed (a renewal's answer);
        a row still waiting ("renewing…") is said when its answer comes."""
        rows = self._current_rows()
        t = self._vm.translator()
        for key, row in rows.items():
            if self._rows.get(key) != row and row.tone != "pending":
                self._say(self.model.row(row, t), SpeechPriority.RESULT)
        self._rows = rows

    def _speak_changed_texts(self) -> None:
        """A state text that changed on the same screen (the account's counts once it is
        loaded); countdowns ("closes in 9 seconds") are not read every second."""
        texts = self._current_texts()
        t = self._vm.translator()
        for slot, notice in texts.items():
            if self._texts.get(slot) != notice and not _counts_down(notice):
                self._say(self.model.notice(notice, t), SpeechPriority.RESULT)
        self._texts = texts

    def _speak_notice(self, notice: Notice | None) -> None:
        if notice is not None and notice is not self._notice:
            self._say(self.model.notice(notice, self._vm.translator()), SpeechPriority.RESULT)
        self._notice = notice

    def _speak_scanner(self) -> None:
        """The scanner lost, or back, said once each while voice mode is on, so a patron who
        cannot see the top bar's mark knows to type the number. A loss that happened before
        voice mode was turned on is said then; "available again" only after a loss was said."""
        if not self.on:
            self._loss_said = False  # the next voice-mode patron has heard nothing yet
            return
        lost = bool(self._vm.scanner_lost)
        if lost == self._loss_said:
            return
        self._loss_said = lost
        key = "voice.scanner_lost" if lost else "voice.scanner_back"
        self._say(Spoken(self._vm.t(key)), SpeechPriority.ALERT)

    def _speak_warning(self) -> None:
        session = self._vm.session
        left = session.seconds_left
        if not session.timeout_warning or left is None:
            if self._warning_said is not None and left is not None:
                # "I need more time" was pressed (the session goes on): say so.
                self._say(Spoken(self._vm.t("voice.more_time")), SpeechPriority.ALERT)
            self._warning_said = None
            return
        seconds = round(left)
        due = self._warning_said is None or (
            seconds < self._warning_said and seconds % WARNING_EVERY == 0
        )
        if due:
            self._warning_said = seconds
            self.voice.interrupt()  # the countdown matters more than anything being said
            text = self._vm.t("timeout.warning", seconds=seconds)
            self._say(Spoken(f"{text} {self._vm.t('voice.warning_keys')}"), SpeechPriority.ALERT)

    # ----- helpers -----------------------------------------------------------------------

    def _say(self, spoken: Spoken, priority: SpeechPriority) -> None:
        self.voice.say(spoken.text, self._vm.language, priority, spoken.personal)

    def _words(self) -> Any:
        service = self._vm.session.service
        return row_words(service.name if service is not None else None)

    def _current_rows(self) -> dict[str, Row]:
        sections = self._vm.session.rows()
        return {f"{name}/{row.key}": row for name, rows in sections.items() for row in rows}

    def _current_texts(self) -> dict[str, Notice]:
        return dict(self._vm.session.texts())

    def _unspoken(self, lines: Sequence[ItemLine]) -> list[ItemLine]:
        return [line for line in lines if self._spoken_lines.get(id(line)) != line.revision]

    def _mark_spoken(self, lines: Sequence[ItemLine]) -> None:
        self._spoken_lines = {
            id(line): line.revision for line in lines if line.status is not LineStatus.PENDING
        }


def _char_said(char: str, t: Any) -> str:
    """A typed character as spoken: a punctuation mark or space by its name, a capital
    as "huruf besar B", any other character as it is (the synthesiser says its name)."""
    word = CHAR_WORDS.get(char)
    if word is not None:
        return str(t(word))
    if char.isupper():
        return str(t("keyboard.say.capital", letter=char))
    return char
