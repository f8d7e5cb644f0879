"""A simulated sound card for tests and the bench: ALSA writes into a FIFO we read.

A machine without a sound card (a build server, a CI runner) has no device for ``aplay``
to play on, and ALSA's ``null`` device swallows a whole WAV at once, so neither shows when
playback starts, how long it lasts or when it stops. This card does: a private ``HOME``
holds an ``.asoundrc`` defining ``pcm.simcard`` as a ``file`` PCM over ``null`` that writes
the raw samples into a FIFO. ``aplay -D simcard`` (run with :attr:`SimulatedCard.env`)
blocks opening the FIFO until the card reads, then writes as fast as the card reads. The
card reads like a real one at the sound's own rate (``paced``), or as fast as it can, or
holds the stream (``hold()``: a sound that plays until stopped). Each stream, from the
writer's open to its close, is one :class:`Playback`: when its first bytes arrived
(playback started), when the writer went away (silence), and its bytes.
"""

from __future__ import annotations

import contextlib
import os
import select
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

DEVICE = "simcard"
BYTES_PER_SECOND = 22050 * 2
"""espeak-ng's output through pyttsx3: 22 050 Hz, mono, 16-bit."""
CHUNK = 2048


@dataclass
class Playback:
    """One stream the card received."""

    started: float  # time.perf_counter() when its first bytes arrived
    ended: float = 0.0  # when the writer closed (or was killed)
    data: bytearray = field(default_factory=bytearray)


class SimulatedCard:
    """The FIFO card; :meth:`close` removes its folder.

    Args:
        paced: read at :data:`BYTES_PER_SECOND` (a real card's pace) rather than at once.
    """

    def __init__(self, *, paced: bool = True) -> None:
        self.paced = paced
        self.folder = Path(tempfile.mkdtemp(prefix="speech-simcard-"))
        self.fifo = self.folder / "card.fifo"
        os.mkfifo(self.fifo, 0o600)
        (self.folder / ".asoundrc").write_text(
            f'pcm.{DEVICE} {{ type file; slave.pcm "null"; file "{self.fifo}"; format "raw" }}\n',
            encoding="ascii",
        )
        self.env = {**os.environ, "HOME": str(self.folder)}
        """The environment to run aplay in (its HOME holds the card's definition)."""
        self.device = DEVICE
        self.playbacks: list[Playback] = []
        self._cond = threading.Condition()
        self._open = threading.Event()
        self._open.set()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="simcard", daemon=True)
        self._thread.start()

    def hold(self) -> None:
        """Stop reading after the next stream's first bytes: it plays until it is killed."""
        self._open.clear()

    def release(self) -> None:
        """Read again."""
        self._open.set()

    @property
    def playing(self) -> bool:
        """True while a writer is connected."""
        with self._cond:
            return bool(self.playbacks) and self.playbacks[-1].ended == 0.0

    def wait_for(self, count: int, *, ended: bool = True, timeout: float = 10.0) -> bool:
        """Wait until ``count`` streams began (and, with ``ended``, the last of them ended)."""

        def done() -> bool:
            if len(self.playbacks) < count:
                return False
            return not ended or all(p.ended for p in self.playbacks[:count])

        with self._cond:
            return self._cond.wait_for(done, timeout)

    def _run(self) -> None:
        while not self._closing:
            fd = os.open(self.fifo, os.O_RDONLY)  # blocks until aplay opens it to write
            try:
                self._stream(fd)
            finally:
                os.close(fd)

    def _stream(self, fd: int) -> None:
        # The writer's going away is seen by POLLHUP (a poll for no event reports only
        # hang-ups), not by reading to EOF: aplay writes ahead into the FIFO's 64 KiB
        # buffer, which a paced reader would take up to 1.5 s more to reach.
        poller = select.poll()
        poller.register(fd, 0)
        playback: Playback | None = None
        begun = 0.0
        while True:
            now = time.perf_counter()
            if playback is not None:
                held = not self._open.is_set()
                pacing = self.paced and not playback.ended  # gone: drain what is left at once
                due = begun + len(playback.data) / BYTES_PER_SECOND if pacing else now
                wait = 0.02 if held else max(0.0, due - now)
                if not playback.ended and (wait > 0 or held):
                    if poller.poll(wait * 1000):
                        self._ended(playback)
                    elif held:
                        continue
            if playback is not None and playback.ended:
                # The writer is gone: take what it left at once and end the stream before
                # the next aplay opens the FIFO (its bytes must start a stream of their own).
                self._drain(fd, playback)
                break
            chunk = os.read(fd, CHUNK)
            if not chunk:
                break
            if playback is None:
                playback, begun = Playback(started=time.perf_counter()), now
                with self._cond:
                    self.playbacks.append(playback)
                    self._cond.notify_all()
            playback.data += chunk
        if playback is not None and not playback.ended:
            self._ended(playback)

    @staticmethod
    def _drain(fd: int, playback: Playback) -> None:
        os.set_blocking(fd, False)
        with contextlib.suppress(BlockingIOError):
            while chunk := os.read(fd, 65536):
                playback.data += chunk

    def _ended(self, playback: Playback) -> None:
        with self._cond:
            playback.ended = time.perf_counter()
            self._cond.notify_all()

    def close(self) -> None:
        """Stop reading and delete the card's folder."""
        self._closing = True
        self._open.set()
        # Unblock the reader's open() with a writer of our own.
        with contextlib.suppress(OSError):
            os.close(os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK))
        self._thread.join(2.0)
        with contextlib.suppress(OSError):
            for name in (".asoundrc", "card.fifo"):
                (self.folder / name).unlink(missing_ok=True)
            self.folder.rmdir()
