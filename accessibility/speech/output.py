"""What the kiosk asks of a voice: the ``SpeechOutput`` port and the ``Utterance`` it takes.

The kiosk's voice guide (``kiosk.ui.voice``) decides *what* to say from the screen's state;
a ``SpeechOutput`` decides *how*: it normalises, synthesises, caches and plays, on its own
thread. The real one is :class:`accessibility.speech.service.SpeechService`; tests and the
silent fallback use :class:`RecordingSpeech`, which keeps what it was asked to say.

Every call here is cheap and safe from any thread: it only queues or sets a flag, so the
UI thread never waits for a synthesiser or a sound device.
"""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass
from typing import Protocol

RATE_STEPS = (120, 150, 175, 210, 250)
"""Speaking rates in words per minute, slowest first. 175 is espeak-ng's own default; the
steps either side are what screen-reader users commonly pick (slower for new users,
faster for experienced ones)."""
DEFAULT_RATE_STEP = 2
VOLUME_STEPS = (0.4, 0.55, 0.7, 0.85, 1.0)
"""Loudness as a fraction of full scale, quietest first. Never 0: a muted kiosk in voice
mode would leave a blind patron with nothing."""
DEFAULT_VOLUME_STEP = 3


class Priority(enum.IntEnum):
    """Which queued utterance goes first (higher first); equal ones keep their order.

    A patron's action or a screen change interrupts everything anyway; priority orders
    what arrives while the patron is only listening.
    """

    HINT = 0
    """The attract screen's occasional "press any key for voice guidance"."""
    SCREEN = 1
    """What a screen is for and what to do there."""
    CONTROL = 2
    """The control just focused or touched: name, role, state, position."""
    RESULT = 3
    """An outcome: a book borrowed, returned, renewed, refused; a notice."""
    ALERT = 4
    """The idle warning and its countdown; an error screen."""


@dataclass(frozen=True)
class Utterance:
    """One thing to say, as the screen shows it (not yet normalised).

    Attributes:
        text: the words, in ``language``; numbers, amounts, dates and codes as the screen
            shows them (the service normalises them for the synthesiser).
        language: ``"id"`` or ``"en"``; picks the voice.
        priority: see :class:`Priority`.
        personal: holds a patron's data (a title, a due date with a title, a fine). Its
            audio is kept only until :meth:`SpeechOutput.reset`, never in the lasting
            cache, and it is never logged.
    """

    text: str
    language: str
    priority: Priority = Priority.RESULT
    personal: bool = False

    def __repr__(self) -> str:
        # Reprs reach logs and tracebacks; what is said can hold a patron's data.
        return (
            f"Utterance(<{len(self.text)} chars>, {self.language!r}, "
            f"{self.priority.name}, personal={self.personal})"
        )


@dataclass(frozen=True)
class SpeechStatus:
    """Whether the voice works, and if not, the technician's one line saying why."""

    working: bool
    reason: str = ""


class SpeechOutput(Protocol):
    """A voice the kiosk can talk through. Every method returns at once, from any thread."""

    def say(self, utterance: Utterance) -> None:
        """Queue ``utterance`` by its priority, after what is queued at that priority."""

    def interrupt(self) -> None:
        """Stop speaking now and drop everything queued (a patron's action, a new screen)."""

    def repeat(self) -> None:
        """Say again the last utterance that began playing (interrupting what plays)."""

    @property
    def rate_step(self) -> int:
        """Index into :data:`RATE_STEPS`."""

    @rate_step.setter
    def rate_step(self, step: int) -> None: ...

    @property
    def volume_step(self) -> int:
        """Index into :data:`VOLUME_STEPS`."""

    @volume_step.setter
    def volume_step(self, step: int) -> None: ...

    def reset(self) -> None:
        """The session ended: interrupt, default rate and volume, forget personal audio."""

    def status(self) -> SpeechStatus:
        """Whether speech works now (the technician's side)."""


def clamp_step(step: int, steps: tuple[object, ...]) -> int:
    """``step`` kept within the indices of ``steps``."""
    return max(0, min(len(steps) - 1, step))


class VoiceSteps:
    """Rate and volume as clamped steps, shared by every :class:`SpeechOutput`."""

    def __init__(self) -> None:
        self._rate_step = DEFAULT_RATE_STEP
        self._volume_step = DEFAULT_VOLUME_STEP

    @property
    def rate_step(self) -> int:
        """Index into :data:`RATE_STEPS`; a change applies from the next utterance."""
        return self._rate_step

    @rate_step.setter
    def rate_step(self, step: int) -> None:
        self._rate_step = clamp_step(step, RATE_STEPS)

    @property
    def volume_step(self) -> int:
        """Index into :data:`VOLUME_STEPS`; a change applies from the next utterance."""
        return self._volume_step

    @volume_step.setter
    def volume_step(self, step: int) -> None:
        self._volume_step = clamp_step(step, VOLUME_STEPS)


class RecordingSpeech(VoiceSteps):
    """A :class:`SpeechOutput` that keeps what it was asked, in order, and plays nothing.

    ``events`` holds each :class:`Utterance` said and the string ``"<interrupt>"`` for each
    interruption, so a test can assert the exact sequence a patron would hear begin.
    """

    INTERRUPT = "<interrupt>"

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self.events: list[Utterance | str] = []
        self._last: Utterance | None = None

    def say(self, utterance: Utterance) -> None:
        with self._lock:
            self.events.append(utterance)
            self._last = utterance

    def interrupt(self) -> None:
        with self._lock:
            self.events.append(self.INTERRUPT)

    def repeat(self) -> None:
        with self._lock:
            last = self._last
        if last is not None:
            self.interrupt()
            self.say(last)

    def reset(self) -> None:
        self.interrupt()
        with self._lock:
            self._last = None
        self._rate_step = DEFAULT_RATE_STEP
        self._volume_step = DEFAULT_VOLUME_STEP

    def status(self) -> SpeechStatus:
        return SpeechStatus(working=True)

    # ----- for tests ---------------------------------------------------------------------

    def texts(self) -> list[str]:
        """The texts said so far, interruptions left out."""
        with self._lock:
            return [event.text for event in self.events if isinstance(event, Utterance)]

    def clear(self) -> None:
        """Forget what was recorded (a test's next step starts from here)."""
        with self._lock:
            self.events.clear()
