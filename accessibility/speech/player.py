"""Play a WAV through a child ``aplay``, stoppable at once from any thread.

Why a process: killing it stops the sound now (the kernel closes the device; measured
0.4 ms for kill + reap), whatever it was doing, which no in-process audio library
promises; and a sound stack that hangs or crashes takes only the child with it.

Why a standby: starting ``aplay`` (exec, loading libasound) takes 2-3 ms, 6.5 ms at the
95th percentile on a busy two-core machine, which alone would miss the 5 ms target for a
cached prompt. So after each playback :meth:`Player.prepare` starts the next ``aplay -``
in advance; it waits reading a WAV from its stdin, and opens the device only once the WAV's
header arrives, so an idle kiosk holds no device open. A playback then only writes the
file into that pipe (first sound 0.2 ms later, 1.8 ms at p95, measured on the same
machine).

The owner thread calls :meth:`Player.start` then :meth:`Player.wait`, and
:meth:`Player.prepare` when idle; any thread may call :meth:`Player.stop`, which kills and
reaps the playing child before it returns, so when ``stop()`` has returned nothing of the
kiosk makes a sound.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import io
import os
import re
import select
import stat
import subprocess
import tempfile
import threading
import time
import wave
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

DEFAULT_DEVICE = "default"
SLACK = 3.0
"""Seconds past a WAV's own length after which a still-running aplay counts as hung
(a device that accepts the stream but never plays it)."""


MAX_WAV_BYTES = 32 * 1024 * 1024
"""Far more than any utterance (espeak-ng's 22 kHz mono: a minute is 2.6 MB)."""


def read_wav(path: Path) -> bytes:
    """The bytes of the cached WAV ``path``, only if it is a regular file of sane size.

    A FIFO would block the open (and the speech thread with it), a link to /dev/zero
    would read until the memory is gone: the file is opened without following a link and
    without blocking, checked with ``fstat``, and read at most ``MAX_WAV_BYTES`` + 1.

    Raises:
        OSError: not a regular file, too large, or unreadable (the caller renders again).
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        if info.st_size > MAX_WAV_BYTES:
            raise OSError(errno.EFBIG, "larger than any utterance", str(path))
        chunks, left = [], MAX_WAV_BYTES + 1
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:
            raise OSError(errno.EFBIG, "larger than any utterance", str(path))
        return b"".join(chunks)
    finally:
        os.close(fd)


class Outcome(enum.Enum):
    FINISHED = "finished"
    STOPPED = "stopped"
    FAILED = "failed"
    UNREADABLE = "unreadable"  # the WAV, not the device: deleted meanwhile, or damaged
    KILLED = "killed"  # aplay ended by a signal we did not send: the device is not at fault


@dataclass(frozen=True)
class PlayResult:
    """How one playback ended; ``problem`` is aplay's complaint on one line when it failed."""

    outcome: Outcome
    problem: str = ""


@dataclass
class _Child:
    proc: subprocess.Popen[bytes]
    stderr: IO[bytes]


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
        self._playing: _Child | None = None
        self._standby: _Child | None = None
        self._wav = b""
        self._stopped = False
        self._length = 0.0

    @property
    def pid(self) -> int | None:
        """The playing aplay's process id, if one plays."""
        child = self._playing
        return child.proc.pid if child is not None else None

    def prepare(self) -> None:
        """Start the standby aplay for the next playback, if there is none (owner thread)."""
        with self._lock:
            if self._standby is not None:
                return
        try:
            child = self._spawn()
        except OSError:
            return  # start() reports it when a sound is asked for
        with self._lock:
            self._standby = child

    def start(self, path: Path) -> PlayResult | None:
        """Start playing ``path``; returns a FAILED result if aplay cannot even start."""
        try:
            data = read_wav(path)
            with wave.open(io.BytesIO(data), "rb") as wav:
                frames, rate = wav.getnframes(), wav.getframerate()
        except (OSError, EOFError, wave.Error) as err:
            return PlayResult(Outcome.UNREADABLE, f"cannot read {path.name}: {err}")
        with self._lock:
            self._stopped = False
            self._length = frames / max(1, rate)
            self._wav = data
            child, self._standby = self._standby, None
            if child is None or child.proc.poll() is not None:
                if child is not None:
                    _end(child)
                try:
                    child = self._spawn()
                except OSError as err:
                    self._playing = None
                    hint = " (install alsa-utils)" if isinstance(err, FileNotFoundError) else ""
                    return PlayResult(Outcome.FAILED, f"{self._command}: {err.strerror}{hint}")
            self._playing = child
            # The first part now (the pipe holds 64 KiB: 1.5 s of espeak-ng's audio), so the
            # sound starts before start() returns; wait() writes the rest at the card's pace.
            self._wav = self._write_some(child, data)
        return None

    @staticmethod
    def _write_some(child: _Child, data: bytes) -> bytes:
        """Write what the pipe takes without waiting; the rest."""
        stdin = child.proc.stdin
        if stdin is None:
            return data
        try:
            os.set_blocking(stdin.fileno(), False)
            return data[os.write(stdin.fileno(), data) :]
        except BlockingIOError:
            return data
        except OSError:  # it died already: wait() says how
            return b""

    def wait(self) -> PlayResult:
        """Wait until the playback started last ends; how it ended."""
        child = self._playing
        if child is None:
            return PlayResult(Outcome.STOPPED)
        deadline = time.monotonic() + self._length + SLACK
        hung = False
        if child.proc.stdin is not None:
            hung = not self._feed(child.proc.stdin, self._wav, deadline)
        try:
            code = None if hung else child.proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            hung = True
        if hung:
            self.stop()
            with self._lock:
                self._playing = None
            _end(child)
            return PlayResult(
                Outcome.FAILED, f"still playing {self._length + SLACK:.0f} s into a shorter sound"
            )
        with self._lock:
            self._playing = None
            stopped = self._stopped
        result = (
            PlayResult(Outcome.STOPPED)
            if stopped
            else PlayResult(Outcome.FINISHED)
            if code == 0
            else PlayResult(Outcome.KILLED, f"aplay ended by signal {-code}")
            if code is not None and code < 0
            else PlayResult(Outcome.FAILED, _complaint(child))
        )
        _end(child)
        return result

    def _feed(self, pipe: IO[bytes], wav: bytes, deadline: float) -> bool:
        """Write ``wav`` to aplay's stdin; False if past ``deadline`` (hung)."""
        fd = pipe.fileno()
        os.set_blocking(fd, False)
        view = memoryview(wav)
        try:
            while view:
                try:
                    view = view[os.write(fd, view[:65536]) :]
                except BlockingIOError:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    select.select([], [fd], [], min(left, 1.0))
        except (BrokenPipeError, ValueError, OSError):
            return True  # killed (stop) or died: wait() tells which
        finally:
            with contextlib.suppress(OSError):
                pipe.close()  # end of the sound: aplay drains and exits
        return True

    def stop(self) -> None:
        """Kill the playing aplay and reap it; safe from any thread, a no-op when idle."""
        with self._lock:
            child = self._playing
            if child is None:
                return
            self._stopped = True
            with contextlib.suppress(ProcessLookupError):
                child.proc.kill()
            child.proc.wait()

    def close(self) -> None:
        """Stop playing and end the standby."""
        self.stop()
        with self._lock:
            standby, self._standby = self._standby, None
        if standby is not None:
            _end(standby)

    def _spawn(self) -> _Child:
        """An aplay that plays the WAV written to its stdin."""
        stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed by _end)
        try:
            proc = subprocess.Popen(
                [self._command, "-q", "-D", self.device, "-"],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env=self._env,
                close_fds=True,
            )
        except OSError:
            stderr.close()
            raise
        return _Child(proc, stderr)


def _end(child: _Child) -> None:
    """Kill (if still running) and reap ``child``, and close its files."""
    if child.proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            child.proc.kill()
    child.proc.wait()
    if child.proc.stdin is not None:
        with contextlib.suppress(OSError):
            child.proc.stdin.close()
    child.stderr.close()


def _complaint(child: _Child) -> str:
    """aplay's stderr as one line: what failed, and the PCM or card it named."""
    code = child.proc.wait()
    child.stderr.seek(0)
    text = child.stderr.read(8192).decode("utf-8", "replace")
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    # ALSA explains itself over several lines; the last says what failed, the one
    # naming the PCM (or the card) says where.
    where = next((ln for ln in lines if "Unknown PCM" in ln or "cannot find card" in ln), "")
    # "aplay: main:831: audio open error: ..." -> "audio open error: ..." (our caller says aplay)
    last = re.sub(r"^aplay: (\w+:\d+: )?", "", lines[-1]) if lines else f"exit status {code}"
    shown = f"{last}; {where.split(')')[-1].strip()}" if where and where != last else last
    return "".join(c if c.isprintable() else " " for c in shown)[:240]


def write_silence(path: Path, seconds: float) -> None:
    """A WAV of ``seconds`` of silence in espeak-ng's format (22 050 Hz, 16-bit mono), 0600."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.part")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file, wave.open(file, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(22050)
        wav.writeframes(bytes(2 * int(22050 * seconds)))
    os.replace(temp, path)
