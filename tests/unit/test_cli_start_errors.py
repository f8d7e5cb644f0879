"""`kiosk run` that cannot start says so in exactly one line and exits 1 (2 for a config).

GIVEN a data folder or file the kiosk cannot use (a damaged, truncated, foreign or newer
demo library, a full disk, a data folder that is a file or under /proc, a Kivy settings
folder that is a file), WHEN the real `kiosk run` starts, THEN a technician reads one line
naming the file and what to do, no traceback, and no other chatter on stderr.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from kiosk.ils.local import LocalIls
from kiosk.ils.local.backend import SCHEMA_VERSION


def run_kiosk(
    data_dir: Path, tmp_path: Path, preexec: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KIVY_HOME": str(tmp_path / "kivy"), "SDL_VIDEODRIVER": "offscreen"}
    env.pop("KIOSK_CONFIG", None)
    env.pop("KIOSK_DATA_DIR", None)
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "run", "--headless", "--data-dir", str(data_dir),
         "--scanner", "", "--exit-after-first-frame"],
        capture_output=True, text=True, env=env, timeout=120, stdin=subprocess.DEVNULL,
        check=False, preexec_fn=preexec,
    )  # fmt: skip


def one_line(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    """The single stderr line of a refused start (asserting there is exactly one)."""
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("kiosk: ")
    return lines[0]


def test_a_library_that_cannot_be_opened_is_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "demo-library.sqlite3").mkdir(parents=True)
    line = one_line(run_kiosk(data, tmp_path))
    assert line.startswith("kiosk: cannot open the library system: demo library at ")
    assert "kiosk demo reset" in line


def test_a_store_that_cannot_be_opened_is_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "kiosk.sqlite3").mkdir(parents=True)
    line = one_line(run_kiosk(data, tmp_path))
    assert line.startswith("kiosk: cannot open the local database: Kiosk store")


# --- damaged demo library files ---------------------------------------------------------


def _garbage(path: Path) -> None:
    path.write_bytes(b"not a database at all\n" * 300)


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _damaged_page(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = (len(data) // 4096 // 2) * 4096
    data[middle + 8 : middle + 4096] = b"\xa5" * (4096 - 8)
    path.write_bytes(bytes(data))


def _foreign_schema(path: Path) -> None:
    path.unlink()
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE patrons (id INTEGER PRIMARY KEY, card TEXT)"))
    engine.dispose()


def _dropped_table(path: Path) -> None:
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE loans"))
    engine.dispose()


def _newer_version(path: Path) -> None:
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE meta SET value = :v WHERE key = 'schema_version'"),
            {"v": str(SCHEMA_VERSION + 1)},
        )
    engine.dispose()


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (_garbage, "file is not a database"),
        (_truncated, "demo library at"),
        (_damaged_page, "is damaged"),
        (_foreign_schema, "table patrons has no column"),
        (_newer_version, f"schema version '{SCHEMA_VERSION + 1}'"),
        (_dropped_table, "its table loans is missing"),
    ],
    ids=["garbage", "truncated", "damaged-page", "wrong-schema", "newer-version", "dropped-table"],
)
def test_a_damaged_demo_library_is_one_line(
    tmp_path: Path, damage: Callable[[Path], None], expected: str
) -> None:
    data = tmp_path / "data"
    library = data / "demo-library.sqlite3"
    LocalIls.open(library).close()
    damage(library)
    line = one_line(run_kiosk(data, tmp_path))
    assert line.startswith(f"kiosk: cannot open the library system: demo library at {library}")
    assert expected in line
    assert "kiosk demo reset" in line


# --- the data folder and the disk -------------------------------------------------------


def _no_file_may_grow() -> None:
    """A full disk for this process only, without root: RLIMIT_FSIZE of 0 bytes.

    Every write(2) that would grow a file fails (EFBIG, as ENOSPC on a full disk; Python
    ignores SIGXFSZ), so SQLite and Kivy meet a failing write at the same points as on a
    full disk. Only the errno and SQLite's wording differ ("disk I/O error" instead of
    "database or disk is full"); the next test checks the real thing where it can mount.
    """
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def test_a_full_disk_on_first_start_is_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    line = one_line(run_kiosk(data, tmp_path, preexec=_no_file_may_grow))
    assert "kiosk.sqlite3" in line and "disk I/O error" in line


def test_a_full_tmpfs_on_first_start_is_one_line(tmp_path: Path) -> None:
    """The same on a real full file system, where this machine allows mounting one."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", str(mount_point)],
        capture_output=True, check=False,
    )  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root outside a container)")
    try:
        line = one_line(run_kiosk(mount_point / "data", tmp_path))
        assert "database or disk is full" in line
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


def test_verbose_shows_the_log_held_back_before_the_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    library = data / "demo-library.sqlite3"
    LocalIls.open(library).close()
    _garbage(library)
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen"}
    env.pop("KIOSK_CONFIG", None)
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "-v", "run", "--headless", "--data-dir", str(data),
         "--scanner", "", "--exit-after-first-frame"],
        capture_output=True, text=True, env=env, timeout=120, stdin=subprocess.DEVNULL,
        check=False,
    )  # fmt: skip
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert any("kiosk store ready" in line for line in lines[:-1]), result.stderr
    assert lines[-1].startswith("kiosk: cannot open the library system: demo library at ")


def test_a_data_folder_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.write_text("not a folder\n")
    line = one_line(run_kiosk(data, tmp_path))
    assert line == (
        f"kiosk: data folder {data} is a file, not a folder; choose another folder with "
        "--data-dir or move the file aside"
    )


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("under", ["/proc/kiosk-data", "/proc/self/kiosk-data", "/sys/kiosk"])
def test_a_data_folder_under_proc_or_sys_is_one_line(tmp_path: Path, under: str) -> None:
    line = one_line(run_kiosk(Path(under), tmp_path))
    assert line.startswith(f"kiosk: data folder {under} is on the kernel's ")
    assert "choose a folder on a local disk" in line


def test_a_kivy_folder_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "kivy").write_text("not a folder\n")
    line = one_line(run_kiosk(data, tmp_path))
    assert line == (
        f"kiosk: Kivy's settings folder {data / 'kivy'} is a file, not a folder; "
        "move the file aside"
    )


def test_a_config_of_500_nested_brackets_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("a = " + "[" * 500 + "\n")
    env = {**os.environ, "KIOSK_CONFIG": str(path)}
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "run", "--headless", "--data-dir", str(tmp_path / "d")],
        capture_output=True, text=True, env=env, timeout=120, stdin=subprocess.DEVNULL,
        check=False,
    )  # fmt: skip
    line = one_line(result, code=2)
    assert (
        line == f"kiosk: config error: {path}: not valid TOML (arrays or tables nested too deeply)"
    )
