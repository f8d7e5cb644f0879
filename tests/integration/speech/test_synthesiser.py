"""The synthesiser process through its client: real pyttsx3 and espeak-ng, real WAV files."""

from __future__ import annotations

import array
import itertools
import os
import random
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from accessibility.speech.synthesiser import Synthesiser, SynthesisError

from .conftest import frames

TEXT = "Terima kasih telah berkunjung ke perpustakaan."


@pytest.fixture
def synth() -> Iterator[Synthesiser]:
    client = Synthesiser()
    yield client
    client.close()


def test_the_wav_grows_with_the_text(synth: Synthesiser, tmp_path: Path) -> None:
    short, long = tmp_path / "short.wav", tmp_path / "long.wav"
    synth.synthesise("Halo.", "poz/id", 175, 1.0, short)
    synth.synthesise(
        "Halo. Selamat datang di perpustakaan kota, silakan pindai kartu anggota Anda.",
        "poz/id",
        175,
        1.0,
        long,
    )
    assert len(frames(long)) > 4 * len(frames(short)) > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.wav", "short.wav"]  # no .part
    assert oct(long.stat().st_mode & 0o777) == "0o600"


def test_each_request_gets_its_own_rate_and_volume(synth: Synthesiser, tmp_path: Path) -> None:
    """espeak-ng applies a queued rate after an immediate voice change unless the child
    waits for it (synth_process's docstring): a mixed sequence hears other requests' rates."""
    lengths: dict[tuple[str, int], set[int]] = {}
    peaks: dict[float, set[int]] = {}
    every = list(itertools.product((120, 175, 250), ("poz/id", "gmw/en"), (1.0, 0.4)))
    mixed = random.Random(8).choices(every, k=40)  # changes of every kind, in no pattern
    for n, (rate, voice, volume) in enumerate(every + mixed):
        out = tmp_path / f"{n}.wav"
        synth.synthesise(TEXT, voice, rate, volume, out)
        pcm = frames(out)
        lengths.setdefault((voice, rate), set()).add(len(pcm))
        samples = array.array("h")
        samples.frombytes(pcm)
        peaks.setdefault(volume, set()).add(max(abs(s) for s in samples))
    for voice in ("poz/id", "gmw/en"):
        slow, normal, fast = (lengths[voice, rate] for rate in (120, 175, 250))
        assert min(slow) > max(normal) and min(normal) > max(fast), (voice, slow, normal, fast)
        for same in (slow, normal, fast):
            assert max(same) < min(same) * 1.03, (voice, same)
    assert max(peaks[0.4]) < min(peaks[1.0]) * 0.6


def test_a_killed_child_is_restarted_and_asked_again(synth: Synthesiser, tmp_path: Path) -> None:
    synth.start()
    first = synth.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    synth.synthesise("Halo.", "poz/id", 175, 1.0, tmp_path / "a.wav")
    assert (synth.deaths, synth.starts) == (1, 2)
    assert synth.pid not in (None, first)
    assert frames(tmp_path / "a.wav")


def test_a_hung_child_is_killed_at_its_deadline(tmp_path: Path) -> None:
    # A "synthesiser" that reads requests and never answers: a hung espeak-ng.
    never = "import sys; print('{\"ready\": true}', flush=True); sys.stdin.read()"
    hung = [sys.executable, "-c", never]
    synth = Synthesiser(hung, request_timeout=0.5)
    try:
        with pytest.raises(SynthesisError, match=r"did not answer within 0\.5 s"):
            synth.synthesise("Halo.", "poz/id", 175, 1.0, tmp_path / "a.wav")
        assert synth.pid is None, "the hung child was left running"
        # It is backing off: the next request fails at once, with the same line.
        with pytest.raises(SynthesisError, match="hung"):
            synth.synthesise("Halo.", "poz/id", 175, 1.0, tmp_path / "a.wav")
        assert synth.starts == 1
    finally:
        synth.close()
