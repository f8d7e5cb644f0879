"""Synthesised WAVs on disk, keyed by what was said and how, private and bounded.

Layout, under the cache folder (``speech-cache/`` in the kiosk's data folder):

* ``<key>.wav``: the lasting cache. ``key`` is a SHA-256 of (normalised text, voice,
  rate, volume, :data:`FORMAT`), so a change of any of them is another file. Least
  recently used files are deleted once the total passes the cap (``[speech] cache_mb``);
  a hit touches the file's mtime, so the order survives a restart.
* ``personal/<n>/<key>.wav``: a patron's utterances (titles, due dates, fines) of the
  current session ``n``. Never in the lasting cache; deleted by :meth:`SpeechCache.reset`
  (the session ended) and at start (a killed kiosk's leftovers).

Folders are 0700 and files 0600 (the synthesiser process writes with umask 077; this
module tightens what it finds): personal audio is a patron's data, and even the fixed
prompts say which screens were used.

Thread-safe: the speech thread and the pre-rendering thread share one cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
import threading
from pathlib import Path

DIR_MODE, FILE_MODE = 0o700, 0o600
FORMAT = 1
"""Bump when the audio for the same key would change (another synthesiser, format)."""
PERSONAL = "personal"
SUFFIX = ".wav"
EVICT_TO = 0.9
"""After passing the cap, evict down to this fraction of it, so eviction is not per file."""


def key(text: str, voice: str, rate: int, volume: float) -> str:
    """The cache key of one rendering: hex SHA-256 of what determines the audio."""
    data = json.dumps([FORMAT, text, voice, rate, round(volume, 3)], ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _private_dir(path: Path) -> None:
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _tighten(path, DIR_MODE)


def _tighten(path: Path, mode: int) -> None:
    """chmod ``path`` to ``mode`` if it is ours and not a symlink (as kiosk/storage/private)."""
    with contextlib.suppress(FileNotFoundError):
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode) or st.st_uid != os.geteuid():
            return
        if stat.S_IMODE(st.st_mode) != mode:
            os.chmod(path, mode)


class SpeechCache:
    """WAV files by key, in ``folder``, at most ``cap_bytes`` in the lasting part.

    Raises (constructor):
        OSError: the folder cannot be created.
    """

    def __init__(self, folder: Path, cap_bytes: int) -> None:
        self.folder = folder
        self.cap_bytes = cap_bytes
        self._lock = threading.Lock()
        self._session = 0
        _private_dir(folder)
        # Personal audio left by a kiosk that was killed: its sessions are over.
        shutil.rmtree(folder / PERSONAL, ignore_errors=True)
        self._sizes: dict[str, int] = {}
        self._used: dict[str, float] = {}
        for entry in os.scandir(folder):
            name = entry.name
            if name.startswith("."):  # the sound check, renderings cut short by a kill
                if name.endswith(".part"):
                    Path(entry.path).unlink(missing_ok=True)
                continue
            if entry.is_file(follow_symlinks=False) and name.endswith(SUFFIX):
                _tighten(Path(entry.path), FILE_MODE)
                st = entry.stat(follow_symlinks=False)
                self._sizes[name[: -len(SUFFIX)]] = st.st_size
                self._used[name[: -len(SUFFIX)]] = st.st_mtime
        self._total = sum(self._sizes.values())
        self._evict()

    @property
    def total_bytes(self) -> int:
        """Bytes in the lasting cache."""
        return self._total

    def lookup(self, wav_key: str, *, personal: bool = False) -> Path | None:
        """The WAV for ``wav_key`` if it is there (a lasting hit also marks it used)."""
        with self._lock:
            path = self._path(wav_key, personal)
            if personal:
                return path if path.is_file() else None
            if wav_key not in self._sizes:
                return None
            try:
                os.utime(path)
            except FileNotFoundError:  # deleted behind our back: a miss
                self._forget(wav_key)
                return None
            self._used[wav_key] = os.stat(path).st_mtime
            return path

    def target(self, wav_key: str, *, personal: bool = False) -> Path:
        """Where to render ``wav_key`` (its folder exists); :meth:`added` once written."""
        with self._lock:
            path = self._path(wav_key, personal)
            if personal:
                # One level at a time: mkdir(parents=True) gives the parents the umask's mode.
                _private_dir(path.parent.parent)
                _private_dir(path.parent)
            return path

    def added(self, wav_key: str, path: Path) -> None:
        """Note a rendered file; past the cap, evict the least recently used."""
        if path.parent != self.folder:
            return  # personal: not counted, deleted with its session
        try:
            st = path.stat()
        except FileNotFoundError:
            return
        with self._lock:
            self._total += st.st_size - self._sizes.get(wav_key, 0)
            self._sizes[wav_key] = st.st_size
            self._used[wav_key] = st.st_mtime
            self._evict()

    def discard(self, wav_key: str, *, personal: bool = False) -> None:
        """Delete a file found damaged, so that it is rendered again."""
        with self._lock:
            self._path(wav_key, personal).unlink(missing_ok=True)
            if not personal:
                self._forget(wav_key)

    def reset(self) -> None:
        """A session ended: its personal audio is deleted; the next session has a new folder.

        The folder is renamed away first (atomic), so the synthesiser process, if it is
        writing one of its files right now, fails to place it rather than leaving it behind.
        """
        with self._lock:
            old = self.folder / PERSONAL / str(self._session)
            self._session += 1
            gone = self.folder / PERSONAL / f".gone-{self._session}"
            try:
                os.rename(old, gone)
            except FileNotFoundError:
                return
        shutil.rmtree(gone, ignore_errors=True)

    def personal_files(self) -> list[Path]:
        """Every personal WAV on disk now (for tests and the technician)."""
        return sorted((self.folder / PERSONAL).rglob(f"*{SUFFIX}"))

    def clear_personal(self) -> None:
        """Delete all personal audio (the kiosk is shutting down)."""
        with self._lock:
            self._session += 1
        shutil.rmtree(self.folder / PERSONAL, ignore_errors=True)

    def _path(self, wav_key: str, personal: bool) -> Path:
        if personal:
            return self.folder / PERSONAL / str(self._session) / f"{wav_key}{SUFFIX}"
        return self.folder / f"{wav_key}{SUFFIX}"

    def _forget(self, wav_key: str) -> None:
        self._total -= self._sizes.pop(wav_key, 0)
        self._used.pop(wav_key, None)

    def _evict(self) -> None:
        if self._total <= self.cap_bytes:
            return
        goal = int(self.cap_bytes * EVICT_TO)
        for wav_key in sorted(self._used, key=self._used.__getitem__):
            if self._total <= goal:
                break
            (self.folder / f"{wav_key}{SUFFIX}").unlink(missing_ok=True)
            self._forget(wav_key)
