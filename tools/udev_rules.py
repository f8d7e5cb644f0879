"""Check the syntax of udev rules files, so a typo in deploy/udev fails CI, not a site visit.

    python tools/udev_rules.py deploy/udev/*.rules

A rule is one line (a trailing backslash continues it) of comma-separated ``KEY op "value"``
pairs; comments start with ``#``. What is checked, after udev(7) (systemd):

* every key is one udev knows, with its ``{attribute}`` where it takes one;
* match keys (``SUBSYSTEM``, ``ATTRS{...}``) use ``==`` or ``!=``; assignment keys
  (``GROUP``, ``MODE``, ``RUN``) use ``=``, ``+=``, ``-=`` or ``:=``; keys that are both
  (``NAME``, ``SYMLINK``, ``ENV{...}``, ``TAG``, ``ATTR{...}``) take either;
* values are double-quoted, pairs separated by commas, each rule has a match and an
  assignment;
* values udev compares as text are what sysfs shows: ``idVendor``/``idProduct`` four
  lower-case hex digits (``"0C2E"`` never matches), ``MODE`` octal, ``SYMLINK`` names
  relative to /dev.

``udevadm verify`` (systemd 254 and later) checks more where it is installed; this runs
anywhere with Python.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path

MATCH_ONLY = {"ACTION", "DEVPATH", "KERNEL", "KERNELS", "SUBSYSTEM", "SUBSYSTEMS", "DRIVER",
              "DRIVERS", "ATTRS", "TAGS", "CONST", "TEST", "PROGRAM", "RESULT"}  # fmt: skip
ASSIGN_ONLY = {"OWNER", "GROUP", "MODE", "SECLABEL", "RUN", "LABEL", "GOTO", "IMPORT", "OPTIONS"}
BOTH = {"NAME", "SYMLINK", "ENV", "TAG", "ATTR", "SYSCTL"}
WITH_ATTRIBUTE = {"ATTR", "ATTRS", "SYSCTL", "ENV", "CONST", "TEST", "SECLABEL", "IMPORT"}
OPTIONAL_ATTRIBUTE = {"RUN", "TEST"}
MATCH_OPS = {"==", "!="}
ASSIGN_OPS = {"=", "+=", "-=", ":="}

_PAIR = re.compile(
    r'\s*(?P<key>[A-Z_]+)(?:\{(?P<attr>[^{}"]*)\})?\s*(?P<op>==|!=|\+=|-=|:=|=)\s*'
    r'(?P<value>e?"(?:[^"\\]|\\.)*")\s*(?P<end>,|$)'
)
_HEX4 = re.compile(r"[0-9a-f]{4}")
_MODE = re.compile(r"0?[0-7]{3,4}")


def logical_lines(text: str) -> list[tuple[int, str]]:
    """The rules' lines with backslash continuations joined: (first line number, text)."""
    lines: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not pending:
            start = number
        if raw.endswith("\\"):
            pending += raw[:-1]
            continue
        lines.append((start, pending + raw))
        pending = ""
    if pending:
        lines.append((start, pending))
    return lines


def check(text: str) -> list[str]:
    """Every syntax error in a rules file's text, as ``line N: what is wrong``."""
    errors: list[str] = []
    for number, line in logical_lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        errors += [f"line {number}: {problem}" for problem in _check_rule(stripped)]
    return errors


def _check_rule(rule: str) -> list[str]:
    problems: list[str] = []
    position, matches, assignments = 0, 0, 0
    while position < len(rule):
        found = _PAIR.match(rule, position)
        if found is None:
            shown = rule[position : position + 30].strip()
            return [*problems, f'expected KEY op "value" at {shown!r}']
        position = found.end()
        if found["end"] == "," and position >= len(rule.rstrip()):
            problems.append("a comma ends the rule")
            break
        key, attr, op = found["key"], found["attr"], found["op"]
        value = found["value"].removeprefix("e")[1:-1]
        problem = _check_pair(key, attr, op, value)
        if problem:
            problems.append(problem)
        elif op in MATCH_OPS:
            matches += 1
        else:
            assignments += 1
    if not problems and not (matches and assignments):
        problems.append("a rule needs at least one match (==) and one assignment (=, +=)")
    return problems


def _check_pair(key: str, attr: str | None, op: str, value: str) -> str:
    known = MATCH_ONLY | ASSIGN_ONLY | BOTH
    if key not in known:
        return f"unknown key {key}"
    if key in WITH_ATTRIBUTE and key not in OPTIONAL_ATTRIBUTE and not attr:
        return f"{key} needs an attribute: {key}{{name}}"
    if attr is not None and key not in WITH_ATTRIBUTE | OPTIONAL_ATTRIBUTE:
        return f"{key} takes no {{attribute}}"
    if key in MATCH_ONLY and op not in MATCH_OPS:
        return f"{key} can only be matched (== or !=), not assigned with {op}"
    if key in ASSIGN_ONLY and op not in ASSIGN_OPS:
        return f"{key} can only be assigned (=, +=, -=, :=), not matched with {op}"
    if attr in ("idVendor", "idProduct") and op in MATCH_OPS and not _HEX4.fullmatch(value):
        return f"{key}{{{attr}}} is four lower-case hex digits as sysfs shows it, got {value!r}"
    if key == "MODE" and not _MODE.fullmatch(value):
        return f"MODE is an octal mode such as 0660, got {value!r}"
    if key == "SYMLINK" and op in ASSIGN_OPS and (value.startswith("/") or not value):
        return f"SYMLINK names a link relative to /dev, got {value!r}"
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    """Check each file named; print the errors; exit 1 if there were any."""
    paths = [Path(name) for name in (sys.argv[1:] if argv is None else argv)]
    failed = False
    for path in paths:
        for error in check(path.read_text(encoding="utf-8")):
            print(f"{path}: {error}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
