"""The voice guide through the real speech service: what reaches the synthesiser.

The kiosk (``bootstrap.build``, flow-test harness) speaks through a real
``SpeechService`` with espeak-ng, playing on ALSA's ``null`` device. The service logs at
DEBUG each (non-personal) text it hands to synthesis, after normalisation: that is what the
synthesiser hears, and what these tests read.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from flows.harness import FlowKiosk

from accessibility.speech.service import SpeechService

YOHANA, YOHANA_PIN = "23171000010027", "2718"
DIGIT_WORDS = {"2": "dua", "7": "tujuh", "1": "satu", "8": "delapan"}


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[tuple[FlowKiosk, SpeechService]]:
    speech = SpeechService(tmp_path / "speech-cache", device="null")
    speech.start()
    kiosk = FlowKiosk(tmp_path / "kiosk", speech=speech)
    yield kiosk, speech
    kiosk.close()
    speech.close()


def synthesised(caplog: pytest.LogCaptureFixture) -> list[str]:
    prefix = "speech: saying "
    return [
        r.getMessage()[len(prefix) :].strip("'\"")
        for r in caplog.records
        if r.getMessage().startswith(prefix)
    ]


def test_a_pin_reaches_the_synthesiser_only_as_a_count(
    kiosk: tuple[FlowKiosk, SpeechService], caplog: pytest.LogCaptureFixture
) -> None:
    k, speech = kiosk
    caplog.set_level(logging.DEBUG)
    k.vm.start_voice()
    k.vm.choose("account")
    k.scan(YOHANA)
    assert speech.wait_idle(30)
    counts = ["satu", "dua", "tiga", "empat"]
    for typed, digit in enumerate(YOHANA_PIN):
        caplog.clear()
        k.clock.advance(0.3)
        k.vm.type_char(digit)
        assert speech.wait_idle(30)
        assert synthesised(caplog) == [f"{counts[typed]} angka dimasukkan"]
    k.vm.submit()
    k.settle()
    assert speech.wait_idle(30)
    assert k.vm.screen == "account.overview"
    everything = caplog.text
    assert YOHANA_PIN not in everything
    assert " ".join(DIGIT_WORDS[d] for d in YOHANA_PIN) not in everything
    assert speech.status().working


def test_the_voice_follows_the_screen_language(
    kiosk: tuple[FlowKiosk, SpeechService], caplog: pytest.LogCaptureFixture
) -> None:
    k, speech = kiosk
    caplog.set_level(logging.DEBUG)
    k.vm.start_voice()
    k.vm.choose("return")
    assert speech.wait_idle(30)
    caplog.clear()
    k.vm.toggle_language()
    assert speech.wait_idle(30)
    said = synthesised(caplog)
    assert said and said[0].startswith("Returning books. No card is needed.")
