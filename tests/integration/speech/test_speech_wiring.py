"""``bootstrap.build`` wires the voice from ``[speech]``; ``start_devices`` pre-renders every
fixed prompt of both languages; ``close`` ends its processes and personal audio."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from accessibility.speech.output import Utterance
from accessibility.speech.service import VOICES, SilentSpeech, SpeechService
from accessibility.spoken import normalise
from kiosk import config as config_module
from kiosk.bootstrap import SPEECH_CACHE_DIR, build
from kiosk.core.clock import ManualClock
from kiosk.core.i18n import translators


def config(**speech: object) -> config_module.Config:
    defaults = config_module.from_mapping({"ils": {"backend": "local"}}, None)
    return dataclasses.replace(defaults, speech=dataclasses.replace(defaults.speech, **speech))


def test_the_kiosk_prerenders_every_fixed_prompt_and_closes_its_voice(tmp_path: Path) -> None:
    kiosk = build(config(device="null"), tmp_path, clock=ManualClock(), scanner_url="")
    try:
        speech = kiosk.speech
        assert isinstance(speech, SpeechService)
        assert speech.cache.folder == tmp_path / SPEECH_CACHE_DIR
        assert oct(speech.cache.folder.stat().st_mode & 0o777) == "0o700"
        kiosk.start_devices()
        assert speech.wait_prerendered(timeout=120)
        expected = {
            (normalise(text, language), language)
            for language, translator in translators().items()
            for text in translator.fixed_texts()
        }
        cached = [p for p in speech.cache.folder.glob("*.wav") if not p.name.startswith(".")]
        assert len(cached) == len(expected) > 400  # the sound check's silence is not cached
        # The screens' texts are now spoken without the synthesiser.
        before = speech.synthesiser.requests
        speech.say(Utterance(translators()["en"]("attract.title"), "en"))
        assert speech.wait_idle()
        assert speech.synthesiser.requests == before
        assert speech.status().working  # "null" plays (and discards) at once
        speech.say(Utterance("Laskar Pelangi", "id", personal=True))
        assert speech.wait_idle()
        pid = speech.synthesiser.pid
        assert pid is not None and speech.cache.personal_files()
    finally:
        kiosk.close(grace=1.0)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert speech.cache.personal_files() == []
    assert set(VOICES) == set(translators())


def test_speech_disabled_is_silent_and_leaves_no_cache(tmp_path: Path) -> None:
    kiosk = build(config(enabled=False), tmp_path, clock=ManualClock(), scanner_url="")
    try:
        assert isinstance(kiosk.speech, SilentSpeech)
        kiosk.start_devices()
        kiosk.speech.say(Utterance("Halo", "id"))
        assert not kiosk.speech.status().working
        assert "enabled = false" in kiosk.speech.status().reason
    finally:
        kiosk.close(grace=1.0)
    assert not (tmp_path / SPEECH_CACHE_DIR).exists()


def test_pyttsx3_is_loaded_only_in_the_synthesiser_process(tmp_path: Path) -> None:
    """espeak-ng's library can kill the process that loads it: never the kiosk's."""
    script = f"""
import sys
from pathlib import Path
from accessibility.speech.output import Utterance
from accessibility.speech.service import SpeechService
speech = SpeechService(Path({str(tmp_path / "cache")!r}), device="null")
speech.start()
speech.say(Utterance("Halo", "id"))
assert speech.wait_idle(30)
assert speech.synthesiser.requests == 1 and speech.status().working, speech.status()
speech.close()
print(sorted(m for m in sys.modules if "pyttsx3" in m or "espeak" in m))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"
