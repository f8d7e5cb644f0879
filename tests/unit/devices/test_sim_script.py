"""Scanner scripts (devices.sim.script through the console) and the console's new faults."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.sim.console import execute, parse_script, run_scanner_console
from devices.sim.scanner_tcp import TcpScannerSimulator
from devices.sim.script import ScriptError, Step, run_script

SCRIPT = """\
# a patron borrows; the scanner is pulled out between two books
2      23171000000010
+0.5   33171000000018
+1     !unplug
+3     !replug
6.5\t!ean13 978979306279
"""


def test_a_script_has_absolute_and_relative_times() -> None:
    assert parse_script(SCRIPT, "scan.txt") == [
        Step(2.0, "23171000000010", 2),
        Step(2.5, "33171000000018", 3),
        Step(3.5, "!unplug", 4),
        Step(6.5, "!replug", 5),
        Step(6.5, "!ean13 978979306279", 6),
    ]


def test_a_hash_inside_a_barcode_is_sent_not_a_comment() -> None:
    # The counters' scripts take "#" anywhere as a comment; a Code 128 barcode may hold one.
    assert parse_script("1 NO#5 A\n# a comment\n", "scan.txt") == [Step(1.0, "NO#5 A", 1)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 ok\n30234000517861\n", 'scan.txt:2: expected "<seconds> <barcode or !command>"'),
        ("soon 30234000517861\n", "scan.txt:1: the time must be seconds"),
        ("+-1 30234000517861\n", "scan.txt:1: the time must be seconds"),
        ("nan x\n", "scan.txt:1: the time must be seconds"),
        ("5 a\n2 b\n", "scan.txt:2: 2 s is before the step before (5 s)"),
        ("1 caf\u00e9\n", "scan.txt:1: a scanner sends printable ASCII only"),
    ],
)
def test_a_bad_line_is_one_line_naming_file_and_line(text: str, expected: str) -> None:
    with pytest.raises(ScriptError) as err:
        parse_script(text, "scan.txt")
    assert str(err.value).startswith(expected)
    assert "\n" not in str(err.value)


@given(st.text(max_size=200))
def test_any_text_is_a_script_or_one_script_error(text: str) -> None:
    try:
        steps = parse_script(text)
    except ScriptError as err:
        assert "\n" not in str(err)
    else:
        assert [s.at for s in steps] == sorted(s.at for s in steps)


def test_steps_run_at_their_times_on_a_manual_clock() -> None:
    now = [0.0]
    acted: list[tuple[float, str]] = []
    said: list[str] = []

    def act(action: str) -> str:
        acted.append((now[0], action))
        return f"did {action}"

    def sleep(seconds: float) -> None:
        now[0] += seconds

    run_script(parse_script(SCRIPT), act, said.append, monotonic=lambda: now[0], sleep=sleep)
    assert [at for at, _ in acted] == [2.0, 2.5, 3.5, 6.5, 6.5]
    assert said[0] == "   2.000 s  did 23171000000010"


def test_console_faults_on_a_real_simulator() -> None:
    with TcpScannerSimulator() as sim:
        out = io.StringIO()
        commands = "!aim on\n!slow 0.01\n!slow off\n!slow x\n!silent on\n!ean13 978979306279\n"
        run_scanner_console(sim.send, io.StringIO(commands + "!code39\n!unplug\n1234\n"), out,
                            faults=sim)  # fmt: skip
        assert out.getvalue().splitlines() == [
            "aim on",
            "sending one byte every 0.01 s",
            "sending at full speed",
            "!slow needs seconds between bytes (0 < s <= 5) or off",
            "silent on",
            "sent 9789793062792 as ean13",
            "!code39 needs the barcode's text, e.g. !ean13 978979306279",
            "scanner unplugged",
            "sent 1234 (not a valid barcode) (unplugged: nothing arrives)",
        ]
        assert sim.aim and sim.silent and sim.slow == 0.0


def test_tuning_commands_need_a_simulator_that_has_them() -> None:
    assert execute("!aim on", print, None) == "!aim is not available for this scanner"
