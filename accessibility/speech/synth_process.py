"""The synthesiser process: pyttsx3 + espeak-ng, one WAV file per request, nothing else.

Run as ``python -m accessibility.speech.synth_process`` by
:class:`accessibility.speech.synthesiser.Synthesiser`; the only module that imports
pyttsx3, so a broken espeak-ng can kill this process but never the kiosk.

Line protocol (UTF-8 JSON, one object per line):

* On start, once the engine is initialised, the child writes ``{"ready": true}``. If
  espeak-ng cannot start (missing library, missing data), the child dies instead and its
  stderr says why (espeak-ng itself prints e.g. "Error processing file .../phontab").
* Request, on stdin: ``{"id": 7, "text": "...", "voice": "poz/id", "rate": 175,
  "volume": 0.85, "out": "/path/file.wav"}``. ``text`` is already normalised
  (:func:`accessibility.spoken.normalise`); ``rate`` is in words per minute; ``volume``
  is 0..1.
* Reply, on stdout, written only once the WAV is complete under its final name:
  ``{"id": 7, "ok": true, "error": ""}``, or ``ok`` false and a one-line ``error``
  (never the text: it may be a patron's data).
* Voices request: ``{"id": 8, "voices": true}``; reply ``{"id": 8, "ok": true, "error": "",
  "voices": ["gmw/af", ...]}``: the ids of the voices pyttsx3 offers (``kiosk doctor``).
* EOF on stdin: the child exits with status 0.

The WAV is written to a temporary name in the same folder and renamed, so a player never
opens a half-written file, and files are 0600 (umask 077): a personal utterance's audio is
a patron's data.

pyttsx3 2.99 quirks this design works around (checked on Debian 12 with espeak-ng 1.51):

* Of several utterances queued before one ``runAndWait()`` only one is produced, so each
  request is exactly one ``save_to_file`` + ``runAndWait``.
* After a ``save_to_file``, a later ``say()`` can be written to the old file: ``say()`` is
  never used (playback is the parent's ``aplay``, which can be stopped; pyttsx3's
  ``stop()`` does not interrupt).
* ``save_to_file`` prints "Audio saved to ..." on stdout: the protocol uses a duplicate of
  the original stdout and fd 1 goes to /dev/null, so the replies stay clean.
* espeak-ng runs asynchronously (pyttsx3 initialises it with AUDIO_OUTPUT_RETRIEVAL): a
  rate or volume set through pyttsx3 is queued, while a voice change is immediate and
  undoes a rate still in the queue. Measured: rate then voice, or voice then rate, gave
  audio at another request's rate for 7 to 11 of 12 parameter sets over 60 mixed requests.
  So a request that changes rate or volume sets them, waits with ``espeak_Synchronize``
  (through pyttsx3's own binding ``pyttsx3.drivers._espeak``, its only way to it), then
  sets the voice: 0 of 12 in 8 runs of 60. The wait takes 20 ms (espeak-ng's queue
  thread wakes that often), so it is done only on a change; a voice change keeps them.
  ``runAndWait`` can also return before the file is written (seen once in about 700
  requests), so the child synchronises again before checking the WAV.
* The ``volume`` property scales the saved samples (measured: peak 22456 at 1.0, 8908 at
  0.4), so volume is synthesised, not applied afterwards.
"""

from __future__ import annotations

import json
import os
import sys
import wave
from pathlib import Path
from typing import Any, TextIO

READY = {"ready": True}
_applied: dict[str, tuple[int, float]] = {}
"""The rate and volume espeak-ng has applied (a voice change keeps them: measured)."""


def _engine() -> Any:
    import pyttsx3  # only here: the kiosk process never loads espeak-ng

    return pyttsx3.init("espeak")


def _espeak() -> Any:
    from pyttsx3.drivers import _espeak  # pyttsx3's own ctypes binding of libespeak-ng

    return _espeak


def _synthesise(engine: Any, request: dict[str, Any]) -> None:
    """One WAV for one request, complete under its final name, or an exception."""
    out = Path(request["out"])
    text = request["text"]
    if not isinstance(text, str) or not text.strip():
        raise ValueError("empty text")
    temp = out.with_name(f".{out.name}.{os.getpid()}.part")
    # Rate and volume first, then wait for espeak-ng to have applied them, then the voice:
    # see the module docstring (without this, a rate is ignored about one time in two).
    # The wait costs 20 ms, so only when they change (a patron's rate or volume key).
    prosody = (int(request["rate"]), float(request["volume"]))
    if prosody != _applied.get("prosody"):
        engine.setProperty("rate", prosody[0])
        engine.setProperty("volume", prosody[1])
        _espeak().Synchronize()
        _applied["prosody"] = prosody
    engine.setProperty("voice", str(request["voice"]))
    try:
        engine.save_to_file(text, str(temp))
        engine.runAndWait()
        _espeak().Synchronize()  # runAndWait can return before the file is written
        # pyttsx3 swallows a failed write inside its callback: check what is on disk.
        with wave.open(str(temp), "rb") as wav:
            if wav.getnframes() == 0:
                raise RuntimeError("espeak-ng produced no audio")
        os.chmod(temp, 0o600)
        os.replace(temp, out)
    finally:
        if temp.exists():
            temp.unlink()


def _error(err: BaseException) -> str:
    # Only the type and the message, on one line; a path at most, never the text.
    return " ".join(f"{type(err).__name__}: {err}".split())[:300]


def serve(requests: TextIO, replies: TextIO) -> int:
    """Answer requests until EOF. Returns the exit status."""
    engine = _engine()
    replies.write(json.dumps(READY) + "\n")
    replies.flush()
    for line in requests:
        if not line.strip():
            continue
        request_id: object = None
        try:
            request = json.loads(line)
            request_id = request.get("id")
            reply = {"id": request_id, "ok": True, "error": ""}
            if request.get("voices"):
                reply["voices"] = [str(voice.id) for voice in engine.getProperty("voices")]
            else:
                _synthesise(engine, request)
        except Exception as err:  # each request fails alone; the process goes on
            reply = {"id": request_id, "ok": False, "error": _error(err)}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()
    return 0


def main() -> int:
    """The child's entry point: protocol on a copy of stdout, fd 1 to /dev/null."""
    os.umask(0o077)
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (lives as long as we do)
    requests = open(sys.stdin.fileno(), encoding="utf-8", closefd=False)  # noqa: SIM115
    return serve(requests, replies)


if __name__ == "__main__":
    sys.exit(main())
