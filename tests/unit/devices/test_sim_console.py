"""The technician's scanner console, driven with StringIO."""

from __future__ import annotations

import io

from devices import codabar
from devices.sim.console import run_scanner_console


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
