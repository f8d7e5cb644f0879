"""The staff PIN: its stored line, its check, the lock, and ``kiosk staff-pin``."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import cli
from kiosk import config as config_module
from kiosk.core.clock import ManualClock
from kiosk.core.staff import (
    HASH_BYTES,
    TRIES,
    StaffGate,
    hash_pin,
    parse_pin_hash,
    verify_pin,
)

REPO = Path(__file__).resolve().parents[3]
PIN = "482913"
LINE = hash_pin(PIN, salt=b"sixteen-byte-slt")


def test_the_line_holds_its_parameters_and_verifies_only_its_pin() -> None:
    stored = parse_pin_hash(LINE)
    assert (stored.n, stored.r, stored.p, len(stored.digest)) == (2**15, 8, 1, HASH_BYTES)
    assert LINE.startswith("scrypt$32768$8$1$")
    assert PIN not in LINE
    assert verify_pin(PIN, stored)
    assert not verify_pin("482914", stored)
    assert not verify_pin("", stored)
    assert PIN not in repr(stored)


def test_a_fresh_salt_each_time() -> None:
    first, second = hash_pin(PIN), hash_pin(PIN)
    assert first != second
    assert verify_pin(PIN, parse_pin_hash(first)) and verify_pin(PIN, parse_pin_hash(second))


@pytest.mark.parametrize("pin", ["123", "12a4", "１２３４", "1" * 33, ""])
def test_a_pin_the_pin_pad_cannot_type_is_refused(pin: str) -> None:
    with pytest.raises(ValueError) as refused:
        hash_pin(pin)
    assert pin not in str(refused.value) or not pin


@pytest.mark.parametrize(
    "line",
    [
        "bcrypt$32768$8$1$c2FsdHNhbHRzYWx0c2FsdA==$" + "A" * 44,
        "scrypt$1000$8$1$c2FsdHNhbHRzYWx0c2FsdA==$" + "A" * 44,  # N not a power of 2
        "scrypt$1048576$32$1$c2FsdHNhbHRzYWx0c2FsdA==$" + "A" * 44,  # 4 GiB of memory
        "scrypt$32768$8$1$c2FsdA==$" + "A" * 44,  # salt too short
        "scrypt$32768$8$1$c2FsdHNhbHRzYWx0c2FsdA==$AAAA",  # hash too short
        "scrypt$32768$8$1$not base64!$" + "A" * 44,
        "scrypt$32768$8",
    ],
)
def test_a_damaged_line_is_refused(line: str) -> None:
    with pytest.raises(ValueError):
        parse_pin_hash(line)


def test_the_config_refuses_a_damaged_line_without_echoing_it() -> None:
    bad = LINE[:-8] + "AAAA"
    with pytest.raises(config_module.ConfigError) as refused:
        config_module.from_mapping({"technician": {"pin_hash": bad}}, None)
    assert "[technician] pin_hash" in str(refused.value)
    assert bad not in str(refused.value)


def test_three_wrong_pins_lock_and_the_lock_checks_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = ManualClock()
    gate = StaffGate(LINE, clock, lock_minutes=5)
    assert [gate.check("000000").tries_left for _ in range(TRIES - 1)] == [2, 1]
    locked = gate.check("111111")
    assert (locked.ok, locked.locked_minutes) == (False, 5)
    assert not gate.check(PIN).ok  # the right PIN, while locked
    clock.advance(4 * 60 + 30)
    assert gate.check(PIN).locked_minutes == 1
    clock.advance(31)
    assert gate.check(PIN).ok
    lines = [record.getMessage() for record in caplog.records]
    assert len([line for line in lines if "locked for 5 minutes" in line]) == 1
    assert not any(PIN in line or "000000" in line for line in lines)


def test_a_right_pin_ends_the_run_of_wrong_ones() -> None:
    gate = StaffGate(LINE, ManualClock())
    gate.check("000000")
    gate.check("000001")
    assert gate.check(PIN).ok
    assert gate.check("000002").tries_left == TRIES - 1


def test_the_tours_staff_pin_hash_is_its_pin() -> None:
    sys.path.insert(0, str(REPO / "tests" / "ui"))
    from tour_states import STAFF_PIN, STAFF_PIN_HASH

    assert verify_pin(STAFF_PIN, parse_pin_hash(STAFF_PIN_HASH))


# ----- kiosk staff-pin -------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_staff_pin_asks_twice_and_prints_only_the_line(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return PIN

    out = io.StringIO()
    assert cli._staff_pin(_Terminal(), out, ask) == 0
    assert len(asked) == 2
    [line] = out.getvalue().splitlines()
    assert line.startswith('pin_hash = "scrypt$')
    value = line.split('"')[1]
    assert verify_pin(PIN, parse_pin_hash(value))
    config_module.from_mapping({"technician": {"pin_hash": value}}, None)  # pastes as it is
    shown = out.getvalue() + capsys.readouterr().err + caplog.text + "".join(asked)
    assert PIN not in shown


@pytest.mark.parametrize("key", [KeyboardInterrupt, EOFError], ids=["ctrl-c", "ctrl-d"])
def test_staff_pin_cancelled_at_the_prompt_is_one_line(
    capsys: pytest.CaptureFixture[str], key: type[BaseException]
) -> None:
    def ask(_prompt: str) -> str:
        raise key

    out = io.StringIO()
    assert cli._staff_pin(_Terminal(), out, ask) == 2
    assert out.getvalue() == ""
    assert capsys.readouterr().err.strip() == "kiosk: cancelled; nothing was printed"


def test_staff_pin_refuses_two_different_pins(capsys: pytest.CaptureFixture[str]) -> None:
    answers = iter([PIN, "482919"])
    out = io.StringIO()
    assert cli._staff_pin(_Terminal(), out, lambda _prompt: next(answers)) == 2
    assert out.getvalue() == ""
    err = capsys.readouterr().err
    assert "differ" in err and PIN not in err and "482919" not in err


def test_staff_pin_from_a_pipe_in_a_real_process(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "-v", "staff-pin"],
        input=f"{PIN}\n",
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    [line] = done.stdout.splitlines()
    assert verify_pin(PIN, parse_pin_hash(line.split('"')[1]))
    assert PIN not in done.stdout + done.stderr
    assert "[technician]" in done.stderr


def test_staff_pin_from_a_pipe_refuses_letters(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "staff-pin"],
        input="secret-word\n",
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stdout == ""
    assert "digits only" in done.stderr and "secret-word" not in done.stderr
