"""Fixtures for the speech tests: a real service over a simulated sound card.

Everything is real: the synthesiser process (pyttsx3 + espeak-ng), ``aplay`` playing on
:class:`accessibility.speech.sim.SimulatedCard` (a FIFO the test reads), the cache on disk.
Waits are bounded conditions (a playback began, the service is idle), never sleeps, and no
test asserts on how long anything took.
"""

from __future__ import annotations

import logging
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from accessibility.speech import cache
from accessibility.speech.output import RATE_STEPS, VOLUME_STEPS, Utterance
from accessibility.speech.service import VOICES, SpeechService
from accessibility.speech.sim import SimulatedCard
from accessibility.spoken import normalise


@pytest.fixture
def card() -> Iterator[SimulatedCard]:
    """A sound card read as fast as it can be (tests need order, not pace)."""
    sim = SimulatedCard(paced=False)
    yield sim
    sim.close()


@pytest.fixture
def service(tmp_path: Path, card: SimulatedCard) -> Iterator[SpeechService]:
    speech = SpeechService(tmp_path / "speech-cache", device=card.device, player_env=card.env)
    yield speech
    speech.close()


@pytest.fixture
def speech_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="accessibility")
    return caplog


def lines_above_debug(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What the speech service logged at INFO or above (what a technician's journal shows)."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("accessibility") and r.levelno > logging.DEBUG
    ]


def frames(path: Path) -> bytes:
    with wave.open(str(path), "rb") as wav:
        return wav.readframes(wav.getnframes())


def rendered(
    service: SpeechService,
    utterance: Utterance,
    rate_step: int,
    volume_step: int,
) -> bytes:
    """The samples the service rendered for ``utterance`` at those steps (from its cache)."""
    text = normalise(utterance.text, utterance.language)
    key = cache.key(
        text, VOICES[utterance.language], RATE_STEPS[rate_step], VOLUME_STEPS[volume_step]
    )
    path = service.cache.lookup(key, personal=utterance.personal)
    assert path is not None, "not in the cache"
    return frames(path)


def heard(card: SimulatedCard, candidates: dict[str, bytes], count: int) -> list[str]:
    """Which of ``candidates`` (name -> samples) each of the ``count`` playbacks was, in order.

    aplay pads its last period with silence, so a playback is its WAV's samples and then
    at most one period of zeros. The service is idle once aplay has exited, which can be
    before the card has read all it wrote: this waits for the card.
    """
    assert card.wait_for(count), f"fewer than {count} playbacks: {len(card.playbacks)}"
    assert len(card.playbacks) == count, f"{len(card.playbacks)} playbacks, not {count}"
    names = []
    for playback in card.playbacks:
        data = bytes(playback.data)
        match = [name for name, pcm in candidates.items() if data.startswith(pcm)]
        names.append(match[0] if len(match) == 1 else f"<{len(data)} bytes: {match}>")
    return names
