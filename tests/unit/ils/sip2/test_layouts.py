"""The layout tables say exactly what the reference list of SIP2 2.00 messages says."""

from __future__ import annotations

import re
from pathlib import Path

from kiosk.ils.sip2 import LAYOUTS

LIST = Path(__file__).resolve().parents[3] / "data" / "sip2" / "message-layouts.txt"
KIOSK_MESSAGES = [
    "93",
    "94",
    "99",
    "98",
    "63",
    "64",
    "23",
    "24",
    "17",
    "18",
    "11",
    "12",
    "09",
    "10",
    "29",
    "30",
    "65",
    "66",
    "35",
    "36",
    "15",
    "16",
    "97",
    "96",
]


def reference() -> dict[str, tuple[str, list[tuple[str, int]], list[str]]]:
    """code -> (name, fixed fields with widths, variable fields as written: "AO*")."""
    layouts: dict[str, tuple[str, list[tuple[str, int]], list[str]]] = {}
    lines = iter(LIST.read_text(encoding="utf-8").splitlines())
    for line in lines:
        head = re.fullmatch(r"(\d\d) (\w+)", line)
        if head is None:
            continue
        fixed_line = next(lines).split(":", 1)[1].strip()
        vars_line = next(lines).split(":", 1)[1].strip()
        fixed = [(name, int(width)) for name, width in re.findall(r"(\w+)\((\d+)\)", fixed_line)]
        fields = [] if vars_line == "-" else [part.split(":")[0] for part in vars_line.split(", ")]
        layouts[head.group(1)] = (head.group(2), fixed, fields)
    return layouts


def test_every_reference_message_has_its_exact_layout() -> None:
    expected = reference()
    assert set(expected) == set(LAYOUTS)
    for code, (name, fixed, fields) in expected.items():
        layout = LAYOUTS[code]
        assert layout.name == name
        assert list(layout.fixed) == fixed, code
        written = [
            spec.code + ("*" if spec.required else "") + ("+" if spec.repeatable else "")
            for spec in layout.fields
        ]
        assert written == fields, code
        assert layout.fixed_length == sum(width for _, width in fixed)


def test_the_kiosk_and_server_messages_are_all_there() -> None:
    assert set(KIOSK_MESSAGES) <= set(LAYOUTS)


def test_the_codec_docstring_draws_every_kiosk_message_to_scale() -> None:
    """The drawings in kiosk/ils/sip2/codec.py cannot drift from the tables."""
    from kiosk.ils.sip2 import codec

    doc = codec.__doc__ or ""
    drawn: dict[str, list[int]] = {}
    for line in doc.splitlines():
        row = line.strip()
        if re.fullmatch(r"\|\d\d\|.*", row):
            code, *cells = row[1:-1].split("|")
            drawn[code] = [len(cell) for cell in cells]
    assert set(drawn) == set(KIOSK_MESSAGES)
    for code, widths in drawn.items():
        assert widths == [width for _, width in LAYOUTS[code].fixed], code
        assert f"{code} {LAYOUTS[code].name} (" in doc
