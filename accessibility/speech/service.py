"""``SpeechService``: the real :class:`~accessibility.speech.output.SpeechOutput`.

Threads and processes:

* the callers (the UI thread) only queue, set a step or interrupt, and return at once;
* one owner thread, ``speech``, takes the queue in priority order: normalise, find the WAV
  in the cache or have the synthesiser process render it, play it with ``aplay``;
* ``speech-prerender`` renders the fixed prompts into the cache with a second
  synthesiser process of its own, niced, so a live utterance never queues behind
  pre-rendering and its synthesis gets the CPU first; it ends its process when done.

Interrupting: ``interrupt()`` kills and reaps the playing ``aplay`` itself, from the
calling thread, under the service's lock (the owner starts players under the same lock,
so none can slip past it), and drops the queue. Silence is therefore immediate, not
one polling period away, and the owner thread never polls: it sleeps in a condition
wait or in the player's ``wait``. An utterance being synthesised when interrupted is still
cached (it is likely to be wanted again) but not played.

Failures (no espeak-ng, a synthesiser that keeps dying, no sound device) never reach the
callers: the utterance is skipped, :meth:`SpeechService.status` says what is wrong, and
the log gets one warning per episode; playback is retried every
:data:`PLAYER_RETRY` seconds and the synthesiser on its own backoff, so speakers plugged
in later, or espeak-ng installed later, work without a restart. What is spoken is never
logged above DEBUG, and a personal utterance's text never at all.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from accessibility.speech import cache as cache_module
from accessibility.speech.cache import SpeechCache
from accessibility.speech.output import (
    DEFAULT_RATE_STEP,
    DEFAULT_VOLUME_STEP,
    RATE_STEPS,
    VOLUME_STEPS,
    SpeechStatus,
    Utterance,
    VoiceSteps,
)
from accessibility.speech.player import (
    DEFAULT_DEVICE,
    Outcome,
    Player,
    PlayResult,
    write_silence,
)
from accessibility.speech.prerender import VOICES, Health, Prerenderer, Prerendering, log_bug
from accessibility.speech.synthesiser import Synthesiser, SynthesisError, one_line
from accessibility.spoken import normalise

log = logging.getLogger(__name__)

PLAYER_RETRY = 30.0
"""Seconds between tries of a sound device that failed (speakers may be plugged in)."""
PROBE_FILE, PROBE_SECONDS = ".sound-check.wav", 0.05
"""The silence played at start to find out whether the sound device works (inaudible)."""
DEATH_LOG_INTERVAL = 600.0
"""A synthesiser that died and came back is logged at most once per this many seconds."""


class SilentSpeech:
    """The :class:`SpeechOutput` of a kiosk whose ``[speech] enabled`` is false: it says nothing
    and keeps nothing (unlike ``RecordingSpeech``, which a long-running kiosk would fill)."""

    rate_step = DEFAULT_RATE_STEP
    volume_step = DEFAULT_VOLUME_STEP

    def say(self, utterance: Utterance) -> None:
        """Nothing is said."""

    def interrupt(self) -> None:
        """Nothing plays."""

    def repeat(self) -> None:
        """Nothing was said."""

    def reset(self) -> None:
        """Nothing to forget."""

    def status(self) -> SpeechStatus:
        """Not working, by the config's choice."""
        return SpeechStatus(False, "speech: off in the config ([speech] enabled = false)")


class SpeechService(VoiceSteps):
    """Speaks utterances in the patron's language; see the module docstring.

    Args:
        cache_dir: the cache folder (``speech-cache/`` in the data folder), made private.
        device: the ALSA device for ``aplay`` (``[speech] device``).
        cache_bytes: the lasting cache's cap (``[speech] cache_mb``).
        player_env: the environment for ``aplay`` (the bench's simulated card).
        synth_command: the synthesiser process's argv (tests give a broken one).
        synth_env: the synthesiser process's environment.
        monotonic: the clock retries are timed by (tests move a manual one).
    """

    def __init__(
        self,
        cache_dir: Path,
        *,
        device: str = DEFAULT_DEVICE,
        cache_bytes: int = 200 * 1024 * 1024,
        player_env: dict[str, str] | None = None,
        synth_command: list[str] | None = None,
        synth_env: dict[str, str] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cache = SpeechCache(cache_dir, cache_bytes)
        self.synthesiser = Synthesiser(synth_command, env=synth_env, monotonic=monotonic)
        self.player = Player(device, env=player_env)
        super().__init__()  # rate and volume steps at their defaults
        self._monotonic = monotonic
        self._health = Health()
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._queue: list[tuple[int, int, Utterance]] = []
        self._order = itertools.count()
        self._generation = 0
        self._busy = False
        self._last: Utterance | None = None
        self._player_retry_at = 0.0
        self._death_logged_at: float | None = None
        self._deaths_seen = 0
        self._unknown_languages: set[str] = set()
        self._prerenderer = Prerenderer(
            self.cache, self._health, synth_command, synth_env, monotonic
        )
        self._closed = False
        self._start_asked = False
        self._thread = threading.Thread(target=self._run, name="speech", daemon=True)
        self._thread.start()

    # ----- SpeechOutput: every call returns at once ------------------------------------------

    def say(self, utterance: Utterance) -> None:
        """Queue ``utterance`` by its priority, after what is queued at that priority."""
        with self._wake:
            if self._closed:
                return
            entry = (-int(utterance.priority), next(self._order), utterance)
            heapq.heappush(self._queue, entry)
            self._wake.notify()

    def interrupt(self) -> None:
        """Silence now (the playing aplay is killed and reaped) and drop the queue."""
        with self._wake:
            self._generation += 1
            self._queue.clear()
            self.player.stop()
            self._wake.notify()

    def repeat(self) -> None:
        """Say again the last utterance that began playing."""
        with self._wake:
            last = self._last
        if last is not None:
            self.interrupt()
            self.say(last)

    def reset(self) -> None:
        """The session ended: silence, default rate and volume, personal audio deleted."""
        self.interrupt()
        with self._wake:
            self._last = None
            self._rate_step = DEFAULT_RATE_STEP
            self._volume_step = DEFAULT_VOLUME_STEP
        self.cache.reset()

    def status(self) -> SpeechStatus:
        """Whether speech works now; if not, the technician's one line."""
        return self._health.status()

    # ----- beyond the port -------------------------------------------------------------------

    def start(self) -> None:
        """Start the synthesiser process and check the sound device now, in the background,
        rather than at the first utterance: the first one does not wait for pyttsx3's
        import, and a missing espeak-ng or sound device shows on the technician's side (and
        in the log) at start."""
        with self._wake:
            self._start_asked = True
            self._wake.notify()

    def prerender(self, utterances: Iterable[Utterance]) -> Prerendering:
        """Render ``utterances`` (personal ones are skipped) into the cache in the background,
        at the default rate and volume, with a niced synthesiser process of its own. Returns
        at once; the result's ``done`` is set at the end.
        """
        return self._prerenderer.add(utterances)

    def wait_prerendered(self, timeout: float = 60.0) -> bool:
        """Wait until every :meth:`prerender` job so far is done (tests, the bench)."""
        return self._prerenderer.wait(timeout)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until the queue is empty and nothing plays (tests, the bench, shutdown)."""
        with self._wake:
            return self._wake.wait_for(
                lambda: not self._queue and not self._busy and not self._start_asked, timeout
            )

    def close(self) -> None:
        """Silence, stop the threads and the processes, delete personal audio."""
        with self._wake:
            self._closed = True
        self.interrupt()
        self._thread.join(2.0)
        self._prerenderer.close()
        self.synthesiser.close()
        self.player.close()
        self.cache.clear_personal()

    # ----- the owner thread -------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._wake:
                self._busy = False
                self._wake.notify_all()
                while not self._queue and not self._closed and not self._start_asked:
                    self._wake.wait()
                if self._closed:
                    return
                self._busy = True
                warm_up, self._start_asked = self._start_asked, False
                next_up = heapq.heappop(self._queue)[2] if self._queue and not warm_up else None
                generation = self._generation
                rate = RATE_STEPS[self._rate_step]
                volume = VOLUME_STEPS[self._volume_step]
            try:
                if next_up is None:
                    self._start_up()
                else:
                    self._speak(next_up, generation, rate, volume)
            except Exception as err:  # the voice must outlive any bug
                log_bug("speaking", err)

    def _start_up(self) -> None:
        """Start the synthesiser and try the sound device with a moment of silence, so a
        missing espeak-ng or sound card is on the technician's side before anyone listens."""
        try:
            self.synthesiser.start()
        except SynthesisError as err:
            self._health.fail("synthesiser", str(err))
        try:
            result = sound_check(self.player, self.cache.folder)
        except OSError as err:
            log.debug("speech: no sound check (%s)", err)
            return
        self._played(result)

    def _speak(self, utterance: Utterance, generation: int, rate: int, volume: float) -> None:
        voice = VOICES.get(utterance.language)
        if voice is None:
            if utterance.language not in self._unknown_languages:
                self._unknown_languages.add(utterance.language)
                log.warning(
                    "speech: no voice for language %r; such utterances are not spoken; "
                    "the kiosk's languages are %s",
                    one_line(utterance.language, 20),
                    ", ".join(VOICES),
                )
            return
        if self._monotonic() < self._player_retry_at:
            return  # the sound device failed a moment ago: silent until the next try
        text = normalise(utterance.text, utterance.language)
        if not text.strip():
            return
        if not utterance.personal:
            log.debug("speech: saying %r", text)
        key = cache_module.key(text, voice, rate, volume)
        for _ in range(2):  # a cached file found damaged is rendered again, once
            path = self._render(key, text, voice, rate, volume, utterance.personal, generation)
            if path is None:
                return
            with self._wake:
                if generation != self._generation:
                    return  # interrupted while it was being rendered
                failed = self.player.start(path)
                if failed is None:
                    self._last = utterance
            if failed is None or failed.outcome is not Outcome.UNREADABLE:
                break
            log.debug("speech: %s; rendering it again", failed.problem)
            self.cache.discard(key, personal=utterance.personal)
        else:
            return
        self._played(failed or self.player.wait())

    def _played(self, result: PlayResult) -> None:
        """Note how a playback ended; after a good one, ready the next player."""
        if result.outcome is Outcome.KILLED:
            # Not the device's fault (an operator's kill, the OOM killer): the next
            # utterance gets a new player at once, rather than 30 s of silence.
            log.debug("speech: %s", result.problem)
            return
        if result.outcome is Outcome.FAILED:
            self._player_retry_at = self._monotonic() + PLAYER_RETRY
            self._health.fail("sound device", sound_failure(self.player.device, result.problem))
        else:
            if result.outcome is Outcome.FINISHED:
                self._health.ok("sound device")
            self.player.prepare()  # the next sound starts without starting a process

    def _render(
        self,
        key: str,
        text: str,
        voice: str,
        rate: int,
        volume: float,
        personal: bool,
        generation: int,
    ) -> Path | None:
        """The WAV for ``text`` (its cache ``key``): cached, or rendered now; None if failed."""
        path = self.cache.lookup(key, personal=personal)
        if path is not None:
            return path
        target = self.cache.target(key, personal=personal)
        try:
            self.synthesiser.synthesise(text, voice, rate, volume, target)
        except SynthesisError as err:
            with self._wake:
                interrupted = generation != self._generation
            if not (personal and interrupted):  # reset() took its folder away: no failure
                self._health.fail("synthesiser", str(err))
            return None
        self._note_deaths()
        self._health.ok("synthesiser")
        self.cache.added(key, target)
        return target

    def _note_deaths(self) -> None:
        """One line when the synthesiser died and was restarted (at most every 10 minutes)."""
        deaths = self.synthesiser.deaths
        if deaths == self._deaths_seen:
            return
        self._deaths_seen = deaths
        now = self._monotonic()
        if self._death_logged_at is None or now - self._death_logged_at >= DEATH_LOG_INTERVAL:
            self._death_logged_at = now
            log.warning(
                "speech: the synthesiser process died and was restarted (%d time(s) so far); "
                "nothing was lost; if this repeats, check the machine's memory and espeak-ng",
                deaths,
            )


def sound_check(player: Player, folder: Path) -> PlayResult:
    """Play :data:`PROBE_SECONDS` of silence (inaudible) on the player's device and wait.

    The service's check at start, and ``kiosk doctor``'s: a device that is missing, busy
    or misnamed fails here with aplay's own words.

    Args:
        player: the player of the device to try (not playing anything now).
        folder: where the probe WAV is written (a private folder).

    Returns:
        How the playback ended (``Outcome.FAILED`` with aplay's complaint when it failed).

    Raises:
        OSError: the probe file cannot be written.
    """
    probe = folder / PROBE_FILE
    write_silence(probe, PROBE_SECONDS)
    failed = player.start(probe)
    return failed or player.wait()


def sound_failure(device: str, problem: str) -> str:
    """The technician's line for a sound device aplay could not play on."""
    return (
        f"speech: cannot play on sound device {one_line(device, 60)!r} (aplay: {problem}); "
        "the kiosk goes on silent; check [speech] device in the config or plug in the speakers"
    )


def missing_voices(synthesiser: Synthesiser) -> dict[str, str]:
    """The kiosk's languages whose espeak-ng voice pyttsx3 does not offer: language -> voice.

    Raises:
        SynthesisError: the synthesiser cannot start or answer.
    """
    offered = set(synthesiser.voices())
    return {language: voice for language, voice in VOICES.items() if voice not in offered}
