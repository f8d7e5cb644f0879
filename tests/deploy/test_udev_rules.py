"""The udev rules shipped in deploy/udev parse, and the checker catches the usual typos.

A rules file with a typo is silently ignored by udev (the line is skipped, the log says
so where nobody looks): the technician finds out on site that /dev/kiosk-scanner is not
there. So the shipped files are checked here, and the checker is shown to catch each typo.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tools.udev_rules import check

REPO = Path(__file__).resolve().parents[2]
RULES = sorted((REPO / "deploy" / "udev").glob("*.rules"))
GOOD = 'SUBSYSTEM=="tty", ATTRS{idVendor}=="0c2e", SYMLINK+="kiosk-scanner", MODE="0660"'


def test_the_shipped_rules_parse() -> None:
    assert [path.name for path in RULES] == ["99-library-kiosk.rules"]
    for path in RULES:
        assert check(path.read_text(encoding="utf-8")) == [], path


def test_the_shipped_rules_name_the_three_stable_devices() -> None:
    text = RULES[0].read_text(encoding="utf-8")
    links = set(re.findall(r'SYMLINK\+="([^"]+)"', text))
    assert links == {"kiosk-scanner", "kiosk-counter", "kiosk-printer"}
    for line in text.splitlines():
        if line.startswith('SUBSYSTEM=="tty"'):
            assert 'GROUP="dialout", MODE="0660"' in line, line


def test_the_checker_runs_from_the_command_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.rules"
    bad.write_text(f'# a comment\n{GOOD}\nSUBSYSTEM="tty", GROUP="dialout"\n')
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "udev_rules.py"), str(bad)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stdout == (
        f"{bad}: line 3: SUBSYSTEM can only be matched (== or !=), not assigned with =\n"
    )


@pytest.mark.parametrize(
    ("rule", "error"),
    [
        (GOOD.replace('=="0c2e"', '=="0C2E"'), "four lower-case hex digits"),
        (GOOD.replace("ATTRS{idVendor}==", "ATRS{idVendor}=="), "unknown key ATRS"),
        (GOOD.replace("ATTRS{idVendor}==", "ATTRS{idVendor}="), "can only be matched"),
        (GOOD.replace('MODE="0660"', 'MODE=="0660"'), "can only be assigned"),
        (GOOD.replace('MODE="0660"', 'MODE="rw-rw----"'), "octal mode"),
        (GOOD.replace('SYMLINK+="kiosk-scanner"', 'SYMLINK+="/dev/kiosk-scanner"'), "relative"),
        (GOOD.replace('SYMLINK+="kiosk-scanner"', "SYMLINK+=kiosk-scanner"), "expected KEY op"),
        (GOOD.replace('", ATTRS', '" ATTRS'), "expected KEY op"),
        (GOOD.replace('"0c2e"', '"0c2e'), "expected KEY op"),
        (GOOD + ",", "a comma ends the rule"),
        (GOOD.replace("ATTRS{idVendor}", "ATTRS"), "needs an attribute"),
        (GOOD.replace('SUBSYSTEM=="tty"', 'SUBSYSTEM{x}=="tty"'), "takes no {attribute}"),
        ('SYMLINK+="kiosk-scanner", MODE="0660"', "at least one match"),
    ],
)
def test_each_typo_is_caught(rule: str, error: str) -> None:
    errors = check(f"# header\n\n{rule}\n")
    assert len(errors) == 1, errors
    assert errors[0].startswith("line 3: ")
    assert error in errors[0]


def test_a_continued_line_is_one_rule() -> None:
    assert check('SUBSYSTEM=="tty", \\\n  SYMLINK+="kiosk-scanner"\n') == []
    assert check('SUBSYSTEM=="tty", \\\n  SYMLINK+="/x"\n') == [
        "line 1: SYMLINK names a link relative to /dev, got '/x'"
    ]
