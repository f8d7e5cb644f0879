"""The kiosk's ASCII line protocol for visitor counters ("line"): definition and parser.

For low-cost counters and microcontroller builds (an Arduino with an infrared beam pair,
a ready-made counter with a configurable serial output). Everything is printable ASCII,
so a terminal program is enough to test a counter by hand.

Serial settings: 9600 baud, 8 data bits, no parity, 1 stop bit (8N1) unless the
``[counters.<id>]`` table says otherwise. RS-232, a USB serial adapter, or RS-485 for
several counters on one pair of wires (then give each an ID and set ``address``).

Frame (counter -> kiosk)::

    $IN=<in>,OUT=<out>[,ID=<id>]*<CRC><CR><LF>

* ``$`` starts a frame; everything before it on the line is ignored (after reporting it
  as noise), so a frame that follows garbage on a noisy cable is still read.
* ``<in>``, ``<out>``: the counter's cumulative totals since it was powered on or reset,
  decimal, 1 to 10 digits, counting up to 65535 (``bits = 16``) or 4294967295
  (``bits = 32``) and then starting again at 0. The kiosk works out the people between
  two frames, across that wrap and across a restart (see :mod:`devices.counters.totals`);
  a counter must never send per-crossing "deltas".
* ``<id>``: optional, 1 to 16 letters, digits, ``.``, ``_`` or ``-``: the counter's name,
  required when the kiosk polls an address on a shared bus.
* Fields may come in any order; other ``KEY=value`` fields are ignored (room for
  extensions such as a firmware version).
* ``*<CRC>``: four upper-case hex digits, the CRC-16/CCITT-FALSE of every byte between
  ``$`` and ``*``, both excluded: polynomial 0x1021, initial value 0xFFFF, no
  reflection, no final XOR; the CRC of the nine bytes ``123456789`` is 0x29B1 (the
  "CRC RevEng" catalogue, https://reveng.sourceforge.io/crc-catalogue/16.htm, lists it
  as CRC-16/IBM-3740, alias CRC-16/CCITT-FALSE). In frames this short (at most 64
  bytes) it catches every error of 1, 2 or 3 bits, every odd number of wrong bits and
  every burst of up to 16 bits. An NMEA-style XOR byte, which this protocol used
  before, let two flipped bits in two digits through: ``IN=105`` read as ``IN=765``.
* CR LF ends the frame (a lone CR or LF is accepted). At most 64 characters from ``$``
  to the CRC.

Worked examples (computed by :func:`format_frame`)::

    $IN=123,OUT=45,ID=gate1*B27A\\r\\n      CRC("IN=123,OUT=45,ID=gate1") = 0xB27A
    $IN=123,OUT=45*6994\\r\\n               CRC("IN=123,OUT=45")          = 0x6994
    $IN=65535,OUT=7*F8A5\\r\\n              CRC("IN=65535,OUT=7")         = 0xF8A5

Modes (``mode`` in ``[counters.<id>]``):

* **push**: the counter sends a frame whenever a total changes, and should repeat it
  every few seconds while nothing happens (a lost frame is then made good by the next).
* **poll**: the kiosk sends a query every ``interval`` seconds and the counter answers
  with one frame. Query: ``?<CR><LF>``, or ``?<id><CR><LF>`` to ask only the counter
  called ``<id>`` on a shared RS-485 bus (the others stay silent). A counter answers a
  query in push mode too, and the kiosk sends one on every (re)connect in either mode:
  the answer is its starting point, so nobody who passes before the counter's next
  frame is lost. If three polls in a row go unanswered the kiosk reports the
  counter lost, and ready again on the next answer.

A minimal Arduino sketch: keep two ``unsigned long`` totals; on each crossing add one;
in ``loop()``, when a total changed or 5 s passed, send the frame::

    uint16_t crc16(const char *s) {              // CRC-16/CCITT-FALSE
      uint16_t crc = 0xFFFF;
      while (*s) {
        crc ^= (uint16_t)(uint8_t)*s++ << 8;
        for (uint8_t i = 0; i < 8; i++)
          crc = (crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1;
      }
      return crc;
    }
    void sendFrame() {
      char body[40], frame[52];
      snprintf(body, sizeof body, "IN=%lu,OUT=%lu", totalIn, totalOut);
      snprintf(frame, sizeof frame, "$%s*%04X\\r\\n", body, crc16(body));
      Serial.print(frame);
    }

For queries, read characters into a buffer until ``\\n``; on a line that is ``?`` (or
``?`` plus its own id) call ``sendFrame()``.

Parser decisions: :class:`LineParser` is pure (bytes in, results out; any chunking
gives the same results) and never raises on input. Whatever cannot be used becomes a
:class:`FrameError` with a short reason and a printable excerpt: a bad CRC, a
missing or repeated field, a non-digit total, a frame cut short by a new ``$``, a frame
that is too long, control bytes inside a frame, or bytes outside any frame (line noise,
or the wrong baud rate, which shows as garbage). A line starting with ``?`` is a query
(our own echo on a two-wire RS-485 bus, or another host's) and is skipped silently.
Memory is bounded: at most ``max_length`` bytes of a frame and 16 bytes of noise are
kept.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass

from devices.framing import printable_excerpt

MAX_FRAME = 64
MAX_TOTAL = 2**32 - 1
START, CRC_MARK = ord("$"), ord("*")
_EOL = frozenset(b"\r\n")
_NOISE_KEEP = 16
_FRAME_EXCERPT = 32  # a whole usual frame, CRC included, for the technician
_TAIL = re.compile(rb"\*[0-9A-F]{4}")  # upper case only: 'a' for 'A' is a flipped bit
_KEY = re.compile(r"[A-Z][A-Z0-9_]{0,15}")
_ID = re.compile(r"[A-Za-z0-9._-]{1,16}")
_DIGITS = re.compile(r"[0-9]{1,10}")


@dataclass(frozen=True)
class CounterFrame:
    """One valid frame: the counter's totals and, if it sent one, its id."""

    total_in: int
    total_out: int
    counter_id: str = ""


@dataclass(frozen=True)
class FrameError:
    """Bytes that are not a valid frame.

    Attributes:
        reason: short English phrase for a technician, e.g. "bad CRC *5B2C, expected *5B2D".
        excerpt: the start of the offending bytes, printable.
    """

    reason: str
    excerpt: str


def crc16(body: bytes) -> int:
    """The frame's CRC-16/CCITT-FALSE of ``body`` (the bytes between ``$`` and ``*``).

    ``binascii.crc_hqx`` is this CRC (polynomial 0x1021, MSB first, no final XOR) with
    the initial value given; CCITT-FALSE starts from 0xFFFF.

    Example:
        >>> f"{crc16(b'123456789'):04X}"
        '29B1'
    """
    return binascii.crc_hqx(body, 0xFFFF)


def format_frame(total_in: int, total_out: int, counter_id: str = "") -> bytes:
    """Build the frame a counter sends, CRC and CR LF included.

    Args:
        total_in: cumulative IN total, 0 .. 2**32 - 1.
        total_out: cumulative OUT total, 0 .. 2**32 - 1.
        counter_id: the counter's id, or "" to leave the field out.

    Returns:
        e.g. ``b"$IN=123,OUT=45*6994\\r\\n"``.

    Raises:
        ValueError: a total out of range or a bad id.
    """
    for name, total in (("total_in", total_in), ("total_out", total_out)):
        if not 0 <= total <= MAX_TOTAL:
            raise ValueError(f"{name} must be 0..{MAX_TOTAL}, got {total}")
    if counter_id and _ID.fullmatch(counter_id) is None:
        raise ValueError(f"counter id must be 1-16 of A-Z a-z 0-9 . _ -, got {counter_id!r}")
    body = f"IN={total_in},OUT={total_out}" + (f",ID={counter_id}" if counter_id else "")
    raw = body.encode("ascii")
    return b"$" + raw + f"*{crc16(raw):04X}\r\n".encode("ascii")


def format_query(address: str = "") -> bytes:
    """The poll query: ``?\\r\\n``, or ``?<address>\\r\\n`` for one counter on a bus."""
    return b"?" + address.encode("ascii") + b"\r\n"


def parse_frame(frame: bytes) -> CounterFrame | FrameError:
    """Check one frame without its ``$`` and line end: ``IN=1,OUT=2*XXXX``.

    Args:
        frame: printable ASCII bytes between ``$`` and the line end.

    Returns:
        The frame's values, or why it is not valid.
    """
    excerpt = printable_excerpt(b"$" + frame, _FRAME_EXCERPT)
    star = frame.rfind(b"*")
    if star < 0 or _TAIL.fullmatch(frame, star) is None:
        return FrameError("no *XXXX CRC (4 upper-case hex digits) at the end", excerpt)
    body, given = frame[:star], int(frame[star + 1 :], 16)
    expected = crc16(body)
    if given != expected:
        return FrameError(f"bad CRC *{given:04X}, expected *{expected:04X}", excerpt)
    fields: dict[str, str] = {}
    for item in body.decode("ascii").split(","):
        key, equals, value = item.partition("=")
        if not equals or _KEY.fullmatch(key) is None:
            return FrameError(f"{item[:12]!r} is not a KEY=value field", excerpt)
        if key in fields:
            return FrameError(f"field {key} appears twice", excerpt)
        fields[key] = value
    totals = []
    for key in ("IN", "OUT"):
        given_total = fields.get(key)
        if given_total is None:
            return FrameError(f"no {key}= field", excerpt)
        if _DIGITS.fullmatch(given_total) is None or int(given_total) > MAX_TOTAL:
            shown = given_total[:12]
            return FrameError(f"{key}={shown} is not a total (0 to {MAX_TOTAL})", excerpt)
        totals.append(int(given_total))
    counter_id = fields.get("ID", "")
    if counter_id and _ID.fullmatch(counter_id) is None:
        return FrameError(f"ID={counter_id[:16]} is not a counter id", excerpt)
    return CounterFrame(totals[0], totals[1], counter_id)


class LineParser:
    """Finds counter frames in a byte stream. Pure: no I/O, no threads, never raises.

    Example:
        >>> LineParser().feed(b"\\x00\\xff$IN=123,OUT=45*6994\\r\\n")[-1]
        CounterFrame(total_in=123, total_out=45, counter_id='')
    """

    def __init__(self, max_length: int = MAX_FRAME) -> None:
        """Create a parser.

        Args:
            max_length: most bytes from ``$`` to the CRC, both included.
        """
        self.max_length = max_length
        self._frame: bytearray | None = None  # bytes after "$", while inside a frame
        self._noise = bytearray()  # first bytes of junk outside a frame
        self._noise_count = 0
        self._skipping = False  # rest of a line already reported (too long, query)

    def reset(self) -> None:
        """Forget any partial frame, e.g. after the device was reconnected."""
        self._frame = None
        self._noise.clear()
        self._noise_count = 0
        self._skipping = False

    def feed(self, data: bytes) -> list[CounterFrame | FrameError]:
        """Add bytes from the counter and return every frame and error they complete.

        Args:
            data: any bytes, in any chunking.

        Returns:
            Frames and errors in stream order.
        """
        results: list[CounterFrame | FrameError] = []
        for byte in data:
            if byte == START:
                self._end_noise(results)
                if self._frame is not None:
                    results.append(
                        FrameError("frame cut short by a new $", self._excerpt(self._frame))
                    )
                self._frame = bytearray()
                self._skipping = False
            elif byte in _EOL:
                if self._frame is not None:
                    results.append(
                        parse_frame(bytes(self._frame))
                        if self._frame
                        else FrameError("empty frame", "$")
                    )
                    self._frame = None
                self._end_noise(results)
                self._skipping = False
            elif self._frame is not None:
                self._frame_byte(byte, results)
            elif not self._skipping:
                if byte == ord("?") and not self._noise_count:
                    self._skipping = True  # a query on the bus, not for us to parse
                    continue
                self._noise_count += 1
                if len(self._noise) < _NOISE_KEEP:
                    self._noise.append(byte)
        return results

    def _frame_byte(self, byte: int, results: list[CounterFrame | FrameError]) -> None:
        frame = self._frame
        assert frame is not None
        if not 0x20 <= byte < 0x7F:
            frame.append(byte)
            results.append(FrameError("unreadable characters in a frame", self._excerpt(frame)))
        elif len(frame) + 1 >= self.max_length:  # +1: the "$"
            frame.append(byte)
            results.append(
                FrameError(f"frame longer than {self.max_length} characters", self._excerpt(frame))
            )
        else:
            frame.append(byte)
            return
        self._frame = None
        self._skipping = True  # the rest of this line belongs to the bad frame

    def _end_noise(self, results: list[CounterFrame | FrameError]) -> None:
        if self._noise_count:
            reason = f"{self._noise_count} bytes outside a frame (line noise or wrong baud rate)"
            excerpt = printable_excerpt(bytes(self._noise), _NOISE_KEEP)
            if self._noise_count > len(self._noise):
                excerpt += "…"
            results.append(FrameError(reason, excerpt))
            self._noise.clear()
            self._noise_count = 0

    @staticmethod
    def _excerpt(frame: bytearray) -> str:
        return printable_excerpt(b"$" + bytes(frame[:23]), 24) + ("…" if len(frame) > 23 else "")
