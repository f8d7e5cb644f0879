"""The parent side of the synthesiser process: start it lazily, ask, wait with a deadline.

One :class:`Synthesiser` talks to one child (:mod:`accessibility.speech.synth_process`)
and is used by one thread at a time. A child that does not start, dies or hangs past the
deadline is killed and reaped; the request fails with :class:`SynthesisError`, whose
message is the technician's one line, and the next start waits a backoff (1 s, doubling to
60 s) so a broken espeak-ng costs one failed start now and then, not one per utterance.
A child that dies while answering is restarted at once and asked again, once: a
synthesiser killed by the out-of-memory killer (or a test's SIGKILL) loses no utterance.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

import accessibility

START_TIMEOUT = 15.0
"""Seconds for the child to import pyttsx3 and initialise espeak-ng (0.2 s on an idle
machine; a kiosk starting with everything else on two busy cores needs more)."""
REQUEST_TIMEOUT = 10.0
"""Seconds for one WAV. espeak-ng renders a long prompt in tens of milliseconds; a child
still silent after this is hung."""
BACKOFF_FIRST, BACKOFF_MAX = 1.0, 60.0
STDERR_KEPT = 4096
"""Bytes of the child's stderr kept, to quote its last line when it fails."""


class SynthesisError(Exception):
    """A request failed. ``str(err)`` is one line for the technician, without the text."""

    def __init__(self, line: str, *, died: bool = False) -> None:
        super().__init__(line)
        self.died = died


def child_command(python: str | None = None) -> list[str]:
    """The argv that starts the synthesiser process with ``python`` (this one by default)."""
    return [python or sys.executable, "-m", "accessibility.speech.synth_process"]


def one_line(text: str, limit: int = 200) -> str:
    """``text`` on one line (whitespace and control characters collapsed), cut at ``limit``."""
    shown = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


class Synthesiser:
    """Client of one synthesiser process. Not thread-safe: one thread uses it.

    Args:
        command: the child's argv (:func:`child_command` by default).
        env: the child's environment (this process's by default); the folder holding the
            ``accessibility`` package is put first on its ``PYTHONPATH``, so a checkout
            that is not installed works too.
        nice: added to the child's niceness (the pre-rendering child runs at 10, so a live
            request's child gets the CPU first).
        monotonic: the clock the backoff is timed by (tests move a manual one).
    """

    def __init__(
        self,
        command: Sequence[str] | None = None,
        *,
        env: Mapping[str, str] | None = None,
        nice: int = 0,
        start_timeout: float = START_TIMEOUT,
        request_timeout: float = REQUEST_TIMEOUT,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._command = list(command) if command is not None else child_command()
        root = str(Path(accessibility.__file__).resolve().parent.parent)
        child_env = dict(os.environ if env is None else env)
        paths = [root, *filter(None, child_env.get("PYTHONPATH", "").split(os.pathsep))]
        child_env["PYTHONPATH"] = os.pathsep.join(paths)
        self._env = child_env
        self._nice = nice
        self._start_timeout = start_timeout
        self._request_timeout = request_timeout
        self._monotonic = monotonic
        self._proc: subprocess.Popen[bytes] | None = None
        self._buffer = b""
        self._stderr = b""
        self._next_id = 0
        self._retry_at = 0.0
        self._backoff = 0.0
        self._last_error = ""
        self.requests = 0
        """Requests sent to a child so far (a cache hit sends none)."""
        self.starts = 0
        """Children started so far."""
        self.deaths = 0
        """Children found dead while answering (restarted and asked again)."""

    @property
    def pid(self) -> int | None:
        """The running child's process id, if one runs."""
        return self._proc.pid if self._proc is not None else None

    def start(self) -> None:
        """Start the child now rather than at the first request (no-op if it runs).

        Raises:
            SynthesisError: it cannot start (or is backing off after failing to).
        """
        self._ensure_started()

    def synthesise(self, text: str, voice: str, rate: int, volume: float, out: Path) -> None:
        """Render ``text`` (already normalised) to the WAV file ``out``.

        Raises:
            SynthesisError: the child cannot start, failed, died twice or hung; or it is
                backing off after such a failure (the message is the failure's line).
        """
        request = {"text": text, "voice": voice, "rate": rate, "volume": volume, "out": str(out)}
        try:
            self._ask(request)
            return
        except SynthesisError as err:
            if not err.died:
                raise
            self.deaths += 1  # restart at once and ask once more
        try:
            self._ask(request)
        except SynthesisError as err:
            if err.died:  # twice in a row: it keeps dying, so back off like a failed start
                raise self._gave_up(str(err)) from None
            raise

    def voices(self) -> list[str]:
        """The ids of the voices the child's pyttsx3 offers (espeak-ng's: ``poz/id``, ...).

        espeak-ng falls back to its default voice for one it lacks, so rendering cannot
        tell a missing voice; this list can.

        Raises:
            SynthesisError: the child cannot start, failed or hung.
        """
        reply = self._ask({"voices": True})
        listed = reply.get("voices")
        return [str(voice) for voice in listed] if isinstance(listed, list) else []

    def _ask(self, request: dict[str, object]) -> dict[str, object]:
        self._ensure_started()
        proc = self._proc
        assert proc is not None and proc.stdin is not None
        self._next_id += 1
        request_id = self._next_id
        line = json.dumps({"id": request_id, **request}) + "\n"
        self.requests += 1
        try:
            proc.stdin.write(line.encode("utf-8"))
            proc.stdin.flush()
        except OSError:  # BrokenPipeError: it died since the last request
            raise self._failed("died", died=True) from None
        reply = self._read_reply(self._request_timeout, "answer")
        if reply.get("id") != request_id:
            raise self._failed(f"answered out of turn ({one_line(str(reply), 80)})")
        if not reply.get("ok"):
            # The child is fine; this one request failed (a voice it lacks, a full disk).
            self._success()
            raise SynthesisError(
                f"speech: the synthesiser could not render an utterance "
                f"({one_line(str(reply.get('error', '')))}); "
                "check that espeak-ng has the voices poz/id and gmw/en and the disk has room"
            )
        self._success()
        return reply

    def _success(self) -> None:
        self._backoff = 0.0
        self._retry_at = 0.0

    def _ensure_started(self) -> None:
        if self._proc is not None:
            return
        now = self._monotonic()
        if now < self._retry_at:
            raise SynthesisError(self._last_error)
        self.starts += 1
        self._buffer = self._stderr = b""
        try:
            self._proc = subprocess.Popen(
                self._command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=self._env,
                close_fds=True,
                start_new_session=True,  # a Ctrl-C at the terminal is the kiosk's to handle
            )
            if self._nice:  # not preexec_fn: it is unsafe in a process with threads
                os.setpriority(os.PRIO_PROCESS, self._proc.pid, self._nice)
        except OSError as err:
            raise self._gave_up(
                f"speech: cannot start the synthesiser ({one_line(self._command[0], 80)}: "
                f"{err.strerror or err}); the kiosk goes on silent; "
                "reinstall the kiosk with ./dev or check its Python"
            ) from None
        assert self._proc.stdout is not None and self._proc.stderr is not None
        os.set_blocking(self._proc.stdout.fileno(), False)
        os.set_blocking(self._proc.stderr.fileno(), False)
        reply = self._read_reply(self._start_timeout, "start")
        if not reply.get("ready"):
            raise self._failed(f"started badly ({one_line(str(reply), 80)})")

    def _read_reply(self, timeout: float, doing: str) -> dict[str, object]:
        """The child's next reply line, or SynthesisError when it dies or times out."""
        proc = self._proc
        assert proc is not None and proc.stdout is not None and proc.stderr is not None
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            selector.register(proc.stderr, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise self._failed(f"did not {doing} within {timeout:g} s (hung)")
                closed = False
                for key, _ in selector.select(left):
                    chunk = _read_some(key.fileobj)  # type: ignore[arg-type]
                    if chunk is None:
                        continue
                    if key.fileobj is proc.stderr:
                        self._stderr = (self._stderr + chunk)[-STDERR_KEPT:]
                        if not chunk:
                            selector.unregister(proc.stderr)
                    elif chunk:
                        self._buffer += chunk
                    else:
                        closed = True
                if closed and b"\n" not in self._buffer:
                    return self._died(doing)
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            reply = json.loads(line)
        except ValueError:
            raise self._failed(f"wrote garbage ({one_line(repr(line[:60]), 80)})") from None
        if not isinstance(reply, dict):
            raise self._failed("wrote garbage")
        return reply

    def _died(self, doing: str) -> dict[str, object]:
        proc = self._proc
        assert proc is not None
        try:
            code = proc.wait(1.0)
        except subprocess.TimeoutExpired:
            code = None
        if code is not None and code < 0:
            try:
                how = f"killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"killed by signal {-code}"
        else:
            how = f"exit status {code}"
        if proc.stderr is not None and code is not None:  # dead: what it said is all there
            while chunk := _read_some(proc.stderr):
                self._stderr = (self._stderr + chunk)[-STDERR_KEPT:]
        said = self._stderr_line()
        detail = f"{how}: {said}" if said else how
        # Dying while starting is a broken installation: no immediate retry.
        raise self._failed(f"exited ({detail})", died=doing != "start")

    def _stderr_line(self) -> str:
        lines = [ln for ln in self._stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
        return one_line(lines[-1], 160) if lines else ""

    def _failed(self, what: str, *, died: bool = False) -> SynthesisError:
        """Kill the child, back off, and the error to raise."""
        self._kill()
        line = (
            f"speech: the synthesiser process (espeak-ng through pyttsx3) {what}; "
            "the kiosk goes on silent until it works; check that espeak-ng and its data are "
            "installed (./dev installs them) and that `espeak-ng hello` works as the kiosk's user"
        )
        if died:
            return SynthesisError(line, died=True)
        return self._gave_up(line)

    def _gave_up(self, line: str) -> SynthesisError:
        self._kill()
        self._backoff = min(BACKOFF_MAX, self._backoff * 2) if self._backoff else BACKOFF_FIRST
        self._retry_at = self._monotonic() + self._backoff
        self._last_error = line
        return SynthesisError(line)

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        self._buffer = b""
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                # A broken pipe's buffered request fails to flush: the child is gone anyway.
                with contextlib.suppress(OSError):
                    stream.close()

    def close(self, timeout: float = 1.0) -> None:
        """End the child: EOF first (it exits cleanly), then kill if it lingers."""
        proc = self._proc
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(timeout)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self._kill()


def _read_some(stream: IO[bytes]) -> bytes | None:
    """What is there to read now; b"" at EOF; None when nothing is there after all."""
    try:
        return os.read(stream.fileno(), 65536)
    except BlockingIOError:
        return None
