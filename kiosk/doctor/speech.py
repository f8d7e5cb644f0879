"""The voice: espeak-ng's voices for Indonesian and English, and the sound device.

Both use the speech service's own code: the ``speech voices`` check starts the same
synthesiser process the kiosk starts (pyttsx3 over libespeak-ng) and asks which voices
it offers (espeak-ng silently falls back to another voice for one it lacks, so rendering
alone cannot tell); the ``sound device`` check is the service's start-up sound check
(:func:`accessibility.speech.service.sound_check`: a moment of silence played with
``aplay`` on ``[speech] device``), and lists the sound cards ``aplay -l`` finds.
"""

from __future__ import annotations

import re
import subprocess

from kiosk.doctor.base import Check, Context, Finding, failed, one_line, passed

VOICES_TIMEOUT = 20.0
"""The synthesiser's own start-up bound is 15 s (pyttsx3's import on a busy machine)."""
SOUND_TIMEOUT = 8.0
"""The probe's playback is bounded by the player at its length + 3 s; ``aplay -l`` 2 s."""
LANGUAGE_NAMES = {"id": "Indonesian", "en": "English"}
_CARD = re.compile(r"^card (\d+): (\S+) \[([^\]]*)\]")


def checks(context: Context) -> list[Check]:
    """The ``speech voices`` and ``sound device`` checks (one line when speech is off)."""
    if not context.config.speech.enabled:
        return [Check("speech", _off, context.timeout)]
    return [
        Check(
            "speech voices",
            voices,
            max(context.timeout, VOICES_TIMEOUT),
            "check that `espeak-ng --voices` works as the kiosk's user (./dev installs it)",
        ),
        Check(
            "sound device",
            lambda: sound_device(context),
            max(context.timeout, SOUND_TIMEOUT),
            "check [speech] device (`aplay -L` lists the names) and the speakers",
        ),
    ]


def _off() -> Finding:
    return passed("off in the config ([speech] enabled = false): the kiosk does not speak")


def voices() -> Finding:
    """Start the synthesiser process and compare its voices with the kiosk's languages."""
    from accessibility.speech.prerender import VOICES
    from accessibility.speech.service import missing_voices
    from accessibility.speech.synthesiser import Synthesiser, SynthesisError

    synthesiser = Synthesiser()
    try:
        missing = missing_voices(synthesiser)
    except SynthesisError as err:  # already one line with what to do
        return Finding(False, one_line(str(err).removeprefix("speech: ")))
    finally:
        synthesiser.close()
    if missing:
        names = ", ".join(
            f"{voice} ({LANGUAGE_NAMES.get(lang, lang)})" for lang, voice in missing.items()
        )
        return failed(
            f"espeak-ng (through pyttsx3) has no voice {names}",
            "install the espeak-ng-data package (`espeak-ng --voices` lists the voices); "
            "without it that language is spoken with another language's voice",
        )
    have = ", ".join(
        f"{voice} ({LANGUAGE_NAMES.get(lang, lang)})" for lang, voice in VOICES.items()
    )
    return passed(f"espeak-ng through pyttsx3 offers {have}")


def sound_device(context: Context) -> Finding:
    """Play a moment of silence on ``[speech] device`` as the kiosk does at start."""
    from accessibility.speech.player import Outcome, Player
    from accessibility.speech.service import sound_check

    device = context.config.speech.device
    player = Player(device)
    try:
        result = sound_check(player, context.scratch)
    except OSError as err:
        return failed(
            f"cannot write the test sound ({err.strerror or err})",
            "check the free space and rights of the temporary folder ($TMPDIR)",
        )
    finally:
        player.close()
    cards = sound_cards()
    if result.outcome is Outcome.FINISHED:
        return passed(f"played a test sound (silence) on {device!r}; cards: {cards}")
    problem = one_line(result.problem or result.outcome.value, 300)
    return failed(
        f"cannot play on {device!r} (aplay: {problem}); cards: {cards}",
        "plug in the speakers or headphones, or set [speech] device to a name `aplay -L` lists",
    )


def sound_cards() -> str:
    """The sound cards ``aplay -l`` lists, for the line: "0 PCH [HDA Intel PCH], ...", or
    "none (aplay -l finds no sound card)"."""
    try:
        listed = subprocess.run(
            ["aplay", "-l"], capture_output=True, text=True, timeout=2.0, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"unknown (aplay -l: {one_line(str(err), 80)})"
    cards: dict[str, str] = {}
    for text in listed.stdout.splitlines():
        match = _CARD.match(text)
        if match:
            cards.setdefault(match[1], f"{match[1]} {match[2]} [{match[3]}]")
    if not cards:
        return "none (aplay -l finds no sound card)"
    return ", ".join(cards.values())
