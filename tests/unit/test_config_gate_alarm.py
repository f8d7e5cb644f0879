"""[gate.alarm]: the security gate's alarm input in the config."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from devices.alarm_settings import AlarmSettings
from kiosk import config

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "kiosk.example.toml"


def _example_alarm_table() -> dict[str, Any]:
    """The example's commented-out [gate.alarm] block, uncommented and parsed."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    start = lines.index("# [gate.alarm]")
    block = []
    for line in lines[start:]:
        if not line.startswith("# "):
            break
        block.append(line[2:])
    return tomllib.loads("\n".join(block))["gate"]["alarm"]  # type: ignore[no-any-return]


def test_no_alarm_by_default() -> None:
    assert config.defaults().gate.alarm is None


def test_the_example_block_lists_every_key_and_parses() -> None:
    table = _example_alarm_table()
    assert set(table) == {"url", "id", "line", "active", "debounce_ms", "min_gap_s"}
    cfg = config.from_mapping({"gate": {"alarm": table}}, source=None)
    assert cfg.gate.alarm == AlarmSettings("/dev/ttyS0")


def test_keys_become_settings_in_seconds() -> None:
    cfg = config.from_mapping(
        {
            "gate": {
                "scanner": "sim://scanner/gate",
                "alarm": {
                    "url": "rfc2217://10.0.0.5:4001",
                    "id": "gate-b",
                    "line": "ri",
                    "active": "low",
                    "debounce_ms": 80,
                    "min_gap_s": 2.5,
                },
            }
        },
        source=None,
    )
    assert cfg.gate.scanner == "sim://scanner/gate"
    assert cfg.gate.alarm == AlarmSettings(
        "rfc2217://10.0.0.5:4001", "gate-b", line="ri", active="low", debounce=0.08, min_gap=2.5
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({}, "[gate.alarm] url: the alarm input's serial port or URL is needed"),
        ({"url": "/dev/ttyS0", "pin": 8}, "unknown key [gate.alarm] pin; allowed keys: url, id"),
        ({"url": "/dev/ttyS0", "line": "rts"}, "[gate.alarm] line: expected one of cts, dsr"),
        ({"url": "/dev/ttyS0", "active": "on"}, "[gate.alarm] active: expected one of high, low"),
        ({"url": "/dev/ttyS0", "debounce_ms": -1}, "[gate.alarm] debounce_ms: must be at least 0"),
        ({"url": "/dev/ttyS0", "min_gap_s": True}, "[gate.alarm] min_gap_s: expected"),
        ({"url": "/dev/ttyS0", "id": "a b"}, "[gate.alarm] id:"),
        ({"url": "/dev/tty\x1bS0"}, "[gate.alarm] url"),
    ],
)
def test_bad_keys_are_one_line_naming_the_key(table: dict[str, Any], message: str) -> None:
    with pytest.raises(config.ConfigError) as caught:
        config.from_mapping({"gate": {"alarm": table}}, source=None)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value) and "\x1b" not in str(caught.value)


def test_alarm_must_be_a_table() -> None:
    with pytest.raises(config.ConfigError, match=r"gate.alarm must be a \[gate.alarm\] table"):
        config.from_mapping({"gate": {"alarm": "/dev/ttyS0"}}, source=None)
