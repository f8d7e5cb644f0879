"""Play a WAV through a child ``aplay``, stoppable at once from any thread.

Why a process: killing it stops the sound now (the kernel closes the device; measured
0.4 ms for kill + reap), whatever it was doing, which no in-process audio library
promises; and a sound stack that hangs or crashes takes only the child with it.

The owner thread calls :meth:`Player.start` then :meth:`Player.wait`; any thread may call
:meth:`Player.stop`, which kills and reaps the child before it returns, so when
``stop()`` has returned nothing of the kiosk makes a sound.
"""

from __future__ import annotations

import contextlib
import enum
import subprocess
import tempfile
import threading
import wave
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DEVICE = "default"
SLACK = 3.0
"""Seconds past a WAV's own length after which a still-running aplay counts as hung
(a device that accepts the stream but never plays it)."""


class Outcome(enum.Enum):
    FINISHED = "finished"
    STOPPED = "stopped"
    FAILED = "failed"


@dataclass(frozen=True)
class PlayResult:
    """How one playback ended; ``problem`` is aplay's complaint on one line when it failed."""

    outcome: Outcome
    problem: str = ""


class Player:
    """Plays WAV files one at a time through ``aplay -q -D <device>``.

    Args:
        device: the ALSA device (``[speech] device``).
        env: the child's environment (the bench's simulated card needs its own HOME).
        command: the player program.
    """

    def __init__(
        self,
        device: str = DEFAULT_DEVICE,
        *,
        env: Mapping[str, str] | None = None,
        command: str = "aplay",
    ) -> None:
        self.device = device
        self._env = dict(env) if env is not None else None
        self._command = command
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._stopped = False
        self._length = 0.0
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (one for the player's life)

    @property
    def pid(self) -> int | None:
        """The playing aplay's process id, if one plays."""
        proc = self._proc
        return proc.pid if proc is not None else None

    def start(self, path: Path) -> PlayResult | None:
        """Start playing ``path``; returns a FAILED result if aplay cannot even start."""
        try:
            with wave.open(str(path), "rb") as wav:
                self._length = wav.getnframes() / max(1, wav.getframerate())
        except (OSError, EOFError, wave.Error) as err:
            return PlayResult(Outcome.FAILED, f"cannot read {path.name}: {err}")
        with self._lock:
            self._stopped = False
            self._stderr.seek(0)
            self._stderr.truncate()
            try:
                self._proc = subprocess.Popen(
                    [self._command, "-q", "-D", self.device, str(path)],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=self._stderr,
                    env=self._env,
                    close_fds=True,
                )
            except OSError as err:
                self._proc = None
                hint = " (install alsa-utils)" if isinstance(err, FileNotFoundError) else ""
                return PlayResult(Outcome.FAILED, f"{self._command}: {err.strerror}{hint}")
        return None

    def wait(self) -> PlayResult:
        """Wait until the playback started last ends; how it ended."""
        proc = self._proc
        if proc is None:
            return PlayResult(Outcome.STOPPED)
        try:
            code = proc.wait(self._length + SLACK)
        except subprocess.TimeoutExpired:
            self.stop()
            return PlayResult(
                Outcome.FAILED, f"still playing {self._length + SLACK:.0f} s into a shorter sound"
            )
        with self._lock:
            self._proc = None
            if self._stopped:
                return PlayResult(Outcome.STOPPED)
        if code == 0:
            return PlayResult(Outcome.FINISHED)
        return PlayResult(Outcome.FAILED, self._complaint(code))

    def stop(self) -> None:
        """Kill the playing aplay and reap it; safe from any thread, a no-op when idle."""
        with self._lock:
            proc = self._proc
            if proc is None:
                return
            self._stopped = True
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait()

    def _complaint(self, code: int) -> str:
        self._stderr.seek(0)
        text = self._stderr.read(8192).decode("utf-8", "replace")
        lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
        # ALSA explains itself over several lines; the last says what failed, the one
        # naming the PCM (or the card) says where.
        where = next((ln for ln in lines if "Unknown PCM" in ln or "cannot find card" in ln), "")
        last = lines[-1] if lines else f"exit status {code}"
        shown = f"{last} ({where.split(')')[-1].strip()})" if where and where != last else last
        return "".join(c if c.isprintable() else " " for c in shown)[:240]

    def close(self) -> None:
        """Stop playing and release the player's files."""
        self.stop()
        with contextlib.suppress(OSError):
            self._stderr.close()
