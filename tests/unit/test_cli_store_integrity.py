"""`kiosk run` refuses a store, demo library or key file it cannot trust, in one line.

GIVEN a data folder whose kiosk store was damaged by hand (a table or column dropped, a
page overwritten), another program's SQLite file in the place of the store or the demo
library, a FIFO or device in the place of a data file, or a read-only data folder, WHEN
the real `kiosk run` starts, THEN it exits 1 with one line naming the file and what is
wrong, without hanging (the run has a time and a memory limit), and without lending a
single book it could not record. An empty or missing file is a first start, and a loose
card-hash key is made 0600.
"""

from __future__ import annotations

import os
import resource
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.ils.local import LocalIls
from kiosk.storage.db import open_store
from kiosk.storage.pin_failures import KEY_FILE, load_or_create_key

STORE = "kiosk.sqlite3"
LIBRARY = "demo-library.sqlite3"
MEMORY_LIMIT = 3 * 1024**3  # a read of /dev/zero must fail, not take the machine down


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_kiosk(
    data_dir: Path, tmp_path: Path, prefix: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real `kiosk run`, headless, ending after its first frame (or failing in 90 s)."""
    env = {**os.environ, "KIVY_HOME": str(tmp_path / "kivy"), "SDL_VIDEODRIVER": "offscreen"}
    env.pop("KIOSK_CONFIG", None)
    env.pop("KIOSK_DATA_DIR", None)
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "kiosk", "run", "--headless",
         "--data-dir", str(data_dir), "--scanner", "", "--exit-after-first-frame"],
        capture_output=True, text=True, env=env, timeout=90, stdin=subprocess.DEVNULL,
        check=False, preexec_fn=_limit_memory,
    )  # fmt: skip


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a refused start (asserting exit 1 and exactly one line)."""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("kiosk: ")
    return lines[0]


def healthy(tmp_path: Path) -> Path:
    """A data folder as a first start leaves it: store, demo library and key."""
    data = tmp_path / "data"
    open_store(data / STORE).dispose()
    LocalIls.open(data / LIBRARY).close()
    load_or_create_key(data / KEY_FILE)
    return data


def _sql(path: Path, statement: str) -> None:
    connection = sqlite3.connect(path)
    try:
        connection.execute(statement)
        connection.commit()
    finally:
        connection.close()


def _drop_loans(store: Path) -> None:
    _sql(store, "DROP TABLE loans")


def _drop_attempts(store: Path) -> None:
    _sql(store, "ALTER TABLE outbox_events DROP COLUMN attempts")


def _garbage_over_loans(store: Path) -> None:
    """Loans spread over many pages, then garbage over the last one (a loans leaf page)."""
    connection = sqlite3.connect(store)
    try:
        connection.executemany(
            "INSERT INTO loans (event_id, kiosk_id, patron_barcode, item_barcode, title, "
            "author, due, checked_out_at) VALUES (?, 'k1', '20000000000001', ?, ?, 'A', "
            "'2026-12-01', '2026-11-17 10:00:00.000000')",
            [(f"e{n:05d}", f"3{n:013d}", "A title " * 20) for n in range(400)],
        )
        connection.commit()
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    finally:
        connection.close()
    data = bytearray(store.read_bytes())
    last = len(data) - page_size
    data[last + 8 : last + page_size] = b"\xa5" * (page_size - 8)
    store.write_bytes(bytes(data))


def _foreign(store: Path) -> None:
    store.unlink()
    _sql(store, "CREATE TABLE foo(x)")


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (_drop_loans, "has no table loans"),
        (_drop_attempts, "has no column attempts in table outbox_events"),
        (_garbage_over_loans, "is damaged"),
        (_foreign, "is not a kiosk database"),
    ],
    ids=["dropped-table", "dropped-column", "garbage-page", "foreign-file"],
)
def test_a_store_it_cannot_trust_is_refused_at_start(
    tmp_path: Path, damage: Callable[[Path], None], expected: str
) -> None:
    data = healthy(tmp_path)
    store = data / STORE
    damage(store)
    line = one_line(run_kiosk(data, tmp_path))
    assert line.startswith(f"kiosk: cannot open the local database: Kiosk store {store} ")
    assert expected in line
    assert "move the file aside" in line


def test_a_foreign_file_as_demo_library_is_refused_not_taken_over(tmp_path: Path) -> None:
    data = healthy(tmp_path)
    library = data / LIBRARY
    library.unlink()
    _sql(library, "CREATE TABLE foo(x)")
    line = one_line(run_kiosk(data, tmp_path))
    assert line.startswith(f"kiosk: cannot open the library system: demo library at {library}")
    assert "is not a demo library" in line
    connection = sqlite3.connect(library)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    finally:
        connection.close()
    assert tables == {"foo"}  # nothing of the demo library was added to it


def test_empty_store_and_library_files_are_a_first_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / STORE).touch()
    (data / LIBRARY).touch()
    result = run_kiosk(data, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (data / STORE).stat().st_size > 0
    assert (data / LIBRARY).stat().st_size > 0


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (STORE, "cannot open the local database: Kiosk store file"),
        (STORE + "-wal", "cannot open the local database: Kiosk store file"),
        (LIBRARY, "cannot open the library system: demo library at"),
        (KEY_FILE, "cannot open the local database: cannot create or read the card-hash key"),
    ],
    ids=["store", "store-wal", "demo-library", "key"],
)
def test_a_fifo_in_place_of_a_data_file_is_refused_without_hanging(
    tmp_path: Path, name: str, expected: str
) -> None:
    data = healthy(tmp_path)
    fifo = data / name
    fifo.unlink(missing_ok=True)
    os.mkfifo(fifo)
    line = one_line(run_kiosk(data, tmp_path))
    assert expected in line
    assert str(fifo) in line
    assert "it is a FIFO, not a regular file" in line
    assert "receipts" not in line  # a FIFO holds none: "remove it", not "keep it"


def test_a_key_linked_to_dev_zero_is_refused_without_reading_it(tmp_path: Path) -> None:
    data = healthy(tmp_path)
    key = data / KEY_FILE
    key.unlink()
    key.symlink_to("/dev/zero")
    line = one_line(run_kiosk(data, tmp_path))
    assert f"cannot create or read the card-hash key {key}" in line
    assert "it is a device, not a regular file" in line


def test_a_loose_card_hash_key_is_made_private(tmp_path: Path) -> None:
    data = healthy(tmp_path)
    key = data / KEY_FILE
    before = key.read_bytes()
    key.chmod(0o666)
    result = run_kiosk(data, tmp_path)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_bytes() == before  # the same key: wrong-PIN counts still match


def test_a_key_symlinked_elsewhere_does_not_change_the_target_mode(tmp_path: Path) -> None:
    data = healthy(tmp_path)
    key = data / KEY_FILE
    elsewhere = tmp_path / "shared.key"
    shutil.move(key, elsewhere)
    elsewhere.chmod(0o644)
    key.symlink_to(elsewhere)
    assert len(load_or_create_key(key)) == 32
    assert stat.S_IMODE(elsewhere.stat().st_mode) == 0o644


def _read_only_prefix(folder: Path) -> list[str]:
    """A command prefix under which ``folder`` exists and cannot be written in."""
    if os.geteuid() != 0:
        folder.chmod(0o500)
        return []
    if (
        shutil.which("unshare") is None
        or subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False).returncode
    ):
        pytest.skip("root without mount namespaces: cannot make a read-only folder")
    # Root writes through permissions, so a private read-only mount is the only way.
    script = f'mount -t tmpfs -o ro,size=64k tmpfs "{folder}" && exec "$0" "$@"'
    return ["unshare", "-m", "sh", "-c", script]


def test_an_existing_read_only_data_folder_is_not_writable_not_uncreatable(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    prefix = _read_only_prefix(data)
    try:
        line = one_line(run_kiosk(data, tmp_path, prefix))
    finally:
        data.chmod(0o700)
    assert line.startswith(f"kiosk: data folder {data} is not writable")
    assert "cannot create" not in line
