"""Reading the recorded SIP2 transcripts (tests/data/sip2/) for the SIP2 tests.

Import as ``from unit.ils.sip2.transcripts import read_transcript`` (tests/ is on the path).

Each transcript line is ``>>> b'...'`` (sent by a client, terminator included in the repr)
or ``<<< b'...'\\r   [checksum ok=...]`` (received: the frame, then its terminator written
as text), grouped under ``=== X.`` section headings.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parents[3] / "data" / "sip2"
_LINE = re.compile(r"""^(>>>|<<<) (b'(?:[^'\\]|\\.)*'|b"(?:[^"\\]|\\.)*")(\\r\\n|\\r|\\n)?""")


@dataclass(frozen=True)
class Exchange:
    """One recorded line: who sent it, its bytes on the wire, its section ("A", "B" ...)."""

    section: str
    sent_by_client: bool
    wire: bytes


def read_transcript(name: str) -> list[Exchange]:
    """Every recorded frame of ``transcript-<name>.txt``, in order."""
    exchanges: list[Exchange] = []
    section = ""
    for line in (DATA / f"transcript-{name}.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("=== "):
            section = line[4:].split(".", 1)[0]
            continue
        match = _LINE.match(line)
        if match is None:
            continue
        wire = ast.literal_eval(match.group(2))
        if match.group(3):
            wire += ast.literal_eval(f"'{match.group(3)}'").encode("ascii")
        exchanges.append(Exchange(section, match.group(1) == ">>>", wire))
    assert exchanges, f"no frames in transcript {name}"
    return exchanges
