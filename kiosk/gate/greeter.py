"""The gate's member card scan: a patron card -> a member visit -> a spoken greeting.

A member scans their library card at the entrance (``[gate] scanner``); the gate records
a member visit (:class:`kiosk.core.visits.Visit`, source ``gate``: the store keeps only
the keyed visitor hash) and greets them through the speech service, in the library's
first language (``[kiosk] language``):

* the first visit within the repeat window: "Selamat datang di <library>." (``gate.welcome``);
* again within the window (the store did not count it): "Selamat datang kembali."
  (``gate.welcome_back``).

Both are fixed for a running gate, so :meth:`Greeter.utterances` lists them for the
speech service to pre-render at start: a greeting then starts from the cache at once.
With ``[gate] greet_by_name`` and a library system, the patron's name follows
("Halo, Budi.", ``gate.name``, a personal utterance: rendered live, never cached or
logged) when :meth:`identify_patron` answers within :data:`NAME_DEADLINE`; a slow or
unreachable library system leaves the fixed greeting alone. A new member's scan cuts the
greeting in progress short: the previous visitor has walked on.

Item barcodes, staff cards and noise are not greeted; a DEBUG line says why, with the
code masked to its last 4 characters. A store failure still greets (the store logs its one line).
The card number is never logged beyond its last 4 characters, the name never at all.

Threading: :meth:`Greeter.handle` runs on the gate's writer thread (the only thread that
writes the store); the name lookup runs on a worker thread of its own, so a slow library
system never holds up counting.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from accessibility.speech.output import Priority, SpeechOutput, Utterance
from devices.barcodes import BarcodeRules, Role
from devices.scanner import BadScan, ScanEvent
from kiosk.core.i18n import Translator
from kiosk.core.model import PatronCheck
from kiosk.core.ports import Clock, IlsUnavailable, StorageFailed, VisitLog
from kiosk.core.privacy import mask_code
from kiosk.core.visits import Visit, VisitKind, VisitSource

log = logging.getLogger("kiosk.gate")

NAME_DEADLINE = 1.5
"""Seconds the library system has to name the patron: the fixed greeting lasts about as
long, so a name that comes later would be said to the next person in the doorway."""


class PatronIdentifier(Protocol):
    """Who holds a card, without a PIN (``IlsBackend.identify_patron``)."""

    def identify_patron(self, barcode: str) -> PatronCheck:
        """The patron holding ``barcode``, or a refusal.

        Raises:
            IlsUnavailable: the library system did not answer.
        """
        ...


class Greeting(StrEnum):
    """What a scan was answered with."""

    WELCOME = "welcome"
    WELCOME_BACK = "welcome_back"


@dataclass(frozen=True)
class GreeterTexts:
    """The greetings in one language; :meth:`for_library` fills them from the catalogue."""

    language: str
    welcome: str
    welcome_back: str
    name: Callable[[str], str]

    @classmethod
    def for_library(cls, library_name: str, language: str) -> GreeterTexts:
        """The ``gate.*`` catalogue texts of ``language`` for ``library_name``."""
        translate = Translator(language)
        return cls(
            language,
            translate("gate.welcome", library=library_name),
            translate("gate.welcome_back"),
            lambda name: translate("gate.name", name=name),
        )


class Greeter:
    """Member card scans -> member visits and greetings; see the module docstring."""

    def __init__(
        self,
        *,
        visits: VisitLog,
        speech: SpeechOutput,
        texts: GreeterTexts,
        clock: Clock,
        rules: BarcodeRules | None = None,
        staff_cards: Collection[str] = (),
        patrons: PatronIdentifier | None = None,
        name_deadline: float = NAME_DEADLINE,
    ) -> None:
        """Create the greeter.

        Args:
            visits: where member visits go (the gate's store).
            speech: the voice (the real service at a gate; RecordingSpeech in tests).
            texts: the greetings.
            clock: visit times, and the monotonic clock the name deadline is kept by.
            rules: what a barcode means (``[barcodes]``); the demo library's by default.
            staff_cards: ``[technician] staff_cards``: never greeted nor counted.
            patrons: the library system, to greet by name; None: never by name.
            name_deadline: seconds the library system has to name the patron.
        """
        self.visits = visits
        self.speech = speech
        self.texts = texts
        self.clock = clock
        self.rules = rules or BarcodeRules()
        self.staff = frozenset(card.strip().upper() for card in staff_cards)
        self.patrons = patrons
        self.name_deadline = name_deadline
        self._lookups: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._scan = 0  # the latest member scan; a name for an older one is dropped

    def utterances(self) -> list[Utterance]:
        """The fixed greetings, to pre-render at start (so one starts from the cache)."""
        return [
            Utterance(text, self.texts.language, Priority.RESULT)
            for text in (self.texts.welcome, self.texts.welcome_back)
        ]

    def handle(self, event: ScanEvent) -> Greeting | None:
        """Take one scan: a member's card is recorded and greeted; anything else is not.

        Returns:
            The greeting said, or None (not a member's card).
        """
        if isinstance(event, BadScan):
            log.debug("gate scanner: not a card (%s)", event.reason)
            return None
        code, role = self.rules.classify(event.text)
        if event.text.strip().upper() in self.staff or code.upper() in self.staff:
            log.debug("gate scanner: staff card %s, not greeted", mask_code(code))
            return None
        if role is not Role.PATRON:
            what = "an item" if role is Role.ITEM else "not a library card"
            log.debug("gate scanner: %s %s, not greeted", mask_code(code), what)
            return None
        greeting = self._record(code)
        text = self.texts.welcome if greeting is Greeting.WELCOME else self.texts.welcome_back
        with self._lock:
            self._scan += 1
            scan = self._scan
        self.speech.interrupt()  # the previous visitor has walked on
        self.speech.say(Utterance(text, self.texts.language, Priority.RESULT))
        if self.patrons is not None:
            self._look_up(code, scan)
        return greeting

    def close(self) -> None:
        """Drop name lookups not yet begun; one in progress ends on its own."""
        if self._lookups is not None:
            self._lookups.shutdown(wait=False, cancel_futures=True)

    def _record(self, code: str) -> Greeting:
        visit = Visit(VisitKind.MEMBER, VisitSource.GATE, card=code)
        try:
            recorded = self.visits.record_visit(visit, self.clock.now())
        except StorageFailed as err:
            # The store has logged its one line (ERROR, what failed); this adds only what
            # the gate did about it, for a technician reading with -v.
            log.debug(
                "gate: member visit of card %s not stored (%s); greeted anyway",
                mask_code(code),
                type(err).__name__,
            )
            return Greeting.WELCOME
        return Greeting.WELCOME if recorded.counted else Greeting.WELCOME_BACK

    def _look_up(self, code: str, scan: int) -> None:
        if self._lookups is None:
            self._lookups = ThreadPoolExecutor(max_workers=2, thread_name_prefix="gate-name")
        asked = self.clock.monotonic()
        assert self.patrons is not None
        future = self._lookups.submit(self.patrons.identify_patron, code)
        future.add_done_callback(lambda done: self._named(done, code, scan, asked))

    def _named(self, done: Future[PatronCheck], code: str, scan: int, asked: float) -> None:
        """On the lookup's thread: say the name if it came in time for this visitor."""
        late = self.clock.monotonic() - asked > self.name_deadline
        try:
            check = done.result()
        except IlsUnavailable as err:
            log.info(
                "gate: the library system did not name card %s (%s); fixed greeting only",
                mask_code(code),
                " ".join(str(err).split())[:200],
            )
            return
        except Exception as err:  # a bug must not silence the gate
            log.warning("gate: naming card %s failed (%s)", mask_code(code), type(err).__name__)
            return
        patron = check.patron
        if patron is None or not patron.name.strip() or patron.offline:
            return
        with self._lock:
            current = scan == self._scan
        if late or not current:
            log.debug("gate: the name of card %s came too late; not said", mask_code(code))
            return
        utterance = Utterance(
            self.texts.name(patron.name), self.texts.language, Priority.RESULT, personal=True
        )
        self.speech.say(utterance)
