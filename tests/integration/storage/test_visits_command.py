"""`kiosk visits` end to end: a seeded store, the printed table, CSV and .xlsx read back,
and one-line errors. Figures are those of visit_week.py, counted by hand there."""

from __future__ import annotations

import csv
import os
import stat
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from integration.storage.visit_week import GUEST_NAME, GUEST_SCHOOL, seed

from kiosk.cli import main
from kiosk.storage.db import open_store

WEEK = ["--from", "2026-03-30", "--to", "2026-04-05"]
CONFIG = """\
[kiosk]
library_name = "Perpustakaan Umum Bogor"
timezone = "Asia/Jakarta"
language = "id"

[visits]
holidays = ["2026-04-03"]

[guestbook.labels]
"purpose.makerspace" = { id = "Ruang kreatif", en = "Makerspace" }

[guestbook]
purposes = ["reading", "borrowing", "study", "research", "event", "internet", "makerspace", "other"]
"""


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    engine = open_store(folder / "kiosk.sqlite3")
    seed(engine)
    engine.dispose()
    (tmp_path / "kiosk.toml").write_text(CONFIG, encoding="utf-8")
    return folder


def visits(data: Path, *args: str) -> int:
    return main(
        ["visits", "--config", str(data.parent / "kiosk.toml"), "--data-dir", str(data), *args]
    )


def test_the_table_shows_guest_book_and_gate_side_by_side_with_the_note(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert visits(data, *WEEK, "--by", "quarter", "--language", "en") == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == (
        "Visits at Perpustakaan Umum Bogor: 2026-03-30 to 2026-04-05 (time zone Asia/Jakarta)"
    )
    assert lines[1].startswith("Note: the gate counts everyone who walked in, guest-book")
    rows: dict[str, list[str]] = {}
    for line in lines:  # the period table's rows; the breakdowns have "Total" rows too
        if line.startswith(("2026-Q", "Total")):
            rows.setdefault(line.split()[0], line.split()[1:])
    # members, non-members, group visits, people in groups, visitors, opening days,
    # visitors per opening day, gate in, gate in per opening day, alarms, members scanned
    # at the gate (no guest-book entry: apart from the guest book's members and visitors)
    assert rows["2026-Q1"] == ["1", "0", "0", "0", "1", "2", "0.5", "5", "2.5", "0", "0"]
    assert rows["2026-Q2"] == ["0", "2", "1", "31", "33", "4", "8.2", "48", "12.0", "2", "1"]
    assert rows["Total"] == ["1", "2", "1", "31", "34", "6", "5.7", "53", "8.8", "2", "1"]
    assert "Makerspace" in out  # a library's own code, with its configured label
    assert GUEST_NAME not in out and GUEST_SCHOOL not in out and "Bu Guru" not in out


def test_without_from_the_range_starts_on_the_first_day_recorded(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # It once started on 1 January: a store of one week averaged over months of no use.
    # The week's first visit is at 23:59 local time on Sunday 29 March (visit_week.py).
    assert visits(data, "--to", "2026-04-05", "--by", "year", "--language", "en") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "Visits at Perpustakaan Umum Bogor: 2026-03-29 to 2026-04-05 (time zone Asia/Jakarta)"
    )
    assert lines[1] == (
        "From the first day anything was recorded here; --from chooses another start."
    )
    total = next(line.split()[1:] for line in lines if line.startswith("Total"))
    # 35 visitors on 7 opening days (the WEEK's 6 and Sunday 29 March, open since it has a
    # visit), 5.0 a day; from 1 January it was 82 days
    assert total == ["2", "2", "1", "31", "35", "7", "5.0", "53", "7.6", "2", "1"]
    args = ("--to", "2026-04-05", "--by", "year", "--language", "en")
    assert visits(data, "--from", "2026-01-01", *args) == 0
    given = capsys.readouterr().out.splitlines()
    assert given[0].endswith(": 2026-01-01 to 2026-04-05 (time zone Asia/Jakarta)")
    assert given[1].startswith("Note: ")  # as given: no line about the first day
    total = next(line.split()[1:] for line in given if line.startswith("Total"))
    assert total[5] == "82"  # opening days from 1 January, as asked


def test_indonesian_headings_and_decimal_commas(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert visits(data, *WEEK, "--by", "year") == 0
    out = capsys.readouterr().out
    assert "Catatan: gerbang menghitung semua orang yang masuk" in out
    assert "Tidak ditanyakan / tidak dijawab" in out
    total = next(line for line in out.splitlines() if line.startswith("Jumlah  "))
    assert total.split()[1:] == ["1", "2", "1", "31", "34", "6", "5,7", "53", "8,8", "2", "1"]


def test_csv_is_utf8_with_a_bom_and_reads_back_with_breakdown_columns(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "kunjungan.csv"
    assert visits(data, *WEEK, "--by", "day", "--language", "en", "--csv", str(target)) == 0
    assert f"Written: {target}" in capsys.readouterr().out
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert [row["Period"] for row in rows] == [
        *(f"2026-03-{d}" for d in (30, 31)),
        *(f"2026-04-0{d}" for d in range(1, 6)),
        "Total",
    ]
    first_april = rows[2]
    assert first_april["Guest book: visitors"] == "32"
    assert first_april["Gate: people in (guest-book visitors included)"] == "48"
    assert first_april["Gate: alarms"] == "2"
    assert first_april["Sex: Male"] == "12" and first_april["Sex: Female"] == "16"
    assert first_april["Sex: Not asked / not answered"] == "4"
    good_friday = rows[4]
    assert (
        good_friday["Opening days"] == "0"
        and good_friday["Guest book: visitors per opening day"] == ""
    )
    assert rows[-1]["Guest book: visitors per opening day"] == "5.7"
    saturday = rows[5]  # the member whose card the gate's scanner read: not a guest-book entry
    assert saturday["Guest book: members"] == "0" and saturday["Guest book: visitors"] == "0"
    assert saturday["Gate card scans: members (counted in gate people in)"] == "1"
    assert rows[-1]["Purpose of the visit: Makerspace"] == "0"
    assert GUEST_NAME not in raw.decode("utf-8-sig")


def test_xlsx_has_the_sheets_a_librarian_hands_upward(data: Path, tmp_path: Path) -> None:
    target = tmp_path / "kunjungan.xlsx"
    assert visits(data, *WEEK, "--xlsx", str(target)) == 0
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Ringkasan", "Per bulan", "Per hari", "Per jam", "Rincian"]
    summary = book["Ringkasan"]
    assert summary["A2"].value.startswith("Catatan: gerbang menghitung")
    header = [cell.value for cell in summary[4]]
    assert header[:4] == ["Periode", "Dari", "Sampai", "Buku tamu: anggota"]
    gate = header.index("Gerbang: orang masuk (termasuk pengunjung buku tamu)")
    visitors = header.index("Buku tamu: jumlah pengunjung")
    rows = {row[0]: row for row in summary.iter_rows(min_row=5, values_only=True)}
    assert set(rows) == {"2026-Q1", "2026-Q2", "2026", "Jumlah"}
    assert (rows["2026-Q1"][visitors], rows["2026-Q1"][gate]) == (1, 5)
    assert (rows["2026-Q2"][visitors], rows["2026-Q2"][gate]) == (33, 48)
    scans = header.index("Gerbang: anggota yang memindai kartu (sudah terhitung di orang masuk)")
    assert (rows["2026-Q2"][header.index("Buku tamu: anggota")], rows["2026-Q2"][scans]) == (0, 1)
    assert rows["Jumlah"][header.index("Buku tamu: pengunjung per hari buka")] == 5.7
    hours = {row[0]: row for row in book["Per jam"].iter_rows(min_row=5, values_only=True)}
    assert hours["09"][1:5] == (0, 0, 1, 31)
    breakdowns = [row for row in book["Rincian"].iter_rows(values_only=True) if row[0]]
    sex = breakdowns.index(("Jenis kelamin", None, None, None, None))
    assert breakdowns[sex + 1 : sex + 4] == [
        ("Laki-laki", 0, 12, 12, 35.3),
        ("Perempuan", 0, 16, 16, 47.1),
        ("Tidak ditanyakan / tidak dijawab", 1, 5, 6, 17.6),
    ]
    every_cell = [
        str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
    ]
    assert not any(GUEST_NAME in cell or GUEST_SCHOOL in cell for cell in every_cell)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01"], "kiosk visits: --from: not a date '2026-13-01'; use YYYY-MM-DD"),
        (["--to", "31/03/2026"], "kiosk visits: --to: not a date '31/03/2026'; use YYYY-MM-DD"),
        (
            ["--from", "2026-04-05", "--to", "2026-03-30"],
            "kiosk visits: --from 2026-04-05 is after --to 2026-03-30; swap them",
        ),
    ],
)
def test_bad_dates_are_one_line_and_exit_2(
    data: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert visits(data, *args) == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == message and captured.out == ""


def test_a_missing_store_is_one_line_exit_1_and_is_not_created(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "elsewhere"
    assert visits(empty, *WEEK) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"kiosk visits: no store at {empty / 'kiosk.sqlite3'}: ")
    assert "\n" not in err and not empty.exists()


@pytest.mark.parametrize(("what", "kind"), [("fifo", "a FIFO"), ("dev-zero", "a device")])
def test_a_store_that_is_a_fifo_or_a_link_to_dev_zero_is_named_in_one_line(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], what: str, kind: str
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    store = folder / "kiosk.sqlite3"
    if what == "fifo":
        os.mkfifo(store)
    else:
        store.symlink_to("/dev/zero")
    (tmp_path / "kiosk.toml").write_text(CONFIG, encoding="utf-8")
    assert visits(folder, *WEEK) == 1
    captured = capfd.readouterr()
    assert captured.err == (
        f"kiosk visits: store {store} is unusable (it is {kind}, not a regular file); kiosk "
        "run and kiosk gate refuse it too: remove it, and their next start makes a new store\n"
    )
    assert captured.out == ""


def test_the_real_command_prints_no_log_line_beside_the_report_or_its_error(
    data: Path, tmp_path: Path
) -> None:
    # A subprocess: in-process, pytest's own log handlers stand where the command's would.
    def command(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
        config = ["--config", str(tmp_path / "kiosk.toml"), "--data-dir", str(folder)]
        return subprocess.run(
            [sys.executable, "-m", "kiosk", "visits", *config, *WEEK, *args],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    good = command(data)
    assert good.returncode == 0 and good.stderr == ""  # no "INFO ...: kiosk store ready at"
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    refused = command(data, "--csv", str(fifo))
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.startswith(f"kiosk visits: cannot write {fifo}: it is a FIFO")
    assert refused.stderr.count("\n") == 1


@pytest.mark.parametrize("kind", ["--csv", "--xlsx"])
def test_an_unwritable_output_is_one_line_exit_1_and_leaves_nothing(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    blocker = folder / "not-a-folder"
    blocker.write_text("a file where a folder is expected\n", encoding="utf-8")
    target = blocker / "visits.out"
    assert visits(data, *WEEK, kind, str(target)) == 1
    err = capsys.readouterr().err.strip()
    assert err == (
        f"kiosk visits: cannot write {target} (Not a directory); choose a folder you may write to"
    )
    assert sorted(path.name for path in folder.iterdir()) == ["not-a-folder"]


def test_a_failed_write_leaves_the_previous_file_whole(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "visits.xlsx"
    target.write_bytes(b"last quarter's report")

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("openpyxl.Workbook.save", full_disk)
    assert visits(data, *WEEK, "--xlsx", str(target)) == 1
    assert "(No space left on device)" in capsys.readouterr().err
    assert target.read_bytes() == b"last quarter's report"
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".visits-")] == []


def test_an_output_in_a_missing_folder_or_onto_a_folder_is_one_line_exit_1(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert visits(data, *WEEK, "--csv", str(tmp_path / "no" / "such" / "v.csv")) == 1
    assert "(No such file or directory)" in capsys.readouterr().err
    assert visits(data, *WEEK, "--xlsx", str(tmp_path)) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"kiosk visits: cannot write {tmp_path}: it is a folder; give a file name"


@pytest.mark.parametrize("kind", ["--csv", "--xlsx"])
def test_an_output_that_is_a_fifo_or_a_symlink_is_refused_and_left_untouched(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    # As root, `--csv /dev/full` once replaced the device with a regular file: the
    # finished file is renamed over the path, so a node that is not a file is refused.
    fifo = tmp_path / "pipe.out"
    os.mkfifo(fifo)
    assert visits(data, *WEEK, kind, str(fifo)) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == (
        f"kiosk visits: cannot write {fifo}: it is a FIFO, not a file, left alone; give a file name"
    )
    assert captured.out == "" and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    report = tmp_path / "report.out"
    report.write_bytes(b"last quarter's report")
    link = tmp_path / "link.out"
    link.symlink_to(report)
    assert visits(data, *WEEK, kind, str(link)) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"kiosk visits: cannot write {link}: it is a symbolic link, left alone")
    assert "\n" not in err and link.is_symlink() and report.read_bytes() == b"last quarter's report"
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".visits-")] == []


def test_a_refused_xlsx_leaves_no_csv_written_before_it(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    assert visits(data, *WEEK, "--csv", str(tmp_path / "v.csv"), "--xlsx", str(fifo)) == 1
    assert "it is a FIFO" in capsys.readouterr().err
    assert not (tmp_path / "v.csv").exists()


@pytest.mark.parametrize(
    ("visits_section", "message"),
    [
        (
            'holidays = ["2026-02-30"]',
            "[visits] holidays: not a date: '2026-02-30'; use YYYY-MM-DD",
        ),
        ('opening_days = ["senin"]', "[visits] opening_days: use only weekday names in English"),
    ],
)
def test_a_bad_visits_section_is_a_config_error_exit_2(
    data: Path, capsys: pytest.CaptureFixture[str], visits_section: str, message: str
) -> None:
    (data.parent / "kiosk.toml").write_text(f"[visits]\n{visits_section}\n", encoding="utf-8")
    assert visits(data, *WEEK) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
