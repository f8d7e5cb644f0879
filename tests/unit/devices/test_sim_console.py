"""The technician's scanner console, driven with StringIO."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from devices import codabar
from devices.sim.console import REFUSED, run_scanner_console


class RecordingSimulator:
    """Fake simulator that records the faults asked for."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    def send_noise(self, n: int = 8) -> None:
        self.calls.append(("noise",))

    def send_split(self, code: str, pieces: int = 3, gap: float = 0.05) -> None:
        self.calls.append(("split", code))

    def unplug(self) -> None:
        self.calls.append(("unplug",))

    def replug(self) -> None:
        self.calls.append(("replug",))


def run(text: str, faults: object | None = None) -> tuple[list[str], list[str]]:
    sent: list[str] = []
    out = io.StringIO()
    run_scanner_console(sent.append, io.StringIO(text), out, faults=faults)  # type: ignore[arg-type]
    return sent, out.getvalue().splitlines()


def test_each_line_is_sent_as_a_scan_and_blank_lines_are_ignored() -> None:
    sent, lines = run("30234000517861\n\n   \n12345\n")
    assert sent == ["30234000517861", "12345"]
    assert lines == ["sent 30234000517861", "sent 12345 (not a valid barcode)"]


def test_a_typed_scan_is_described_as_the_kiosk_reads_it() -> None:
    """A plain EAN-13 was called "(not a valid barcode)" though the kiosk reads it."""
    _sent, lines = run("9780306406157\n0306406152\n30234000517862\n")
    assert lines == [
        "sent 9780306406157 (EAN-13)",
        "sent 0306406152 (ISBN-10, read as EAN-13 9780306406157)",
        "sent 30234000517862 (codabar: check digit does not match)",
    ]


def test_bad_sends_a_wrong_check_digit() -> None:
    sent, lines = run("!bad 30234000517861\n!bad 3023400051786\n!bad 12\n")
    assert len(sent) == 2
    for code in sent:
        assert code.startswith("3023400051786")
        assert len(code) == 14
        assert not codabar.is_valid(code)
    assert lines[0] == f"sent {sent[0]} (wrong check digit)"
    assert lines[2].startswith("!bad needs 13 or 14 digits")


def test_fault_commands_reach_the_simulator() -> None:
    faults = RecordingSimulator()
    sent, lines = run("!noise\n!split 30234000517861\n!unplug\n!replug\n", faults)
    assert sent == []
    assert faults.calls == [("noise",), ("split", "30234000517861"), ("unplug",), ("replug",)]
    assert lines == [
        "sent line noise",
        "sent 30234000517861 in pieces",
        "scanner unplugged",
        "scanner plugged back in",
    ]


def test_faults_without_a_simulator_are_explained() -> None:
    sent, lines = run("!noise\n!unplug\n!frobnicate\n")
    assert sent == []
    assert lines == [
        "!noise is not available for this scanner",
        "!unplug is not available for this scanner",
        "unknown command !frobnicate (type !help)",
    ]


def test_help_lists_the_commands_and_eof_ends_cleanly() -> None:
    _, lines = run("!help")
    text = "\n".join(lines)
    for command in ("!noise", "!split", "!bad", "!help"):
        assert command in text


def test_masked_console_shows_only_the_last_four_digits() -> None:
    """The kiosk's own terminal may be the journal: it runs the console masked."""
    sent: list[str] = []
    out = io.StringIO()
    lines_in = "23171000000010\n!bad 23171000000010\n!split 33171000000018\n"
    faults = RecordingSimulator()
    run_scanner_console(sent.append, io.StringIO(lines_in), out, faults=faults, masked=True)
    assert sent[0] == "23171000000010"  # the scan itself is whole
    text = out.getvalue()
    assert "2317100000" not in text and "3317100000" not in text
    assert text.splitlines()[0] == "sent **********0010"
    assert text.splitlines()[2] == "sent **********0018 in pieces"


def test_non_ascii_and_control_lines_are_refused_and_the_console_goes_on() -> None:
    """`printf 'caf€\\n' | kiosk sim scanner` crashed with UnicodeEncodeError."""
    sent, lines = run("caf€\n30234000517861\nabc\x1b[2J\n!split caf€\n!bad 3023400051786é\n")
    assert sent == ["30234000517861"]
    assert lines == [REFUSED, "sent 30234000517861", REFUSED, REFUSED, REFUSED]


def test_bytes_that_are_not_utf8_are_refused_on_a_real_stdin() -> None:
    """A terminal's text layer raises on them; the console reads its bytes instead."""
    sent: list[str] = []
    raw = io.BytesIO(b"\xff\xfe\xc3\x28 bad\n30234000517861\n")
    stdin = io.TextIOWrapper(raw, encoding="utf-8", errors="strict")
    out = io.StringIO()
    run_scanner_console(sent.append, stdin, out)
    assert sent == ["30234000517861"]
    assert out.getvalue().splitlines() == [REFUSED, "sent 30234000517861"]


def test_kiosk_sim_scanner_refuses_a_euro_sign_and_exits_cleanly() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "sim", "scanner"],
        input="caf€\n".encode() + b"\xff\n30234000517861\n",
        capture_output=True, timeout=60, check=False,
        env={**os.environ, "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8:strict"},
    )  # fmt: skip
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert out.count(REFUSED) == 2 and "sent 30234000517861" in out
    assert b"Traceback" not in result.stderr
