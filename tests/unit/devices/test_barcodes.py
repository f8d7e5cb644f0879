"""What a barcode means to the library (devices.barcodes), per symbology, and how scanner
options (prefix, suffix, AIM identifiers, repeats) reach it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices import codabar, symbology
from devices.barcodes import BarcodeRules, Role
from devices.scanner import BadScan, BarcodeProtocol, BarcodeRead, ScanEvent
from devices.symbology import CODABAR, CODE39, CODE128, EAN13

PATRON = "23171000000010"
ITEM = "33171000000018"
ISBN13, ISBN10 = "9789793062792", "9793062797"
DEMO = BarcodeRules()
WIDE = BarcodeRules(
    patron_symbologies=frozenset({CODABAR, CODE128}),
    item_symbologies=frozenset({CODABAR, EAN13, CODE39}),
    patron_pattern=r"P[0-9]{5}",
    item_pattern=r"B[0-9]{5}",
)


@pytest.mark.parametrize(
    ("rules", "text", "expected"),
    [
        (DEMO, PATRON, (PATRON, Role.PATRON)),
        (DEMO, f"A{ITEM}B", (ITEM, Role.ITEM)),
        (DEMO, "]F0" + ITEM, (ITEM, Role.ITEM)),
        (DEMO, "43171000000016", ("43171000000016", None)),  # valid, type digit 4
        (DEMO, "23171000000011", ("23171000000011", None)),  # wrong check digit
        (DEMO, ISBN13, (ISBN13, None)),  # the demo library does not lend by ISBN
        (DEMO, "]C0P00001", ("P00001", None)),
        (WIDE, ISBN13, (ISBN13, Role.ITEM)),
        (WIDE, ISBN10, (ISBN13, Role.ITEM)),  # typed as ISBN-10: the ILS gets ISBN-13
        (WIDE, "]E0" + ISBN13, (ISBN13, Role.ITEM)),
        (WIDE, "]E09789793062793", ("9789793062793", None)),
        (WIDE, "]C0P00001", ("P00001", Role.PATRON)),
        (WIDE, "]C0B00001", ("B00001", None)),  # Code 128 is not an item symbology here
        (WIDE, "]A0B00001", ("B00001", Role.ITEM)),
        (WIDE, "]A0P00001", ("P00001", None)),  # Code 39 is not a patron symbology
        (WIDE, "P00001", ("P00001", Role.PATRON)),  # typed or wedge: by pattern
        (WIDE, "B00001", ("B00001", Role.ITEM)),
        (WIDE, "X00001", ("X00001", None)),
        (WIDE, PATRON, (PATRON, Role.PATRON)),
        (WIDE, "]d2P00001", ("P00001", None)),
    ],
)
def test_classification_per_symbology(
    rules: BarcodeRules, text: str, expected: tuple[str, Role | None]
) -> None:
    assert rules.classify(text) == expected


def test_type_digits_and_isbn_form_are_the_librarys() -> None:
    rules = BarcodeRules(
        patron_type_digit="1",
        item_type_digit="2",
        item_symbologies=frozenset({CODABAR, EAN13}),
        isbn_form="isbn10",
    )
    assert rules.classify(PATRON) == (PATRON, Role.ITEM)
    assert rules.classify(ISBN13) == (ISBN10, Role.ITEM)
    assert rules.classify("9791032305690") == ("9791032305690", Role.ITEM)  # no ISBN-10


def test_code39_check_characters_when_the_library_uses_them() -> None:
    rules = BarcodeRules(item_symbologies=frozenset({CODE39}), code39_check=True)
    assert rules.classify("]A0CODE 39R") == ("CODE 39", Role.ITEM)
    assert rules.classify("]A0CODE 39X")[1] is None


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"patron_symbologies": frozenset({"qr"})}, "unknown qr"),
        ({"patron_type_digit": "22"}, "one digit"),
        ({"isbn_form": "isbn"}, "isbn13 or isbn10"),
        ({"item_pattern": "("}, "not a regular expression"),
    ],
)
def test_bad_rules_are_refused(options: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        BarcodeRules(**options)  # type: ignore[arg-type]


# ----- the scanner's side: prefix, suffix, AIM, repeats --------------------------------


def feed(data: bytes, **options: object) -> list[ScanEvent]:
    events: list[ScanEvent] = []
    BarcodeProtocol(events.append, **options).data_received(data)  # type: ignore[arg-type]
    return events


def test_prefix_and_suffix_are_removed() -> None:
    events = feed(f"S:{ITEM}#\rS:{PATRON}\r{ITEM}#\r".encode(), prefix="S:", suffix="#")
    assert events == [BarcodeRead(ITEM), BarcodeRead(PATRON), BarcodeRead(ITEM)]


def test_aim_identifiers_are_read_and_kept_for_the_classifier() -> None:
    data = f"]F0{ITEM}\r]E0{ISBN13}\r]C0P00001\r".encode()
    events = feed(data, symbologies=(CODABAR, EAN13, CODE128))
    assert events == [
        BarcodeRead(ITEM, CODABAR),
        BarcodeRead(ISBN13, EAN13),
        BarcodeRead("P00001", CODE128),
    ]
    texts = [event.text for event in events if isinstance(event, BarcodeRead)]
    assert [WIDE.classify(text) for text in texts] == [
        (ITEM, Role.ITEM),
        (ISBN13, Role.ITEM),
        ("P00001", Role.PATRON),
    ]


def test_a_symbology_the_library_does_not_use_is_a_bad_scan() -> None:
    assert feed(f"]E0{ISBN13}\r".encode()) == [BadScan(ISBN13, "not a 14-digit library barcode")]
    assert feed(b"]d2ABC\r", symbologies=(CODABAR, EAN13)) == [
        BadScan("ABC", "not a barcode this library uses (]d2)")
    ]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_same_code_within_the_window_is_dropped() -> None:
    clock = Clock()
    events: list[ScanEvent] = []
    scanner = BarcodeProtocol(events.append, duplicate_window=0.8, monotonic=clock)
    line = ITEM.encode() + b"\r"
    scanner.data_received(line)
    clock.now += 0.5
    scanner.data_received(line)  # dropped: a repeat, and the window starts again
    clock.now += 0.5
    scanner.data_received(line)  # dropped: 0.5 s after the last repeat
    clock.now += 0.9
    scanner.data_received(line)  # the patron scans it again on purpose
    scanner.data_received(PATRON.encode() + b"\r" + ITEM.encode() + b"\r")  # A, B, A: all
    assert events == [BarcodeRead(ITEM), BarcodeRead(ITEM), BarcodeRead(PATRON), BarcodeRead(ITEM)]


def test_window_zero_keeps_every_read_and_a_negative_one_is_refused() -> None:
    assert feed(ITEM.encode() * 1 + b"\r" + ITEM.encode() + b"\r") == [BarcodeRead(ITEM)] * 2
    with pytest.raises(ValueError, match="negative"):
        BarcodeProtocol(print, duplicate_window=-1)


# ----- property: valid frames in noise, any chunking -----------------------------------

NOISE = bytes(b for b in range(256) if not chr(b).isalnum())  # never a barcode by chance


@st.composite
def frame(draw: st.DrawFn) -> tuple[bytes, str]:
    """One valid scan as a scanner may send it, and the code it must come out as."""
    kind = draw(st.sampled_from(["codabar", "ean13", "code128"]))
    number = draw(st.integers(0, 99_999_999))
    if kind == "codabar":
        code = codabar.make(draw(st.sampled_from([2, 3])), 3171, number)
        text = draw(st.sampled_from([code, f"A{code}B", f"]F0{code}", f"]F0d{code}c"]))
    elif kind == "ean13":
        body = f"9789{number:08d}"
        code = body + str(symbology.ean13_check_digit(body))
        text = draw(st.sampled_from([code, f"]E0{code}"]))
    else:
        code = f"P{number}"
        text = draw(st.sampled_from([code, f"]C0{code}"]))
    prefix = draw(st.sampled_from(["", "S:"]))
    suffix = draw(st.sampled_from(["", "#"]))
    terminator = draw(st.sampled_from([b"\r", b"\n", b"\r\n"]))
    return (prefix + text + suffix).encode() + terminator, code


@given(
    st.lists(
        st.tuples(
            st.binary(max_size=90).map(lambda b: bytes(NOISE[x % len(NOISE)] for x in b)), frame()
        ),
        max_size=12,
    ),
    st.lists(st.integers(1, 40), max_size=30),
)
def test_every_valid_frame_in_noise_is_found_exactly_once(
    segments: list[tuple[bytes, tuple[bytes, str]]], cuts: list[int]
) -> None:
    stream = b"".join(noise + b"\r" + data for noise, (data, _code) in segments)
    events: list[ScanEvent] = []
    scanner = BarcodeProtocol(
        events.append, symbologies=(CODABAR, EAN13, CODE128), prefix="S:", suffix="#"
    )
    position = 0
    for size in [*cuts, len(stream)]:  # any chunking; the last feed takes the rest
        scanner.data_received(stream[position : position + size])
        position += size
    scanner.data_received(stream[position:])
    reads = [event.code for event in events if isinstance(event, BarcodeRead)]
    expected = [code for _noise, (_data, code) in segments]
    assert [code for code in reads if code in expected] == expected  # each once, in order
    # With Code 128 listed, printable noise without an AIM identifier is text too (the
    # classifier then finds it is nobody's); it never holds a letter or digit here.
    assert not any(char.isalnum() for code in reads if code not in expected for char in code)


@given(st.binary(max_size=300), st.lists(st.integers(1, 50), max_size=20))
def test_arbitrary_bytes_with_every_option_never_raise(data: bytes, cuts: list[int]) -> None:
    events: list[ScanEvent] = []
    scanner = BarcodeProtocol(
        events.append,
        terminator=b"\x03",
        symbologies=(CODABAR, EAN13, CODE39, CODE128),
        code39_check=True,
        prefix="]",
        suffix="#",
        duplicate_window=0.8,
    )
    position = 0
    for size in cuts:
        scanner.data_received(data[position : position + size])
        position += size
    scanner.data_received(data[position:])
    assert all(isinstance(event, BarcodeRead | BadScan) for event in events)
