"""``kiosk visits``: visit figures from the local store, for librarians who report upward.

Works with the central server down: it reads only the kiosk's (or gate's) own store.
Prints a table in the chosen language; ``--csv`` and ``--xlsx`` write the same figures
for a spreadsheet. Errors are one line: exit 2 for bad usage (dates), 1 for a missing or
unreadable store or an output file that cannot be written.

CSV: UTF-8 with a byte-order mark (Excel then reads Indonesian and configured labels as
UTF-8, not as the Windows code page), comma-separated, ``.`` decimals, one row per period
with a column per list and code: a table for programs. Excel set to Indonesian regional
settings expects ``;`` and decimal commas, so librarians should open the ``--xlsx`` file,
whose numbers are real numbers.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from zoneinfo import ZoneInfo

from kiosk.config import Config, safe

if TYPE_CHECKING:
    from kiosk.core.visit_tables import Cell, Table, VisitTables

MAX_DAYS = 3660
"""Longest range (ten years): a report is read by people, and its day rows stay bounded."""
_HEADER_WIDTH = 14


class VisitsError(Exception):
    """One line for the librarian; ``code`` is the exit code (2 usage, 1 store or file)."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def add_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Add ``kiosk visits`` to the command's subparsers (the caller adds --config)."""
    parser = commands.add_parser(
        "visits",
        help="visit figures from this kiosk's or gate's store (table, CSV, spreadsheet)",
        description=(
            "Print guest-book visits (members, non-members, groups and their people; by "
            "purpose, sex, age band, education and occupation) and the gate's counts side "
            "by side, per hour of the day, day, month, quarter or year in the library's time "
            "zone, with the average per opening day ([visits] opening_days). Reads only the "
            "local store: works while the central server is unreachable. --csv and --xlsx "
            "also write them to a file. No names or card numbers are ever shown."
        ),
    )
    parser.add_argument(
        "--data-dir", type=Path, help="the kiosk's or gate's data folder (default: as `kiosk run`)"
    )
    parser.add_argument(
        "--from",
        dest="first",
        metavar="YYYY-MM-DD",
        help="first day (default: the first day anything was recorded)",
    )
    parser.add_argument(
        "--to", dest="last", metavar="YYYY-MM-DD", help="last day, included (default: today)"
    )
    parser.add_argument(
        "--by",
        choices=("hour", "day", "month", "quarter", "year"),
        default="month",
        help="rows per hour of the day, day, month (default), quarter or year",
    )
    parser.add_argument(
        "--language", choices=("id", "en"), help="headings' language (default: [kiosk] language)"
    )
    parser.add_argument("--csv", type=Path, metavar="FILE", help="also write the rows as CSV")
    parser.add_argument(
        "--xlsx",
        type=Path,
        metavar="FILE",
        help="also write a spreadsheet: summary by quarter and year, months, days, hours, "
        "breakdowns",
    )
    return parser


def date_range(
    first: str | None, last: str | None, today: dt.date, recorded: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """The report's days from --from and --to.

    Without --from the range starts on ``recorded``, the first day anything was recorded
    (so days before the kiosk or gate was in use are not opening days of the average),
    kept within ten years of the end and not after it; with nothing recorded, on
    1 January of the end's year.

    Raises:
        VisitsError: not a date, the end before the start, or more than ten years (code 2).
    """
    end = _date("--to", last) if last else today
    if first:
        start = _date("--from", first)
    elif recorded is None:
        start = end.replace(month=1, day=1)
    else:
        start = max(min(recorded, end), end - dt.timedelta(days=MAX_DAYS - 1))
    if start > end:
        raise VisitsError(f"--from {start} is after --to {end}; swap them", 2)
    if (end - start).days >= MAX_DAYS:
        raise VisitsError(f"--from {start} to --to {end} is more than ten years; ask less", 2)
    return start, end


def _date(option: str, text: str) -> dt.date:
    try:
        if len(text) != 10:
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise VisitsError(f"{option}: not a date {safe(repr(text))}; use YYYY-MM-DD", 2) from None


def run(args: argparse.Namespace, config: Config, data_dir: Path, out: TextIO) -> int:
    """Run ``kiosk visits`` with parsed arguments; prints one line and returns 1 or 2 on error."""
    try:
        _report(args, config, data_dir, out)
    except VisitsError as err:
        print(f"kiosk visits: {err}", file=sys.stderr)
        return err.code
    return 0


def _report(args: argparse.Namespace, config: Config, data_dir: Path, out: TextIO) -> None:
    from kiosk.bootstrap import STORE_FILE
    from kiosk.core.files import NotRegularFile, check_regular
    from kiosk.core.i18n import Translator
    from kiosk.core.ports import StorageFailed
    from kiosk.core.visit_figures import FigureBuilder, Period
    from kiosk.core.visit_tables import VisitTables
    from kiosk.core.visits import catalogue_key
    from kiosk.storage.db import StoreError, open_store
    from kiosk.storage.visit_figures import first_recorded, read_figures

    for output in (args.csv, args.xlsx):  # before anything is read or written
        if output:
            _refuse_special(output, safe(str(output), limit=4096))
    zone = ZoneInfo(config.kiosk.timezone)
    today = dt.datetime.now(zone).date()
    date_range(args.first, args.last, today)  # bad dates are a usage error before the store
    language = args.language or config.kiosk.language
    path = data_dir / STORE_FILE
    shown = safe(str(path), limit=4096)
    try:
        exists = check_regular(path)
    except NotRegularFile as err:  # a FIFO would hang the open, /dev/zero be read forever
        raise VisitsError(
            f"store {shown} is unusable ({err.strerror}); kiosk run and kiosk gate refuse it "
            "too: remove it, and their next start makes a new store",
            1,
        ) from err
    except OSError as err:
        raise VisitsError(
            f"cannot look at the store {shown} ({err.strerror or err}); check the data "
            "folder's owner and rights",
            1,
        ) from err
    if not exists:
        raise VisitsError(
            f"no store at {shown}: nothing was recorded there; give the kiosk's or gate's "
            "--data-dir",
            1,
        )
    try:
        engine = open_store(path)
    except StoreError as err:
        raise VisitsError(str(err), 1) from err
    try:
        recorded = None if args.first else first_recorded(engine)
        first, last = date_range(
            args.first, args.last, today, recorded and recorded.astimezone(zone).date()
        )
        builder = FigureBuilder(zone, first, last)
        read_figures(engine, builder)
    except StorageFailed as err:
        raise VisitsError(f"{err} ({shown})", 1) from err
    finally:
        engine.dispose()
    holidays = [dt.date.fromisoformat(day) for day in config.visits.holidays]
    figures = builder.figures(config.visits.opening_days, holidays)
    policy = config.guestbook

    def label(name: str, code: str) -> str:
        text = policy.label(name, code, language)
        # A code stored earlier and since dropped from the config has no text: show it.
        return code if text == catalogue_key(name, code) else text

    tables = VisitTables(figures, Translator(language), label, policy.lists)
    by = Period(args.by)
    if args.csv:
        _write(args.csv, lambda stream: write_csv(tables.periods(by, breakdowns=True), stream))
    if args.xlsx:
        _write_binary(
            args.xlsx,
            lambda target: write_xlsx(
                tables, config.kiosk.library_name, config.kiosk.timezone, target
            ),
        )
    decimal = "," if language == "id" else "."
    lines = [tables.title(config.kiosk.library_name, config.kiosk.timezone)]
    if recorded is not None:  # say why the range starts there, and how to choose another
        lines.append(tables.range_recorded)
    lines += [tables.note, ""]
    lines += text_table(tables.periods(by, dates=False), decimal)
    for table in tables.breakdowns(None):
        lines += ["", table.title, *text_table(table, decimal)]
    for path_written in (args.csv, args.xlsx):
        if path_written:
            lines.append(tables.written(safe(str(path_written), limit=4096)))
    print("\n".join(lines), file=out)


def text_table(table: Table, decimal: str = ".") -> list[str]:
    """The table as aligned lines: headers wrapped into words, numbers to the right."""
    rows = [*table.rows, *([table.total] if table.total else [])]
    cells = [[_text(cell, decimal) for cell in row] for row in rows]
    heads = [_wrap(head) for head in table.header]
    widths = [
        max([len(line) for line in head] + [len(row[i]) for row in cells])
        for i, head in enumerate(heads)
    ]
    depth = max(len(head) for head in heads)
    lines = []
    for n in range(depth):
        parts = []
        for head, width in zip(heads, widths, strict=True):
            padded = [""] * (depth - len(head)) + head  # headers sit on the rule
            parts.append(padded[n].ljust(width))
        lines.append("  ".join(parts).rstrip())
    lines.append("  ".join("-" * width for width in widths))
    for row, raw in zip(cells, rows, strict=True):
        parts = [
            text.ljust(width) if isinstance(value, str) else text.rjust(width)  # numbers right
            for text, value, width in zip(row, raw, widths, strict=True)
        ]
        lines.append("  ".join(parts).rstrip())
    return lines


def _text(cell: Cell, decimal: str) -> str:
    if cell is None:
        return "-"
    if isinstance(cell, float):
        return f"{cell:.1f}".replace(".", decimal)
    return str(cell)


def _wrap(header: str) -> list[str]:
    lines: list[str] = []
    for word in header.split():
        if lines and len(lines[-1]) + 1 + len(word) <= _HEADER_WIDTH:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def write_csv(table: Table, stream: TextIO) -> None:
    """The table as CSV (header, rows, total), numbers with ``.`` decimals."""
    writer = csv.writer(stream)
    writer.writerow(table.header)
    for row in _all_rows(table):
        writer.writerow(["" if cell is None else cell for cell in row])


def _all_rows(table: Table) -> Iterator[Sequence[Cell]]:
    yield from table.rows
    if table.total:
        yield table.total


def write_xlsx(tables: VisitTables, library: str, zone: str, target: Path) -> None:
    """The spreadsheet a librarian hands upward: summary (quarters, years), months, days,
    hours and the breakdowns by quarter; each sheet starts with the title and the note."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from kiosk.core.visit_figures import Period

    book = Workbook()
    book.remove(book.worksheets[0])  # the default empty sheet
    bold = Font(bold=True)
    title = tables.title(library, zone)
    sheets: list[tuple[str, list[Table]]] = [
        (tables.summary().name, [tables.summary()]),
        *(
            (table.name, [table])
            for table in (
                tables.periods(period) for period in (Period.MONTH, Period.DAY, Period.HOUR)
            )
        ),
        (tables.breakdowns_name, tables.breakdowns(Period.QUARTER)),
    ]
    for name, group in sheets:
        sheet = book.create_sheet(name[:31])
        sheet.append([title])
        sheet["A1"].font = bold
        sheet.append([tables.note])
        widths: dict[int, int] = {}
        for table in group:
            sheet.append([])
            if len(group) > 1:
                sheet.append([table.title])
                sheet.cell(sheet.max_row, 1).font = bold
            sheet.append(list(table.header))
            for cell in sheet[sheet.max_row]:
                cell.font = bold
            if len(group) == 1:
                sheet.freeze_panes = f"B{sheet.max_row + 1}"  # a cell() call would add a row
            for row in _all_rows(table):
                sheet.append(list(row))
                for column, value in enumerate(row, start=1):
                    if isinstance(value, float):
                        sheet.cell(sheet.max_row, column).number_format = "0.0"
            if table.total:
                for cell in sheet[sheet.max_row]:
                    cell.font = bold
            for column, head in enumerate(table.header, start=1):
                widths[column] = max(widths.get(column, 8), min(len(head), 40) + 2)
        for column, width in widths.items():
            sheet.column_dimensions[get_column_letter(column)].width = width
    book.save(target)


def _write(path: Path, fill: Callable[[TextIO], None]) -> None:
    """Write a text file (UTF-8 with BOM) whole or not at all."""

    def text(target: Path) -> None:
        with target.open("w", encoding="utf-8-sig", newline="") as stream:
            fill(stream)

    _write_binary(path, text)


def _refuse_special(path: Path, shown: str) -> None:
    """Refuse an existing output path that is not a regular file, before anything is written.

    The file is renamed over its path when complete; over a device (``/dev/full``, as root),
    FIFO, socket or symlink that would replace the node itself, not write into it.
    """
    from kiosk.core.files import file_kind

    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return  # nothing there, or a bad folder: writing it says what is wrong
    if stat.S_ISDIR(mode):
        raise VisitsError(f"cannot write {shown}: it is a folder; give a file name", 1)
    if stat.S_ISLNK(mode):
        raise VisitsError(
            f"cannot write {shown}: it is a symbolic link, left alone; give the file it "
            "points to or a new name",
            1,
        )
    if not stat.S_ISREG(mode):
        raise VisitsError(
            f"cannot write {shown}: it is {file_kind(mode)}, not a file, left alone; "
            "give a file name",
            1,
        )


def _write_binary(path: Path, fill: Callable[[Path], None]) -> None:
    """Write ``path`` through a temporary file beside it, renamed over it when complete."""
    shown = safe(str(path), limit=4096)
    _refuse_special(path, shown)
    try:
        handle, temporary = tempfile.mkstemp(prefix=".visits-", dir=path.parent or ".")
    except OSError as err:
        raise VisitsError(
            f"cannot write {shown} ({err.strerror or err}); choose a folder you may write to", 1
        ) from err
    os.close(handle)
    try:
        fill(Path(temporary))
        mask = os.umask(0o022)  # read and put back: a new file's mode, as open() would give
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)
        os.replace(temporary, path)
    except OSError as err:
        Path(temporary).unlink(missing_ok=True)
        raise VisitsError(
            f"cannot write {shown} ({err.strerror or err}); choose a path you may write to", 1
        ) from err
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
