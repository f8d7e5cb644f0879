"""Pre-rendering: fixed prompts synthesised into the cache in the background.

A thread of its own (``speech-prerender``) with a synthesiser process of its own at nice
10, so a live utterance never queues behind pre-rendering and its synthesis gets the CPU
first; the process ends once the jobs are done (a kiosk pre-renders at start, then needs
the memory no longer). Also here: :class:`Health`, the failure bookkeeping the speech
thread and this one share.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from accessibility.speech import cache as cache_module
from accessibility.speech.cache import SpeechCache
from accessibility.speech.output import (
    DEFAULT_RATE_STEP,
    DEFAULT_VOLUME_STEP,
    RATE_STEPS,
    VOLUME_STEPS,
    SpeechStatus,
    Utterance,
)
from accessibility.speech.synthesiser import Synthesiser, SynthesisError
from accessibility.spoken import normalise

log = logging.getLogger(__name__)

VOICES = {"id": "poz/id", "en": "gmw/en"}
"""espeak-ng voice per screen language (pyttsx3's voice ids on espeak-ng 1.51)."""
PRERENDER_NICE = 10


@dataclass
class Prerendering:
    """Progress of one :meth:`SpeechService.prerender` call."""

    total: int
    rendered: int = 0
    cached: int = 0
    failed: int = 0
    done: threading.Event = field(default_factory=threading.Event)


class Health:
    """What is broken now, one warning line per episode (from the first failure to a success)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._broken: dict[str, str] = {}

    def fail(self, part: str, line: str) -> None:
        with self._lock:
            new = part not in self._broken
            self._broken[part] = line
        if new:
            log.warning("%s", line)

    def ok(self, part: str) -> None:
        with self._lock:
            line = self._broken.pop(part, None)
        if line is not None:
            log.info("speech: the %s works again", part)

    def status(self) -> SpeechStatus:
        with self._lock:
            if not self._broken:
                return SpeechStatus(working=True)
            return SpeechStatus(working=False, reason=next(iter(self._broken.values())))


def log_bug(doing: str, err: Exception) -> None:
    """One line for the technician; the traceback at DEBUG only (its locals never: no text)."""
    log.error(
        "speech: unexpected %s while %s; the voice goes on; please report it with the log",
        type(err).__name__,
        doing,
    )
    log.debug("speech: %s while %s", type(err).__name__, doing, exc_info=True)


class Prerenderer:
    """Runs :meth:`add`'s jobs one after the other on the ``speech-prerender`` thread."""

    def __init__(
        self,
        cache: SpeechCache,
        health: Health,
        command: list[str] | None,
        env: dict[str, str] | None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._cache = cache
        self._health = health
        self._command = command
        self._env = env
        self._monotonic = monotonic
        self._lock = threading.Condition()
        self._jobs: list[tuple[list[Utterance], Prerendering]] = []
        self._thread: threading.Thread | None = None
        self._closed = False

    def add(self, utterances: Iterable[Utterance]) -> Prerendering:
        """Queue a job (personal utterances left out); its progress."""
        job = [u for u in utterances if not u.personal]
        progress = Prerendering(total=len(job))
        with self._lock:
            if self._closed:
                progress.done.set()
                return progress
            self._jobs.append((job, progress))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="speech-prerender", daemon=True
                )
                self._thread.start()
        return progress

    def wait(self, timeout: float) -> bool:
        """Wait until every job so far is done."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._jobs and self._thread is None, timeout)

    def close(self) -> None:
        """Stop after the utterance being rendered; end the process."""
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            thread.join(2.0)

    def _run(self) -> None:
        # Its own process while there are jobs, ended after them: a kiosk pre-renders at
        # start, then needs the memory no longer.
        while True:
            synthesiser = Synthesiser(
                self._command,
                env=self._env,
                nice=PRERENDER_NICE,
                monotonic=self._monotonic,
            )
            while True:
                with self._lock:
                    if not self._jobs or self._closed:
                        break
                    job, progress = self._jobs.pop(0)
                try:
                    self._job(synthesiser, job, progress)
                except Exception as err:
                    log_bug("pre-rendering", err)
                finally:
                    progress.done.set()
            synthesiser.close()
            with self._lock:
                if self._jobs and not self._closed:
                    continue  # a job came while the process was being ended
                for _, progress in self._jobs:
                    progress.done.set()
                self._jobs.clear()
                self._thread = None
                self._lock.notify_all()
                return

    def _job(self, synthesiser: Synthesiser, job: list[Utterance], progress: Prerendering) -> None:
        # A render that fails while the synthesiser lives (a timeout on a busy machine)
        # gets one more try at the end, so one slow moment does not leave a prompt to be
        # rendered live, in front of a patron.
        again = self._render(synthesiser, job, progress, last_try=False)
        if again:
            self._render(synthesiser, again, progress, last_try=True)

    def _render(
        self,
        synthesiser: Synthesiser,
        job: list[Utterance],
        progress: Prerendering,
        *,
        last_try: bool,
    ) -> list[Utterance]:
        """Render ``job``; the utterances to try again (none on the last try)."""
        again: list[Utterance] = []
        rate = RATE_STEPS[DEFAULT_RATE_STEP]
        volume = VOLUME_STEPS[DEFAULT_VOLUME_STEP]
        for utterance in job:
            if self._closed:
                return []
            voice = VOICES.get(utterance.language)
            text = normalise(utterance.text, utterance.language) if voice else ""
            if voice is None or not text.strip():
                progress.failed += 1
                continue
            key = cache_module.key(text, voice, rate, volume)
            if self._cache.lookup(key) is not None:
                progress.cached += 1
                continue
            target = self._cache.target(key)
            try:
                synthesiser.synthesise(text, voice, rate, volume, target)
            except SynthesisError as err:
                self._health.fail("synthesiser", str(err))
                if synthesiser.pid is None:
                    progress.failed += 1
                    return []  # it cannot start: the live one retries later
                if last_try:
                    progress.failed += 1
                else:
                    again.append(utterance)
                continue
            self._health.ok("synthesiser")
            self._cache.added(key, target)
            progress.rendered += 1
        return again
