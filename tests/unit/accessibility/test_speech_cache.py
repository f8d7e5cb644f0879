"""The WAV cache: keys, privacy, the size cap (least recently used first), personal audio."""

from __future__ import annotations

import os
from pathlib import Path

from accessibility.speech.cache import PERSONAL, SpeechCache, key


def put(cache: SpeechCache, wav_key: str, size: int, *, personal: bool = False) -> Path:
    path = cache.target(wav_key, personal=personal)
    path.write_bytes(b"\0" * size)
    cache.added(wav_key, path)
    return path


def test_the_key_changes_with_text_voice_rate_and_volume() -> None:
    base = key("satu dua", "poz/id", 175, 0.85)
    others = {
        key("satu tiga", "poz/id", 175, 0.85),
        key("satu dua", "gmw/en", 175, 0.85),
        key("satu dua", "poz/id", 150, 0.85),
        key("satu dua", "poz/id", 175, 1.0),
    }
    assert base not in others and len(others) == 4
    assert key("satu dua", "poz/id", 175, 0.85) == base


def test_folders_and_files_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "speech-cache"
    folder.mkdir(mode=0o755)
    loose = folder / f"{key('a', 'poz/id', 175, 1.0)}.wav"
    loose.write_bytes(b"x")
    loose.chmod(0o644)
    cache = SpeechCache(folder, 1000)
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert oct(loose.stat().st_mode & 0o777) == "0o600"
    personal = put(cache, "k", 10, personal=True)
    assert oct(personal.parent.stat().st_mode & 0o777) == "0o700"
    assert oct((folder / PERSONAL).stat().st_mode & 0o777) == "0o700"


def test_past_the_cap_the_least_recently_used_go_first(tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path, cap_bytes=1000)
    paths = {name: put(cache, name, 300) for name in ("a", "b", "c")}
    for age, name in enumerate(("a", "b", "c")):  # a oldest, c newest
        os.utime(paths[name], (1000 + age, 1000 + age))
    cache = SpeechCache(tmp_path, cap_bytes=1000)  # the order is read back from disk
    assert cache.lookup("a") is not None  # a used now: b is the oldest
    put(cache, "d", 300)  # 1200 > 1000: evict down to 900
    assert cache.lookup("b") is None and not paths["b"].exists()
    assert all(cache.lookup(name) is not None for name in ("a", "c", "d"))
    assert cache.total_bytes == 900


def test_personal_audio_is_not_cached_for_long(tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path, cap_bytes=10_000)
    path = put(cache, "mine", 100, personal=True)
    assert cache.lookup("mine", personal=True) == path
    assert cache.lookup("mine") is None and cache.total_bytes == 0
    cache.reset()
    assert cache.personal_files() == [] and not path.exists()
    assert cache.lookup("mine", personal=True) is None
    put(cache, "next", 100, personal=True)  # the next session has a folder again
    assert len(cache.personal_files()) == 1


def test_a_killed_kiosk_leaves_no_personal_audio_or_half_files(tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path, cap_bytes=10_000)
    put(cache, "mine", 100, personal=True)
    (tmp_path / ".x.wav.123.part").write_bytes(b"half")
    SpeechCache(tmp_path, cap_bytes=10_000)  # the next start
    assert not (tmp_path / PERSONAL).exists()
    assert not (tmp_path / ".x.wav.123.part").exists()
