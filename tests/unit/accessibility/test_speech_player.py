"""The aplay player: a missing device is one line naming it; stop() leaves no process."""

from __future__ import annotations

import os
import wave
from pathlib import Path

import pytest

from accessibility.speech.player import Outcome, Player
from accessibility.speech.sim import SimulatedCard


@pytest.fixture
def wav(tmp_path: Path) -> Path:
    path = tmp_path / "tone.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(22050)
        out.writeframes(b"\x10\x00" * 22050)  # one second
    return path


def test_a_device_that_does_not_exist_fails_with_one_line(wav: Path) -> None:
    player = Player("nosuchcard")
    try:
        assert player.start(wav) is None
        result = player.wait()
    finally:
        player.close()
    assert result.outcome is Outcome.FAILED
    assert "audio open error" in result.problem and "Unknown PCM nosuchcard" in result.problem
    assert "\n" not in result.problem


def test_a_missing_aplay_is_a_failure_not_an_exception(wav: Path) -> None:
    player = Player(command="/nonexistent/aplay")
    result = player.start(wav)
    player.close()
    assert result is not None and result.outcome is Outcome.FAILED
    assert "install alsa-utils" in result.problem


def test_stop_kills_and_reaps_at_once(wav: Path) -> None:
    card = SimulatedCard(paced=False)
    card.hold()
    player = Player(card.device, env=card.env)
    try:
        assert player.start(wav) is None
        assert card.wait_for(1, ended=False)
        pid = player.pid
        assert pid is not None
        player.stop()
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
        assert player.wait().outcome is Outcome.STOPPED
        assert card.wait_for(1, ended=True)
    finally:
        player.close()
        card.close()


def test_a_whole_sound_plays_to_its_end(wav: Path) -> None:
    card = SimulatedCard(paced=False)
    player = Player(card.device, env=card.env)
    try:
        assert player.start(wav) is None
        assert player.wait().outcome is Outcome.FINISHED
        assert card.wait_for(1)
        assert bytes(card.playbacks[0].data).startswith(b"\x10\x00" * 22050)
    finally:
        player.close()
        card.close()
