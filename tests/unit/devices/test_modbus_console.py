"""The Modbus counter console's and scripts' grammar: every bad line is one clear line."""

from __future__ import annotations

import pytest

from devices.sim.modbus_console import Command, parse_command, parse_script
from devices.sim.script import ScriptError, Step


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("in", Command("in", 1)),
        ("IN 3", Command("in", 3)),
        ("out 12", Command("out", 12)),
        ("!crc", Command("!crc", None)),
        ("!crc 2", Command("!crc", 2)),
        ("!silent", Command("!silent", None)),
        ("!slow 0.8", Command("!slow", 0.8)),
        ("!slow 0", Command("!slow", 0.0)),
        ("!wrap", Command("!wrap")),
        ("  !reset  ", Command("!reset")),
        ("!unplug", Command("!unplug")),
    ],
)
def test_commands(text: str, command: Command) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty command"),
        ("walk 3", "unknown command 'walk'"),
        ("in three", "in needs a number, got 'three'"),
        ("in 0", "in takes 1..1e+06, got 0"),
        ("in -2", "in takes"),
        ("out 1 2", "out takes one number at most"),
        ("!slow", "!slow needs the delay"),
        ("!slow -1", "!slow takes 0..3600, got -1"),
        ("!slow nan", "!slow takes"),
        ("!reset now", "!reset takes no argument"),
        ("in 1.5", "in needs a number, got '1.5'"),
    ],
)
def test_bad_commands_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("+", r"\+").replace(".", r"\.")):
        parse_command(text)


def test_a_script_is_times_from_the_start_and_commands() -> None:
    lines = ["# a busy minute", "", "0.5 in 2", "+1 out  # one leaves", "  4 !reset  ",
             "+0 !crc 3", "4\t!ok"]  # fmt: skip
    assert parse_script("\n".join(lines), "busy.txt") == [
        Step(0.5, Command("in", 2), 3),
        Step(1.5, Command("out", 1), 4),
        Step(4.0, Command("!reset"), 5),
        Step(4.0, Command("!crc", 3), 6),
        Step(4.0, Command("!ok"), 7),
    ]


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("in 2", "the time must be seconds (0 .. 86400) or +seconds, got 'in'"),
        ("0.5", "expected \"<seconds> <command>\", got '0.5'"),
        ("-1 in", "the time must be seconds (0 .. 86400) or +seconds, got '-1'"),
        ("1 dance", "unknown command 'dance'"),
        ("1 !slow", "!slow needs the delay"),
    ],
)
def test_a_bad_script_line_is_named_by_file_and_line(line: str, why: str) -> None:
    with pytest.raises(ScriptError) as raised:
        parse_script(f"# header\n0 in\n{line}\n9 in\n", "site.txt")
    message = str(raised.value)
    assert message.startswith(f"site.txt:3: {why}")
    assert "\n" not in message
