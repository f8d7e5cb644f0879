"""Acceptance 5: no espeak-ng, a killed synthesiser, no sound device. The caller never
waits or gets an exception, the log gets one line, ``status()`` says what is wrong, and
speech comes back by itself once the cause is gone."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from accessibility.speech.output import Utterance
from accessibility.speech.service import PLAYER_RETRY, SpeechService
from accessibility.speech.sim import SimulatedCard
from accessibility.speech.synthesiser import BACKOFF_FIRST
from kiosk.core.clock import ManualClock

from .conftest import lines_above_debug

SAYINGS = [Utterance(f"Langkah {n} dari 3.", "id") for n in range(1, 4)]


def say_all(service: SpeechService) -> None:
    for utterance in SAYINGS:
        service.say(utterance)  # returns at once: it only queues
    service.interrupt()
    service.repeat()
    for utterance in SAYINGS:
        service.say(utterance)
    assert service.wait_idle()


def broken_espeak(tmp_path: Path) -> dict[str, str]:
    """An environment in which espeak-ng cannot initialise: its data folder is empty.

    espeak-ng itself then prints "Error processing file '.../phontab'" and exits, as it
    does on a machine where the espeak-ng-data package is missing.
    """
    (tmp_path / "espeak-home" / "espeak-ng-data").mkdir(parents=True)
    return {**os.environ, "ESPEAK_DATA_PATH": str(tmp_path / "espeak-home")}


def test_espeak_ng_missing_logs_one_line_and_goes_on_silent(
    tmp_path: Path, card: SimulatedCard, speech_log: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock()
    service = SpeechService(
        tmp_path / "cache",
        device=card.device,
        player_env=card.env,
        synth_env=broken_espeak(tmp_path),
        monotonic=clock.monotonic,
    )
    try:
        say_all(service)
        clock.advance(BACKOFF_FIRST + 0.1)  # it tries again, fails again: same episode
        say_all(service)
        status = service.status()
    finally:
        service.close()
    (line,) = lines_above_debug(speech_log)
    assert line.startswith("speech: the synthesiser process")
    assert "phontab" in line and "espeak-ng" in line and "\n" not in line
    assert not status.working and status.reason == line
    assert card.playbacks == []
    assert service.synthesiser.starts == 2, "retried once after the backoff, not per utterance"


def test_a_missing_interpreter_is_one_line_too(
    tmp_path: Path, card: SimulatedCard, speech_log: pytest.LogCaptureFixture
) -> None:
    service = SpeechService(
        tmp_path / "cache",
        device=card.device,
        player_env=card.env,
        synth_command=[str(tmp_path / "no-python"), "-m", "accessibility.speech.synth_process"],
    )
    try:
        say_all(service)
        status = service.status()
    finally:
        service.close()
    (line,) = lines_above_debug(speech_log)
    assert "cannot start the synthesiser" in line and "no-python" in line
    assert not status.working


def test_a_module_that_fails_to_import_is_one_line(
    tmp_path: Path, card: SimulatedCard, speech_log: pytest.LogCaptureFixture
) -> None:
    service = SpeechService(
        tmp_path / "cache",
        device=card.device,
        player_env=card.env,
        synth_command=[sys.executable, "-m", "accessibility.speech.no_such_module"],
    )
    try:
        say_all(service)
    finally:
        service.close()
    (line,) = lines_above_debug(speech_log)
    assert "No module named accessibility.speech.no_such_module" in line


def test_a_synthesiser_killed_mid_stream_is_restarted_and_nothing_is_lost(
    service: SpeechService, card: SimulatedCard, speech_log: pytest.LogCaptureFixture
) -> None:
    service.say(SAYINGS[0])
    assert service.wait_idle()
    pid = service.synthesiser.pid
    assert pid is not None
    card.hold()
    service.say(Utterance("Sedang diputar.", "id"))
    assert card.wait_for(2, ended=False)
    os.kill(pid, signal.SIGKILL)  # while it plays, with more queued behind
    for utterance in SAYINGS[1:]:
        service.say(utterance)
    card.release()
    assert service.wait_idle()
    assert card.wait_for(4) and len(card.playbacks) == 4, "an utterance was lost to the kill"
    assert service.synthesiser.pid not in (None, pid)
    (line,) = lines_above_debug(speech_log)
    assert "died and was restarted" in line
    assert service.status().working


def test_no_sound_device_logs_one_line_and_works_once_plugged_in(
    tmp_path: Path, speech_log: pytest.LogCaptureFixture
) -> None:
    card = SimulatedCard(paced=False)
    asoundrc = card.folder / ".asoundrc"
    definition = asoundrc.read_text()
    asoundrc.unlink()  # the device "simcard" does not exist: speakers not plugged in
    clock = ManualClock()
    service = SpeechService(
        tmp_path / "cache", device=card.device, player_env=card.env, monotonic=clock.monotonic
    )
    try:
        say_all(service)
        status = service.status()
        (line,) = lines_above_debug(speech_log)
        assert line.startswith("speech: cannot play on sound device 'simcard'")
        assert "Unknown PCM simcard" in line and "plug in the speakers" in line
        assert not status.working and status.reason == line
        tried = service.synthesiser.requests
        assert tried == 1, "kept rendering for a device that is not there"

        asoundrc.write_text(definition)  # plugged in
        clock.advance(PLAYER_RETRY)
        service.say(SAYINGS[0])
        assert service.wait_idle()
        assert card.wait_for(1) and len(card.playbacks) == 1
        assert service.status().working
        assert lines_above_debug(speech_log)[1:] == ["speech: the sound device works again"]
    finally:
        service.close()
        card.close()


def test_a_missing_sound_device_is_found_at_start_before_anyone_listens(
    tmp_path: Path, speech_log: pytest.LogCaptureFixture
) -> None:
    service = SpeechService(tmp_path / "cache", device="nosuchcard")
    try:
        service.start()  # as Kiosk.start_devices does: no utterance yet
        assert service.wait_idle()
        status = service.status()
    finally:
        service.close()
    (line,) = lines_above_debug(speech_log)
    assert line.startswith("speech: cannot play on sound device 'nosuchcard'")
    assert "Unknown PCM nosuchcard" in line
    assert not status.working and status.reason == line


def test_the_sound_check_at_start_is_silent_and_short(card: SimulatedCard, tmp_path: Path) -> None:
    service = SpeechService(tmp_path / "cache", device=card.device, player_env=card.env)
    try:
        service.start()
        assert service.wait_idle()
        assert service.status().working
    finally:
        service.close()
    assert card.wait_for(1)
    (check,) = card.playbacks
    # 50 ms of silence; aplay pads its last period (here to 0.125 s) with more.
    assert set(check.data) == {0} and len(check.data) <= 22050 * 2 // 4
