"""`kiosk demo reset` puts the demo back as the README describes it.

GIVEN a demo run in which Sutrisno borrowed five books (after which the README's "may
borrow up to 5 items" is false: he is refused), WHEN a technician runs `kiosk demo reset`,
THEN the next start has the README's demo tables again and the kiosk store holds no loan
of the old demo.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flows.harness import FlowKiosk

from kiosk import cli
from kiosk.bootstrap import DEMO_LIBRARY_FILE, STORE_FILE
from kiosk.core.model import Refusal
from kiosk.ils.local import demo_data as dd


def _five_lendable_books() -> list[str]:
    library = dd.generate()
    busy = {loan.item_barcode for loan in library.loans} | {h.item_barcode for h in library.holds}
    free = [i.barcode for i in library.items if not i.reference and i.barcode not in busy]
    return free[:5]


def _borrow_five(data_dir: Path) -> None:
    kiosk = FlowKiosk(data_dir)
    try:
        kiosk.scan(dd.SUTRISNO.barcode)
        kiosk.type(dd.SUTRISNO.pin)
        for barcode in _five_lendable_books():
            kiosk.scan(barcode)
        assert [line["status"] for line in kiosk.vm.lines].count("done") == 5, kiosk.vm.lines
        kiosk.vm.finish()
        assert len(kiosk.store.loans()) == 5
        assert kiosk.ils.check_patron(dd.SUTRISNO.barcode, "1234").refusal is (
            Refusal.TOO_MANY_ITEMS
        )
    finally:
        kiosk.close()


def test_reset_after_a_demo_run_restores_the_readme_tables(tmp_path: Path) -> None:
    _borrow_five(tmp_path)
    receipts = tmp_path / "receipts.txt"  # the demo printer's, of loans about to be gone
    receipts.write_text("--- receipt 1\n", encoding="utf-8")

    assert cli.main(["demo", "reset", "--data-dir", str(tmp_path), "--yes"]) == 0
    assert not (tmp_path / DEMO_LIBRARY_FILE).exists() and not (tmp_path / STORE_FILE).exists()
    assert not receipts.exists()

    kiosk = FlowKiosk(tmp_path)
    try:
        for card in dd.DEMO_CARDS:
            if isinstance(card, dd.DemoPatronCard):
                check = kiosk.ils.check_patron(card.barcode, card.pin)
                assert check.refusal is card.expected, card.what_happens
        assert kiosk.store.loans() == []
        kiosk.scan(dd.SUTRISNO.barcode)
        kiosk.type(dd.SUTRISNO.pin)
        kiosk.scan(dd.AVAILABLE.barcode)
        [line] = kiosk.vm.lines
        assert line["title"] == "Laskar Pelangi" and line["status"] == "done"
    finally:
        kiosk.close()


def test_reset_without_yes_and_without_a_terminal_removes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _borrow_five(tmp_path)
    args = cli.build_parser().parse_args(["demo", "reset", "--data-dir", str(tmp_path)])
    assert cli._demo_reset(args, stdin=io.StringIO("yes\n")) == 2  # not a TTY: no prompt
    assert "run it again with --yes" in capsys.readouterr().err
    assert (tmp_path / DEMO_LIBRARY_FILE).exists() and (tmp_path / STORE_FILE).exists()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "code", "removed"), [("no\n", 1, False), ("yes\n", 0, True)])
def test_reset_asks_at_a_terminal(tmp_path: Path, answer: str, code: int, removed: bool) -> None:
    _borrow_five(tmp_path)
    args = cli.build_parser().parse_args(["demo", "reset", "--data-dir", str(tmp_path)])
    assert cli._demo_reset(args, stdin=_Terminal(answer)) == code
    assert (tmp_path / DEMO_LIBRARY_FILE).exists() is not removed
    assert (tmp_path / STORE_FILE).exists() is not removed


def test_reset_of_an_empty_folder_is_fine(tmp_path: Path) -> None:
    assert cli.main(["demo", "reset", "--data-dir", str(tmp_path / "new"), "--yes"]) == 0


def test_reset_prints_a_hostile_folder_name_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "x\x1b[31m\nFAKE"
    assert cli.main(["demo", "reset", "--data-dir", str(folder), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\x1b[31m\\nFAKE" in out and out.count("\n") == 1
